/**
 * A lease per cache key, so two builds (on one machine or on the nodes of a cluster sharing the store)
 * never run the same key at once. The lease is a file created with O_EXCL holding its owner's host and
 * pid; the owner refreshes its modification time every HEARTBEAT_MS. A lease is stale, and may be
 * broken, when its owner is on this host and dead, or when its heartbeat is older than STALE_MS (an
 * owner on another node that died or lost the store). Breaking renames the file aside, so only one
 * breaker can succeed. Correctness of the cache never depends on the lease (results are installed by an
 * atomic rename); it only avoids duplicate work.
 */
import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { processAlive, randomId } from '../files/fsx.ts';

export const HEARTBEAT_MS = 5_000;
/** A heartbeat older than this means the owner is gone (12 missed beats: room for a slow shared filesystem). */
export const STALE_MS = 60_000;
/** An empty lease: its owner is between open and write, unless it died there this long ago. */
const EMPTY_LEASE_GRACE_MS = 10_000;

export interface LeaseOwner {
  host: string;
  pid: number;
}

export interface KeyLock {
  release(): void;
}

export const thisHost = (): string => hostname();

export function leaseOwner(path: string): LeaseOwner | null {
  try {
    const [host, pid] = readFileSync(path, 'utf8').split('\n');
    const n = Number(pid);
    return host && Number.isInteger(n) && n > 0 ? { host, pid: n } : null;
  } catch {
    return null;
  }
}

/** Whether the lease file at `path` (or any file carrying owner and heartbeat) is held by a live owner. */
export function leaseIsLive(owner: LeaseOwner | null, heartbeatMs: number | null, now = Date.now()): boolean {
  if (heartbeatMs === null) return false;
  if (owner === null) return now - heartbeatMs < EMPTY_LEASE_GRACE_MS;
  if (owner.host === thisHost() && !processAlive(owner.pid)) return false;
  return now - heartbeatMs < STALE_MS;
}

function heartbeatOf(path: string): number | null {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return null;
  }
}

export function leaseHeld(path: string): boolean {
  return leaseIsLive(leaseOwner(path), heartbeatOf(path));
}

function tryCreate(path: string): boolean {
  try {
    const fd = openSync(path, 'wx');
    writeSync(fd, `${thisHost()}\n${process.pid}\n${new Date().toISOString()}\n`);
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

const sameOwner = (a: LeaseOwner | null, b: LeaseOwner | null) => (a === null ? b === null : b !== null && a.host === b.host && a.pid === b.pid);

/** Break the lease at `path` if it is stale. */
export function breakIfStale(path: string): void {
  const owner = leaseOwner(path);
  const heartbeat = heartbeatOf(path);
  if (heartbeat === null || leaseIsLive(owner, heartbeat)) return;
  const aside = `${path}.stale-${process.pid}-${randomId()}`;
  try {
    renameSync(path, aside);
  } catch {
    return; // someone else broke it first
  }
  if (!sameOwner(leaseOwner(aside), owner)) {
    // Between our read and our rename the stale lease was broken and retaken: put the live one back.
    try {
      linkSync(aside, path);
    } catch {
      // a third process holds the lease now; the live one we moved is lost, which only risks duplicate work
    }
  }
  rmSync(aside, { force: true });
}

/**
 * Take the lease at `path`, waiting while a live owner holds it. `onWait` is called once when waiting
 * starts. The lease's heartbeat runs until `release`. Rejects when `signal` aborts.
 */
export async function acquireLock(path: string, signal: AbortSignal, onWait: (owner: LeaseOwner | null) => void): Promise<KeyLock> {
  let waited = false;
  for (;;) {
    if (signal.aborted) throw signal.reason ?? new Error('aborted');
    if (tryCreate(path)) {
      const beat = setInterval(() => {
        const now = new Date();
        try {
          utimesSync(path, now, now);
        } catch {
          // broken by someone who thought us dead: the atomic install still keeps the store consistent
        }
      }, HEARTBEAT_MS);
      beat.unref();
      return {
        release: () => {
          clearInterval(beat);
          if (sameOwner(leaseOwner(path), { host: thisHost(), pid: process.pid })) rmSync(path, { force: true });
        },
      };
    }
    breakIfStale(path);
    if (!waited) {
      waited = true;
      onWait(leaseOwner(path));
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}
