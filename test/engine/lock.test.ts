/**
 * The per-key lease (engine/store/lock.ts): who holds it, when it is stale (a dead local owner, a silent
 * remote one, an empty file past its grace period), breaking it (only the stale, never a lease retaken
 * meanwhile, no aside file left), the heartbeat, waiting, aborting, and releasing only one's own lease.
 */
import * as fs from 'node:fs';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { acquireLock, breakIfStale, HEARTBEAT_MS, leaseHeld, leaseIsLive, leaseOwner, STALE_MS, thisHost } from '../../engine/store/lock.ts';

const hooks = vi.hoisted(() => ({ beforeRename: null as null | ((from: string, to: string) => void) }));
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  return {
    ...real,
    renameSync: (from: fs.PathLike, to: fs.PathLike) => {
      hooks.beforeRename?.(String(from), String(to));
      real.renameSync(from, to);
    },
  };
});

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'engine-lock-'));
  path = join(dir, '.lock-k');
  hooks.beforeRename = null;
});
afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

const DEAD_PID = 999_999_999;
const never = new AbortController().signal;
const age = (p: string, ms: number) => utimesSync(p, new Date(Date.now() - ms), new Date(Date.now() - ms));

describe('lease owner and liveness', () => {
  it('reads host and pid, and nothing from an empty, partial or malformed file', () => {
    writeFileSync(path, 'node-1\n42\n2026-01-01T00:00:00Z\n');
    expect(leaseOwner(path)).toEqual({ host: 'node-1', pid: 42 });
    for (const text of ['', 'node-1\n', 'node-1\n0\n', 'node-1\n-3\n', 'node-1\n4.5\n', 'node-1\nabc\n', '\n42\n']) {
      writeFileSync(path, text);
      expect(leaseOwner(path), JSON.stringify(text)).toBeNull();
    }
    expect(leaseOwner(join(dir, 'absent'))).toBeNull();
    expect(thisHost()).toBe(hostname());
  });

  it('a local owner is live while its process is and its heartbeat is fresh', () => {
    const now = 1_000_000_000_000;
    const me = { host: hostname(), pid: process.pid };
    expect(leaseIsLive(me, now, now)).toBe(true);
    expect(leaseIsLive(me, now - STALE_MS + 1, now)).toBe(true);
    expect(leaseIsLive(me, now - STALE_MS, now)).toBe(false);
    expect(leaseIsLive({ host: hostname(), pid: DEAD_PID }, now, now)).toBe(false);
    expect(leaseIsLive(me, null, now)).toBe(false);
  });

  it('a remote owner is live until its heartbeat is STALE_MS old, whatever its pid means here', () => {
    const now = 1_000_000_000_000;
    const remote = { host: 'another-node', pid: DEAD_PID };
    expect(leaseIsLive(remote, now - STALE_MS + 1, now)).toBe(true);
    expect(leaseIsLive(remote, now - STALE_MS, now)).toBe(false);
  });

  it('an empty lease (its owner between open and write) is live for a 10 s grace period only', () => {
    const now = 1_000_000_000_000;
    expect(leaseIsLive(null, now, now)).toBe(true);
    expect(leaseIsLive(null, now - 9_999, now)).toBe(true);
    expect(leaseIsLive(null, now - 10_000, now)).toBe(false);
    expect(leaseIsLive(null, now - 30_000, now)).toBe(false);
    // The grace period is shorter than a written lease's STALE_MS.
    expect(leaseIsLive({ host: 'another-node', pid: 1 }, now - 30_000, now)).toBe(true);
  });

  it('leaseHeld reads the file: owner and modification time', () => {
    expect(leaseHeld(path)).toBe(false);
    writeFileSync(path, '');
    expect(leaseHeld(path)).toBe(true);
    age(path, 11_000);
    expect(leaseHeld(path)).toBe(false);
    writeFileSync(path, `${hostname()}\n${process.pid}\n`);
    expect(leaseHeld(path)).toBe(true);
    writeFileSync(path, `${hostname()}\n${DEAD_PID}\n`);
    expect(leaseHeld(path)).toBe(false);
  });
});

describe('breakIfStale', () => {
  const leftovers = () => readdirSync(dir).filter((n) => n !== '.lock-k');

  it('leaves a live lease alone and a missing one missing', () => {
    breakIfStale(path);
    expect(existsSync(path)).toBe(false);
    writeFileSync(path, `${hostname()}\n${process.pid}\n`);
    breakIfStale(path);
    expect(readFileSync(path, 'utf8')).toBe(`${hostname()}\n${process.pid}\n`);
    writeFileSync(path, '');
    breakIfStale(path); // inside the grace period
    expect(existsSync(path)).toBe(true);
  });

  it('removes a stale lease (dead owner, silent remote owner, empty past its grace) without leaving an aside file', () => {
    for (const [text, ms] of [[`${hostname()}\n${DEAD_PID}\n`, 0], ['another-node\n5\n', STALE_MS + 1000], ['', 11_000]] as const) {
      writeFileSync(path, text);
      if (ms) age(path, ms);
      breakIfStale(path);
      expect(existsSync(path), JSON.stringify(text)).toBe(false);
      expect(leftovers()).toEqual([]);
    }
  });

  it('puts back a lease that was broken and retaken by someone else between its read and its rename', () => {
    writeFileSync(path, `${hostname()}\n${DEAD_PID}\n`);
    hooks.beforeRename = (from) => {
      hooks.beforeRename = null;
      if (from === path) writeFileSync(path, `${hostname()}\n${process.pid}\n`); // the retaken, live lease
    };
    breakIfStale(path);
    expect(readFileSync(path, 'utf8')).toBe(`${hostname()}\n${process.pid}\n`);
    expect(leftovers()).toEqual([]);
  });

  it('gives way when another breaker renamed the lease first', () => {
    writeFileSync(path, `${hostname()}\n${DEAD_PID}\n`);
    hooks.beforeRename = (from) => {
      hooks.beforeRename = null;
      rmSync(from);
    };
    expect(() => breakIfStale(path)).not.toThrow();
    expect(leftovers()).toEqual([]);
  });
});

describe('acquireLock', () => {
  it('writes host, pid and time into a fresh lease, and release removes it', async () => {
    const lock = await acquireLock(path, never, () => {
      throw new Error('no wait expected');
    });
    const [host, pid, time] = readFileSync(path, 'utf8').split('\n');
    expect([host, pid]).toEqual([hostname(), String(process.pid)]);
    expect(Date.now() - Date.parse(time!)).toBeLessThan(60_000);
    lock.release();
    expect(existsSync(path)).toBe(false);
  });

  it('keeps a heartbeat every HEARTBEAT_MS until released', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const lock = await acquireLock(path, never, () => {});
    age(path, 30_000);
    const before = statSync(path).mtimeMs;
    vi.advanceTimersByTime(HEARTBEAT_MS - 1);
    expect(statSync(path).mtimeMs).toBe(before);
    vi.advanceTimersByTime(1);
    expect(statSync(path).mtimeMs).toBe(Date.parse('2030-01-01T00:00:05Z'));
    lock.release();
    writeFileSync(path, 'someone-else\n1\n');
    age(path, 30_000);
    const after = statSync(path).mtimeMs;
    vi.advanceTimersByTime(3 * HEARTBEAT_MS);
    expect(statSync(path).mtimeMs).toBe(after);
  });

  it('waits for a live owner (telling onWait once, with the owner) and takes the lease when it goes', async () => {
    writeFileSync(path, `another-node\n77\n`);
    const waits: unknown[] = [];
    const taking = acquireLock(path, never, (owner) => waits.push(owner));
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(waits).toEqual([{ host: 'another-node', pid: 77 }]);
    rmSync(path);
    const lock = await taking;
    expect(leaseOwner(path)).toEqual({ host: hostname(), pid: process.pid });
    lock.release();
  });

  it('takes over a stale lease at once', async () => {
    writeFileSync(path, 'another-node\n77\n');
    age(path, STALE_MS + 1000);
    const lock = await acquireLock(path, never, () => {});
    expect(leaseOwner(path)).toEqual({ host: hostname(), pid: process.pid });
    lock.release();
  });

  it('release leaves a lease that someone else holds now', async () => {
    const lock = await acquireLock(path, never, () => {});
    writeFileSync(path, 'another-node\n77\n');
    lock.release();
    expect(leaseOwner(path)).toEqual({ host: 'another-node', pid: 77 });
  });

  it('rejects with the abort reason, before taking or while waiting', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stopped'));
    await expect(acquireLock(path, controller.signal, () => {})).rejects.toThrow('stopped');
    expect(existsSync(path)).toBe(false);
    const bare = new AbortController();
    bare.abort();
    await expect(acquireLock(path, bare.signal, () => {})).rejects.toBeDefined();
  });

  it('throws what is not "the lease exists"', async () => {
    await expect(acquireLock(join(dir, 'no-such-folder', '.lock-k'), never, () => {})).rejects.toThrow(/ENOENT/);
  });
});
