import { hostname } from 'node:os';
/** The engine's small parts: progress display, key locks, result files, the recorded source commit. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gitState } from '../../engine/run/environment.ts';
import { acquireLock } from '../../engine/store/lock.ts';
import { createProgressDisplay } from '../../engine/run/progress.ts';
import { createResultsWriter, resultFiles } from '../../engine/store/results.ts';
import { captureTerminal } from './fixture.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'engine-units-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('progress display', () => {
  it('prints plain lines off a TTY, at most one per experiment every 5 s, with an ETA', () => {
    let now = 0;
    const terminal = captureTerminal();
    const display = createProgressDisplay(terminal, { now: () => now });
    display.started('train');
    now = 1000;
    display.progress('train', { step: 1, total: 11, unit: 'epoch', loss: 2 });
    now = 2000;
    display.progress('train', { step: 2, total: 11, unit: 'epoch', loss: 1.5 });
    now = 6000;
    display.progress('train', { step: 6, total: 11, unit: 'epoch', loss: 0.25 });
    display.finished('train');
    display.close();
    // 5 epochs took 5 s after the first update: 5 to go, 5 s left.
    expect(terminal.text()).toBe('run    train\n       train: epoch 6/11  loss 0.2500  ETA 5.0s\n');
  });

  it('draws one bar per running experiment on a TTY and erases them when done', async () => {
    let now = 0;
    let text = '';
    const display = createProgressDisplay({ isTTY: true, columns: 100, write: (t) => void (text += t) }, { now: () => now });
    display.started('a');
    display.started('bb');
    now = 1000;
    display.progress('a', { step: 1, total: 4 });
    now = 2000;
    display.progress('a', { step: 2, total: 4, loss: 0.5 });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(text).toContain('a  [############------------] step 2/4  loss 0.5000  ETA 2.0s\n');
    expect(text).toContain('bb [------------------------] starting (2.0s)\n');
    display.finished('a');
    display.line('ran    a');
    display.close();
    expect(text.endsWith('\x1b[1A\x1b[0J')).toBe(true);
    expect(text).toContain('ran    a\n');
  });
});

describe('key lock', () => {
  const never = new AbortController().signal;

  it('makes a second taker wait until the first releases', async () => {
    const path = join(dir, '.lock-k');
    const first = await acquireLock(path, never, () => {});
    let waited = false;
    let taken = false;
    const second = acquireLock(path, never, () => (waited = true)).then((lock) => ((taken = true), lock));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect([waited, taken]).toEqual([true, false]);
    first.release();
    (await second).release();
    expect(taken).toBe(true);
    expect(existsSync(path)).toBe(false);
  });

  it('breaks a lock whose owner is dead', async () => {
    const path = join(dir, '.lock-k');
    writeFileSync(path, `${hostname()}\n999999999\n2020-01-01T00:00:00Z\n`);
    const lock = await acquireLock(path, never, () => {});
    expect(readFileSync(path, 'utf8').split('\n').slice(0, 2)).toEqual([hostname(), String(process.pid)]);
    lock.release();
  });

  it('gives up when the build is aborted while waiting', async () => {
    const path = join(dir, '.lock-k');
    const held = await acquireLock(path, never, () => {});
    const controller = new AbortController();
    const waiting = acquireLock(path, controller.signal, () => controller.abort(new Error('stop')));
    await expect(waiting).rejects.toThrow('stop');
    held.release();
  });
});

describe('result files', () => {
  it('writes metrics, series one row per line, and JSON, with sorted keys', () => {
    const results = createResultsWriter(dir);
    results.metrics({ b: 1, a: { y: 2, x: [1, 2] } });
    results.metrics({ c: 'three' });
    results.series('loss', [
      { step: 1, loss: 0.5 },
      { step: 2, loss: 0.25 },
    ]);
    results.json('config', { z: true, a: null });
    expect(readFileSync(join(dir, 'metrics.json'), 'utf8')).toBe('{\n  "a": {\n    "x": [\n      1,\n      2\n    ],\n    "y": 2\n  },\n  "b": 1,\n  "c": "three"\n}\n');
    expect(readFileSync(join(dir, 'series', 'loss.json'), 'utf8')).toBe('[\n  {"loss":0.5,"step":1},\n  {"loss":0.25,"step":2}\n]\n');
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe('{\n  "a": null,\n  "z": true\n}\n');
    expect(resultFiles(dir)).toEqual(['config.json', 'metrics.json', 'series/loss.json']);
  });

  it('refuses what JSON cannot hold, naming where it is, and reserved or unsafe names', () => {
    const results = createResultsWriter(dir);
    expect(() => results.series('loss', [{ step: 1, loss: 0 }, { step: 2, loss: NaN }])).toThrow("series 'loss' row 1 column 'loss' is NaN");
    expect(() => results.metrics({ best: Infinity })).toThrow("metric 'best' is Infinity");
    expect(() => results.json('manifest', {})).toThrow('reserved');
    expect(() => results.series('../escape', [])).toThrow('must match');
  });
});

describe('source commit', () => {
  const repo = join(import.meta.dirname, '..', '..');

  it("takes the sender's SOURCE_COMMIT over the copy's own git state, and names a malformed one", () => {
    expect(gitState(repo, { SOURCE_COMMIT: 'abc1234', SOURCE_DIRTY: '1' })).toEqual({ commit: 'abc1234', dirty: true });
    expect(gitState(dir, { SOURCE_COMMIT: 'abc1234' })).toEqual({ commit: 'abc1234', dirty: false });
    expect(() => gitState(repo, { SOURCE_COMMIT: 'HEAD~1' })).toThrow('SOURCE_COMMIT="HEAD~1"');
  });

  it('reads HEAD in a repository, and records no commit outside one', () => {
    expect(gitState(repo, {}).commit).toMatch(/^[0-9a-f]{40}$/);
    expect(gitState(dir, {})).toEqual({ commit: null, dirty: false });
  });
});
