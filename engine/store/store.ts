/**
 * The artifact store: `artifacts/<experiment>/<first 12 hex of key>/` holds `manifest.json`, the result
 * files it lists with their sha256, and `blobs/` (binary results, listed in the manifest, never in git).
 * A run writes into `artifacts/<experiment>/.tmp-<key12>-<host>-<pid>-<id>/`, which is renamed into
 * place only after the run succeeded and its manifest was written, so an interrupted run leaves at most
 * a temp folder, which a later build removes once its owner is gone (dead on this host, or its key's
 * lease stale). Failed runs are recorded beside, as `failed-<key12>.json` (+ `.log`), never as results.
 * The store may live outside the project (ARTIFACTS_DIR), on a filesystem the nodes of a cluster share.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest, Profile } from '../contract.ts';
import { prettyJson } from '../files/hash.ts';
import type { FingerprintCache } from '../files/fingerprints.ts';
import { processAlive, randomId, writeFileAtomic } from '../files/fsx.ts';
import { projectPaths } from '../commands/project.ts';
import { breakIfStale, leaseHeld, STALE_MS, thisHost } from './lock.ts';
import { readManifestFile, readManifestIn, sealManifest } from './manifest.ts';
import { BLOBS_DIR } from './results.ts';

export const KEY_PREFIX = 12;

export function experimentStore(root: string, experimentId: string): string {
  return join(projectPaths(root).artifacts, experimentId);
}

export function artifactDir(root: string, experimentId: string, key: string): string {
  return join(experimentStore(root, experimentId), key.slice(0, KEY_PREFIX));
}

export function lockPath(root: string, experimentId: string, key: string): string {
  return join(experimentStore(root, experimentId), `.lock-${key.slice(0, KEY_PREFIX)}`);
}

export function failurePaths(root: string, experimentId: string, key: string): { json: string; log: string } {
  const base = join(experimentStore(root, experimentId), `failed-${key.slice(0, KEY_PREFIX)}`);
  return { json: `${base}.json`, log: `${base}.log` };
}

export type Verified = { ok: true; manifest: Manifest } | { ok: false; missing: boolean; reason: string };

/**
 * Check an artifact folder: a valid, unedited manifest of a successful run (of `key`, when given)
 * whose every result file exists with its recorded sha256, and whose blobs, where present, match.
 */
export async function verifyArtifact(dir: string, fingerprints: FingerprintCache, key?: string): Promise<Verified> {
  const read = readManifestIn(dir);
  if (!read.ok) return read;
  const manifest = read.manifest;
  if (key !== undefined && manifest.key !== key) return { ok: false, missing: false, reason: `manifest key ${manifest.key} is not ${key}` };
  if (manifest.status !== 'ok') return { ok: false, missing: false, reason: `the run's status is ${manifest.status}` };
  for (const [file, expected] of Object.entries(manifest.files)) {
    let actual: string;
    try {
      actual = await fingerprints.hash(join(dir, file), 'bytes');
    } catch {
      return { ok: false, missing: false, reason: `result file ${file} is missing` };
    }
    if (actual !== expected) return { ok: false, missing: false, reason: `result file ${file} does not match its recorded sha256 (modified or corrupted)` };
  }
  for (const [name, blob] of Object.entries(manifest.blobs ?? {})) {
    const path = join(dir, BLOBS_DIR, name);
    if (!existsSync(path)) continue; // left out of git: the JSON results stand without it
    if ((await fingerprints.hash(path, 'bytes')) !== blob.sha256) {
      return { ok: false, missing: false, reason: `blob ${name} does not match its recorded sha256 (modified or corrupted)` };
    }
  }
  return { ok: true, manifest };
}

export interface StoredArtifact {
  dir: string;
  manifest: Manifest;
}

/**
 * Successful artifacts of an experiment, newest first (by manifest startedAt). Folders whose manifest
 * is corrupt or edited are reported through `onSkip` and left out.
 */
export function listArtifacts(root: string, experimentId: string, onSkip: (dir: string, reason: string) => void = () => {}): StoredArtifact[] {
  const store = experimentStore(root, experimentId);
  if (!existsSync(store)) return [];
  const found: StoredArtifact[] = [];
  for (const entry of readdirSync(store, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const dir = join(store, entry.name);
    const read = readManifestIn(dir);
    if (read.ok && read.manifest.status === 'ok') found.push({ dir, manifest: read.manifest });
    else if (!read.ok) onSkip(dir, read.reason);
  }
  return found.sort((a, b) => (a.manifest.startedAt < b.manifest.startedAt ? 1 : a.manifest.startedAt > b.manifest.startedAt ? -1 : 0));
}

/**
 * The newest artifact that still verifies, preferring one of `profile` and, for a grid, of `cell`
 * ("the newest artifact" for explain and frozen renders). Corrupted ones are skipped via `onSkip`.
 */
export async function newestArtifact(
  root: string,
  experimentId: string,
  profile: Profile,
  fingerprints: FingerprintCache,
  onSkip: (dir: string, reason: string) => void = () => {},
  accept: (manifest: Manifest) => boolean = () => true,
  listed: StoredArtifact[] = listArtifacts(root, experimentId, onSkip),
): Promise<StoredArtifact | null> {
  const all = listed.filter((a) => accept(a.manifest));
  const ordered = [...all.filter((a) => a.manifest.components.profile === profile), ...all.filter((a) => a.manifest.components.profile !== profile)];
  for (const artifact of ordered) {
    const verified = await verifyArtifact(artifact.dir, fingerprints);
    if (verified.ok) return artifact;
    onSkip(artifact.dir, verified.reason);
  }
  return null;
}

/** The failure record of a key's last run, or null (an unreadable one counts as none: the key reruns). */
export function readFailure(root: string, experimentId: string, key: string): Manifest | null {
  const read = readManifestFile(failurePaths(root, experimentId, key).json, `failed-${key.slice(0, KEY_PREFIX)}.json`);
  return read.ok && read.manifest.status === 'failed' ? read.manifest : null;
}

export function recordFailure(root: string, manifest: Manifest, log: string): void {
  const paths = failurePaths(root, manifest.experimentId, manifest.key);
  writeFileAtomic(paths.log, log);
  writeFileAtomic(paths.json, prettyJson(sealManifest(manifest)));
}

export function clearFailure(root: string, experimentId: string, key: string): void {
  const paths = failurePaths(root, experimentId, key);
  rmSync(paths.json, { force: true });
  rmSync(paths.log, { force: true });
}

/** A fresh temp folder for a run of `key`, named after its key, host and process so orphans can be recognised. */
export function createTempDir(root: string, experimentId: string, key: string): string {
  const dir = join(experimentStore(root, experimentId), `.tmp-${key.slice(0, KEY_PREFIX)}-${thisHost()}-${process.pid}-${randomId()}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Move a finished run into place. When `replace` is set (a forced rerun of a key that exists), the old
 * folder is moved aside first and deleted after; otherwise an existing folder (a concurrent build
 * finished the same key first) wins and ours is discarded. Returns whether ours was installed.
 */
export function commitArtifact(tempDir: string, finalDir: string, replace: boolean): boolean {
  let aside: string | null = null;
  if (replace && existsSync(finalDir)) {
    aside = join(finalDir, '..', `.trash-${thisHost()}-${process.pid}-${randomId()}`);
    try {
      renameSync(finalDir, aside);
    } catch (error) {
      // A concurrent replace moved it first: install ours in the empty place as usual.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      aside = null;
    }
  }
  try {
    renameSync(tempDir, finalDir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') {
      if (aside) renameSync(aside, finalDir); // put the old artifact back rather than lose it
      throw error;
    }
    // Lost the race: a concurrent build installed this key between our checks and our rename.
    rmSync(tempDir, { recursive: true, force: true });
    if (aside) rmSync(aside, { recursive: true, force: true });
    return false;
  }
  if (aside) rmSync(aside, { recursive: true, force: true });
  return true;
}

const TEMP = /^\.tmp-([0-9a-f]+)-(.+)-(\d+)-[0-9a-f]+$/;
const TRASH = /^\.trash-(.+)-(\d+)-[0-9a-f]+$/;
const LEASE = /^\.lock-[0-9a-f]+$/;
/**
 * Files that live for a moment only: a lease moved aside while it is broken (lock.ts) and a file being
 * written atomically (files/fsx.ts writeFileAtomic, e.g. a failure record). One older than STALE_MS was
 * left by a process killed at that moment.
 */
const MOMENTARY = [/^\.lock-[0-9a-f]+\.stale-\d+-[0-9a-f]+$/, /^\..+\.\d+\.[0-9a-f]+\.tmp$/];

function olderThan(path: string, ms: number, now: number): boolean {
  try {
    return now - statSync(path).mtimeMs > ms;
  } catch {
    return false;
  }
}

/** Whether a folder left by host/pid may go: its owner is dead here, or (elsewhere) long silent. */
function ownerGone(host: string, pid: number, path: string, leaseFile: string | null, now: number): boolean {
  if (host === thisHost()) return !processAlive(pid);
  if (leaseFile !== null && leaseHeld(leaseFile)) return false;
  return olderThan(path, STALE_MS, now);
}

/**
 * Remove temp and trash folders, key leases, and momentary files left by builds that died. A temp folder
 * whose key's lease is live (its run goes on, maybe on another node) is never removed, nor anything whose
 * name is not one of these (artifacts, failure records, files of other tools). Returns what was removed.
 */
export function removeOrphans(root: string, now = Date.now()): string[] {
  const artifacts = projectPaths(root).artifacts;
  if (!existsSync(artifacts)) return [];
  const removed: string[] = [];
  for (const experiment of readdirSync(artifacts, { withFileTypes: true })) {
    if (!experiment.isDirectory()) continue;
    const store = join(artifacts, experiment.name);
    // Leases first: a temp folder whose lease this pass breaks as stale is then judged without it.
    const names = readdirSync(store);
    for (const entry of [...names.filter((n) => LEASE.test(n)), ...names.filter((n) => !LEASE.test(n))]) {
      const path = join(store, entry);
      const temp = TEMP.exec(entry);
      const trash = TRASH.exec(entry);
      let gone = false;
      if (temp) {
        const lease = join(store, `.lock-${temp[1]}`);
        gone = ownerGone(temp[2]!, Number(temp[3]), path, lease, now);
      } else if (trash) gone = ownerGone(trash[1]!, Number(trash[2]), path, null, now);
      else if (LEASE.test(entry)) {
        breakIfStale(path);
        if (!existsSync(path)) removed.push(path);
      } else if (MOMENTARY.some((pattern) => pattern.test(entry))) gone = olderThan(path, STALE_MS, now);
      if (gone) {
        rmSync(path, { recursive: true, force: true });
        removed.push(path);
      }
    }
  }
  return removed;
}
