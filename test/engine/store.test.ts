/**
 * The artifact store's rules, one by one: what verifies, what is listed and in which order, failure records,
 * the install rename (including the race a concurrent build loses), and which leftovers a later build
 * removes (only the store's own temporary, aside and momentary names, and only once their owner is gone).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FingerprintCache } from '../../engine/files/fingerprints.ts';
import { cacheKey } from '../../engine/plan/key.ts';
import { STALE_MS } from '../../engine/store/lock.ts';
import {
  artifactDir, clearFailure, commitArtifact, createTempDir, experimentStore, failurePaths, listArtifacts, lockPath,
  newestArtifact, readFailure, recordFailure, removeOrphans, verifyArtifact,
} from '../../engine/store/store.ts';
import { COMPONENTS, manifestOf, writeArtifact } from './stored.ts';

// A hook before each rename the store makes, to stage what a concurrent build does in between.
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

let root: string;
let fingerprints: FingerprintCache;
beforeEach(() => {
  hooks.beforeRename = null;
  root = mkdtempSync(join(tmpdir(), 'engine-store-'));
  fingerprints = FingerprintCache.load(null);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const KEY = cacheKey(COMPONENTS);
const other = (offset: number) => ({ ...COMPONENTS, params: { offset } });
const store = () => experimentStore(root, 'sum');
/** Every entry of the experiment's store, dot-names included: nothing may hide there. */
const entries = () => (existsSync(store()) ? readdirSync(store()).sort() : []);
const DEAD_PID = 999_999_999;
const old = (path: string) => utimesSync(path, new Date(Date.now() - 2 * STALE_MS), new Date(Date.now() - 2 * STALE_MS));

describe('paths', () => {
  it('files an artifact, its lease and its failure record under the first 12 hex digits of the key', () => {
    expect(artifactDir(root, 'sum', KEY)).toBe(join(root, 'artifacts', 'sum', KEY.slice(0, 12)));
    expect(lockPath(root, 'sum', KEY)).toBe(join(root, 'artifacts', 'sum', `.lock-${KEY.slice(0, 12)}`));
    expect(failurePaths(root, 'sum', KEY)).toEqual({
      json: join(root, 'artifacts', 'sum', `failed-${KEY.slice(0, 12)}.json`),
      log: join(root, 'artifacts', 'sum', `failed-${KEY.slice(0, 12)}.log`),
    });
  });

  it('names a temp folder after its key, host and process', () => {
    const dir = createTempDir(root, 'sum', KEY);
    expect(existsSync(dir)).toBe(true);
    expect(dir.slice(store().length + 1)).toMatch(new RegExp(`^\\.tmp-${KEY.slice(0, 12)}-${hostname()}-${process.pid}-[0-9a-f]{12}$`));
  });
});

describe('verifyArtifact', () => {
  const dir = () => artifactDir(root, 'sum', KEY);

  it('accepts an unedited manifest of a successful run with every result file and blob intact', async () => {
    const manifest = writeArtifact(dir(), manifestOf(COMPONENTS, { 'metrics.json': '{}\n' }, { blobs: { 'w.bin': { sha256: 'f'.repeat(64), bytes: 1 } } }), { 'metrics.json': '{}\n' });
    const verified = await verifyArtifact(dir(), fingerprints, KEY);
    expect(verified).toEqual({ ok: true, manifest: { ...manifest, integrity: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    // Without the key the manifest's own key is not checked against anything.
    expect((await verifyArtifact(dir(), fingerprints)).ok).toBe(true);
  });

  it('rejects, with the reason, a missing manifest, another key, a failed run, a missing or changed result, a changed blob', async () => {
    expect(await verifyArtifact(dir(), fingerprints, KEY)).toEqual({ ok: false, missing: true, reason: 'manifest.json is missing' });
    writeArtifact(dir(), manifestOf(COMPONENTS, { 'metrics.json': '{}\n' }), { 'metrics.json': '{}\n' });
    const otherKey = cacheKey(other(1));
    expect(await verifyArtifact(dir(), fingerprints, otherKey)).toEqual({ ok: false, missing: false, reason: `manifest key ${KEY} is not ${otherKey}` });
    writeFileSync(join(dir(), 'metrics.json'), '{"x":1}\n');
    expect(await verifyArtifact(dir(), FingerprintCache.load(null), KEY)).toEqual({ ok: false, missing: false, reason: 'result file metrics.json does not match its recorded sha256 (modified or corrupted)' });
    rmSync(join(dir(), 'metrics.json'));
    expect(await verifyArtifact(dir(), FingerprintCache.load(null), KEY)).toEqual({ ok: false, missing: false, reason: 'result file metrics.json is missing' });

    writeArtifact(dir(), manifestOf(COMPONENTS, {}, { status: 'failed' }));
    expect(await verifyArtifact(dir(), FingerprintCache.load(null), KEY)).toEqual({ ok: false, missing: false, reason: "the run's status is failed" });

    writeArtifact(dir(), manifestOf(COMPONENTS, {}, { blobs: { 'w.bin': { sha256: 'f'.repeat(64), bytes: 1 } } }));
    mkdirSync(join(dir(), 'blobs'));
    writeFileSync(join(dir(), 'blobs', 'w.bin'), 'x');
    expect(await verifyArtifact(dir(), FingerprintCache.load(null), KEY)).toEqual({ ok: false, missing: false, reason: 'blob w.bin does not match its recorded sha256 (modified or corrupted)' });
  });
});

describe('listArtifacts and newestArtifact', () => {
  it('lists successful artifacts newest first, skips dot folders and files, and reports corrupt manifests', () => {
    expect(listArtifacts(root, 'sum')).toEqual([]);
    const at = (c: typeof COMPONENTS, startedAt: string) => writeArtifact(artifactDir(root, 'sum', cacheKey(c)), manifestOf(c, {}, { startedAt }));
    at(other(1), '2026-01-02T00:00:00.000Z');
    at(other(2), '2026-01-03T00:00:00.000Z');
    at(other(3), '2026-01-01T00:00:00.000Z');
    at(other(4), '2026-01-02T00:00:00.000Z'); // a tie keeps directory order
    writeArtifact(join(store(), '.tmp-hidden'), manifestOf(other(5), {}, { startedAt: '2027-01-01T00:00:00.000Z' }));
    writeArtifact(artifactDir(root, 'sum', cacheKey(other(6))), manifestOf(other(6), {}, { status: 'failed' }));
    writeFileSync(join(store(), 'failed-abc.json'), '{}');
    mkdirSync(join(store(), 'broken'));
    writeFileSync(join(store(), 'broken', 'manifest.json'), '{"schema": 1');
    const skipped: string[] = [];
    const listed = listArtifacts(root, 'sum', (dir, reason) => skipped.push(`${dir.slice(store().length + 1)}: ${reason.split(':')[0]}`));
    const offsets = listed.map((a) => (a.manifest.components.params as { offset: number }).offset);
    expect(offsets.slice(0, 1)).toEqual([2]);
    expect(offsets.slice(1, 3).sort()).toEqual([1, 4]);
    expect(offsets.slice(3)).toEqual([3]);
    expect(skipped).toEqual(['broken: manifest.json is corrupt']);
  });

  it('takes the newest artifact that verifies, of the profile first, among those accepted', async () => {
    const write = (c: typeof COMPONENTS, startedAt: string, files = { 'metrics.json': '{}\n' }) =>
      writeArtifact(artifactDir(root, 'sum', cacheKey(c)), manifestOf(c, files, { startedAt }), files);
    write({ ...other(1), profile: 'local' }, '2026-01-05T00:00:00.000Z');
    write(other(2), '2026-01-02T00:00:00.000Z');
    write(other(3), '2026-01-03T00:00:00.000Z');
    writeFileSync(join(artifactDir(root, 'sum', cacheKey(other(3))), 'metrics.json'), 'edited');
    const skipped: string[] = [];
    const newest = await newestArtifact(root, 'sum', 'smoke', fingerprints, (dir) => skipped.push(dir));
    expect(newest?.manifest.components.params).toEqual({ offset: 2 });
    expect(skipped).toEqual([artifactDir(root, 'sum', cacheKey(other(3)))]);
    expect((await newestArtifact(root, 'sum', 'paper', FingerprintCache.load(null)))?.manifest.components.profile).toBe('local');
    const none = await newestArtifact(root, 'sum', 'smoke', FingerprintCache.load(null), () => {}, (m) => m.components.profile === 'paper');
    expect(none).toBeNull();
  });
});

describe('failure records', () => {
  it('are written with their log, read back only as failures, and cleared', () => {
    const failed = manifestOf(COMPONENTS, {}, { status: 'failed', error: { message: 'boom' } });
    recordFailure(root, failed, 'the log\n');
    const paths = failurePaths(root, 'sum', KEY);
    expect(readFileSync(paths.log, 'utf8')).toBe('the log\n');
    expect(readFailure(root, 'sum', KEY)?.error).toEqual({ message: 'boom' });
    expect(readFailure(root, 'sum', cacheKey(other(9)))).toBeNull();
    clearFailure(root, 'sum', KEY);
    expect(readFailure(root, 'sum', KEY)).toBeNull();
    expect(entries()).toEqual([]);
    // A record that says "ok", or that does not parse, is no failure: the key simply reruns.
    recordFailure(root, manifestOf(COMPONENTS), 'log');
    expect(readFailure(root, 'sum', KEY)).toBeNull();
    writeFileSync(paths.json, '{');
    expect(readFailure(root, 'sum', KEY)).toBeNull();
  });
});

describe('commitArtifact', () => {
  const finalDir = () => artifactDir(root, 'sum', KEY);
  const run = (marker: string) => {
    const temp = createTempDir(root, 'sum', KEY);
    writeFileSync(join(temp, 'marker'), marker);
    return temp;
  };
  const marker = () => readFileSync(join(finalDir(), 'marker'), 'utf8');

  it('installs a run by renaming its temp folder into place', () => {
    expect(commitArtifact(run('ours'), finalDir(), false)).toBe(true);
    expect(marker()).toBe('ours');
    expect(entries()).toEqual([KEY.slice(0, 12)]);
  });

  it('loses the race to a concurrent build that installed the key first: keeps theirs, leaves no temp folder', () => {
    const ours = run('ours');
    commitArtifact(run('theirs'), finalDir(), false);
    expect(commitArtifact(ours, finalDir(), false)).toBe(false);
    expect(marker()).toBe('theirs');
    expect(entries()).toEqual([KEY.slice(0, 12)]);
  });

  it('replaces an existing artifact when forced, leaving no trash folder; without one it just installs', () => {
    commitArtifact(run('old'), finalDir(), false);
    expect(commitArtifact(run('new'), finalDir(), true)).toBe(true);
    expect(marker()).toBe('new');
    expect(entries()).toEqual([KEY.slice(0, 12)]);
    rmSync(finalDir(), { recursive: true });
    expect(commitArtifact(run('fresh'), finalDir(), true)).toBe(true);
    expect(marker()).toBe('fresh');
    expect(entries()).toEqual([KEY.slice(0, 12)]);
  });

  it('a forced install whose rename fails puts the old artifact back and throws', () => {
    commitArtifact(run('old'), finalDir(), false);
    const ours = run('ours');
    rmSync(ours, { recursive: true });
    expect(() => commitArtifact(ours, finalDir(), true)).toThrow(/ENOENT/);
    expect(marker()).toBe('old');
    expect(entries()).toEqual([KEY.slice(0, 12)]);
  });

  it('a forced install that loses the race (another build installs while the old one is aside) keeps theirs, no trash', () => {
    commitArtifact(run('old'), finalDir(), false);
    const ours = run('ours');
    const theirs = run('theirs');
    hooks.beforeRename = (from, to) => {
      if (from !== ours) return;
      hooks.beforeRename = null;
      fs.renameSync(theirs, to);
    };
    expect(commitArtifact(ours, finalDir(), true)).toBe(false);
    expect(marker()).toBe('theirs');
    expect(entries()).toEqual([KEY.slice(0, 12)]);
  });

  it('a forced install finding the old artifact already moved by another forced one installs in the empty place', () => {
    commitArtifact(run('old'), finalDir(), false);
    const ours = run('ours');
    hooks.beforeRename = (from) => {
      if (from !== finalDir()) return;
      hooks.beforeRename = null;
      rmSync(from, { recursive: true }); // the other build moved it aside and deleted it
    };
    expect(commitArtifact(ours, finalDir(), true)).toBe(true);
    expect(marker()).toBe('ours');
    expect(entries()).toEqual([KEY.slice(0, 12)]);
  });

  it('a forced install that cannot move the old artifact aside for another reason throws and keeps it', () => {
    commitArtifact(run('old'), finalDir(), false);
    const ours = run('ours');
    hooks.beforeRename = (from) => {
      if (from !== finalDir()) return;
      hooks.beforeRename = null;
      throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    };
    expect(() => commitArtifact(ours, finalDir(), true)).toThrow(/EACCES/);
    expect(marker()).toBe('old');
  });

  it('throws other errors after putting nothing in place', () => {
    expect(() => commitArtifact(join(store(), 'absent'), finalDir(), false)).toThrow(/ENOENT/);
    expect(existsSync(finalDir())).toBe(false);
  });
});

describe('removeOrphans', () => {
  const make = (name: string, file = false) => {
    const path = join(store(), name);
    mkdirSync(store(), { recursive: true });
    if (file) writeFileSync(path, '');
    else mkdirSync(path);
    return path;
  };
  const rel = (paths: string[]) => paths.map((p) => p.slice(store().length + 1)).sort();

  it('removes temp and trash folders of dead local processes and keeps those of live ones', () => {
    make(`.tmp-${KEY.slice(0, 12)}-${hostname()}-${DEAD_PID}-0123456789ab`);
    make(`.trash-${hostname()}-${DEAD_PID}-0123456789ab`);
    make(`.tmp-${KEY.slice(0, 12)}-${hostname()}-${process.pid}-0123456789ab`);
    make(`.trash-${hostname()}-${process.pid}-0123456789ab`);
    expect(rel(removeOrphans(root))).toEqual([`.tmp-${KEY.slice(0, 12)}-${hostname()}-${DEAD_PID}-0123456789ab`, `.trash-${hostname()}-${DEAD_PID}-0123456789ab`].sort());
    expect(entries()).toEqual([`.tmp-${KEY.slice(0, 12)}-${hostname()}-${process.pid}-0123456789ab`, `.trash-${hostname()}-${process.pid}-0123456789ab`].sort());
  });

  it('removes those of another host only once long silent, and never a temp folder whose lease is live', () => {
    const tempOld = make(`.tmp-${KEY.slice(0, 12)}-elsewhere-12-0123456789ab`);
    const tempLeased = make(`.tmp-aaaaaaaaaaaa-elsewhere-13-0123456789ab`);
    const tempRecent = make(`.tmp-bbbbbbbbbbbb-elsewhere-14-0123456789ab`);
    const trashOld = make(`.trash-elsewhere-15-0123456789ab`);
    const trashRecent = make(`.trash-elsewhere-16-0123456789ab`);
    writeFileSync(join(store(), '.lock-aaaaaaaaaaaa'), 'elsewhere\n13\n');
    for (const p of [tempOld, tempLeased, trashOld]) old(p);
    expect(rel(removeOrphans(root))).toEqual([`.tmp-${KEY.slice(0, 12)}-elsewhere-12-0123456789ab`, '.trash-elsewhere-15-0123456789ab'].sort());
    expect(existsSync(tempLeased) && existsSync(tempRecent) && existsSync(trashRecent)).toBe(true);
    // `now` is the clock the folders' ages are measured against; the lease's own heartbeat is still fresh.
    expect(rel(removeOrphans(root, Date.now() + 2 * STALE_MS))).toEqual(['.tmp-bbbbbbbbbbbb-elsewhere-14-0123456789ab', '.trash-elsewhere-16-0123456789ab']);
    expect(existsSync(tempLeased)).toBe(true);
    // Once the lease is stale (its owner silent for STALE_MS), it is broken and its temp folder goes too.
    old(join(store(), '.lock-aaaaaaaaaaaa'));
    expect(rel(removeOrphans(root))).toEqual(['.lock-aaaaaaaaaaaa', '.tmp-aaaaaaaaaaaa-elsewhere-13-0123456789ab']);
  });

  it('breaks stale leases and removes lease asides and atomic-write temp files left by a kill', () => {
    const stale = make('.lock-cccccccccccc', true);
    writeFileSync(stale, `${hostname()}\n${DEAD_PID}\n`);
    const live = make('.lock-dddddddddddd', true);
    writeFileSync(live, `${hostname()}\n${process.pid}\n`);
    const aside = make(`.lock-cccccccccccc.stale-${DEAD_PID}-0123456789ab`, true);
    const write = make(`.failed-${KEY.slice(0, 12)}.json.${DEAD_PID}.0123456789ab.tmp`, true);
    const recentAside = make(`.lock-eeeeeeeeeeee.stale-${DEAD_PID}-0123456789ab`, true);
    old(aside);
    old(write);
    expect(rel(removeOrphans(root))).toEqual(['.lock-cccccccccccc', `.lock-cccccccccccc.stale-${DEAD_PID}-0123456789ab`, `.failed-${KEY.slice(0, 12)}.json.${DEAD_PID}.0123456789ab.tmp`].sort());
    expect(existsSync(live) && existsSync(recentAside)).toBe(true);
    expect(entries().filter((e) => e.includes('.stale-') && e.startsWith('.lock-cccc'))).toEqual([]);
  });

  it('touches nothing it does not own, however old: artifacts, failure records, other dot folders and files', () => {
    writeArtifact(artifactDir(root, 'sum', KEY), manifestOf(COMPONENTS));
    const names = [KEY.slice(0, 12), 'failed-0123456789ab.json', '.git', '.tmp-notakey', '.trash-', 'notes.tmp', '.scratch-0123456789ab', '.lock-XYZ'];
    for (const name of names.slice(1)) make(name, name.includes('.json') || name.endsWith('.tmp') || name.startsWith('.lock'));
    for (const name of names) old(join(store(), name));
    writeFileSync(join(root, 'artifacts', 'README'), 'a file beside the experiments');
    expect(removeOrphans(root, Date.now() + 100 * STALE_MS)).toEqual([]);
    expect(entries()).toEqual([...names].sort());
  });

  it('leaves names that only look like its own: a prefix before the dot name, a suffix after it', () => {
    const k = KEY.slice(0, 12);
    const lookalikes = [
      `x.tmp-${k}-elsewhere-12-0123456789ab`, `.tmp-${k}-elsewhere-12-0123456789ab.bak`,
      'x.trash-elsewhere-15-0123456789ab', '.trash-elsewhere-15-0123456789ab.bak',
      `x.lock-cccccccccccc`, `.lock-cccccccccccc.bak`,
      `x.lock-cccccccccccc.stale-${DEAD_PID}-0123456789ab`, `.lock-cccccccccccc.stale-${DEAD_PID}-0123456789ab.bak`,
      `notes.json.${DEAD_PID}.0123456789ab.tmp`, `.notes.json.${DEAD_PID}.0123456789ab.tmp.bak`, `.notes.json.pid.0123456789ab.tmp`,
    ];
    for (const name of lookalikes) {
      const path = make(name, !name.includes('tmp-') && !name.includes('trash-'));
      if (!name.includes('tmp-') && !name.includes('trash-')) writeFileSync(path, `${hostname()}\n${DEAD_PID}\n`);
      old(path);
    }
    expect(removeOrphans(root, Date.now() + 100 * STALE_MS)).toEqual([]);
    expect(entries()).toEqual([...lookalikes].sort());
  });

  it('does nothing without a store', () => {
    expect(removeOrphans(join(root, 'nowhere'))).toEqual([]);
  });
});
