/**
 * The artifact store: `artifacts/<experiment>/<first 12 hex of key>/` holds `manifest.json` and the
 * result files it lists with their sha256. A run writes into `artifacts/<experiment>/.tmp-<pid>-<id>/`,
 * which is renamed into place only after the run succeeded and its manifest was written, so an
 * interrupted run leaves at most a temp folder, which the next build removes once its owner is dead.
 * Failed runs are recorded beside, as `failed-<key12>.json` (+ `.log`), never as results.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest, Profile } from '../contract.ts';
import { prettyJson } from '../files/hash.ts';
import type { FingerprintCache } from '../files/fingerprints.ts';
import { processAlive, randomId, writeFileAtomic } from '../files/fsx.ts';
import { projectPaths } from '../commands/project.ts';
import { breakIfStale } from './lock.ts';

export const KEY_PREFIX = 12;

export function experimentStore(root: string, experimentId: string): string {
  return join(projectPaths(root).artifacts, experimentId);
}

export function artifactDir(root: string, experimentId: string, key: string): string {
  return join(experimentStore(root, experimentId), key.slice(0, KEY_PREFIX));
}

export function failurePaths(root: string, experimentId: string, key: string): { json: string; log: string } {
  const base = join(experimentStore(root, experimentId), `failed-${key.slice(0, KEY_PREFIX)}`);
  return { json: `${base}.json`, log: `${base}.log` };
}

export function readManifest(dir: string): Manifest | null {
  try {
    return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  } catch {
    return null;
  }
}

export type Verified = { ok: true; manifest: Manifest } | { ok: false; reason: string };

/**
 * Check an artifact folder: a readable manifest of a successful run (of `key`, when given) whose every
 * result file exists with its recorded sha256.
 */
export async function verifyArtifact(dir: string, fingerprints: FingerprintCache, key?: string): Promise<Verified> {
  const manifest = readManifest(dir);
  if (!manifest) return { ok: false, reason: 'manifest.json is missing or unreadable' };
  if (key !== undefined && manifest.key !== key) return { ok: false, reason: `manifest key ${manifest.key} is not ${key}` };
  if (manifest.status !== 'ok') return { ok: false, reason: `the run's status is ${manifest.status}` };
  for (const [file, expected] of Object.entries(manifest.files)) {
    let actual: string;
    try {
      actual = await fingerprints.hash(join(dir, file), 'bytes');
    } catch {
      return { ok: false, reason: `result file ${file} is missing` };
    }
    if (actual !== expected) return { ok: false, reason: `result file ${file} does not match its recorded sha256 (modified or corrupted)` };
  }
  return { ok: true, manifest };
}

export interface StoredArtifact {
  dir: string;
  manifest: Manifest;
}

/** Successful artifacts of an experiment, newest first (by manifest startedAt). */
export function listArtifacts(root: string, experimentId: string): StoredArtifact[] {
  const store = experimentStore(root, experimentId);
  if (!existsSync(store)) return [];
  const found: StoredArtifact[] = [];
  for (const entry of readdirSync(store, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const manifest = readManifest(join(store, entry.name));
    if (manifest && manifest.status === 'ok') found.push({ dir: join(store, entry.name), manifest });
  }
  return found.sort((a, b) => (a.manifest.startedAt < b.manifest.startedAt ? 1 : a.manifest.startedAt > b.manifest.startedAt ? -1 : 0));
}

/**
 * The newest artifact that still verifies, preferring one of `profile` ("the newest artifact of an
 * experiment" for explain and frozen renders). Corrupted ones are skipped and reported through `onSkip`.
 */
export async function newestArtifact(
  root: string,
  experimentId: string,
  profile: Profile,
  fingerprints: FingerprintCache,
  onSkip: (dir: string, reason: string) => void = () => {},
): Promise<StoredArtifact | null> {
  const all = listArtifacts(root, experimentId);
  const ordered = [...all.filter((a) => a.manifest.components.profile === profile), ...all.filter((a) => a.manifest.components.profile !== profile)];
  for (const artifact of ordered) {
    const verified = await verifyArtifact(artifact.dir, fingerprints);
    if (verified.ok) return artifact;
    onSkip(artifact.dir, verified.reason);
  }
  return null;
}

export function readFailure(root: string, experimentId: string, key: string): Manifest | null {
  try {
    return JSON.parse(readFileSync(failurePaths(root, experimentId, key).json, 'utf8')) as Manifest;
  } catch {
    return null;
  }
}

export function recordFailure(root: string, manifest: Manifest, log: string): void {
  const paths = failurePaths(root, manifest.experimentId, manifest.key);
  writeFileAtomic(paths.log, log);
  writeFileAtomic(paths.json, prettyJson(manifest));
}

export function clearFailure(root: string, experimentId: string, key: string): void {
  const paths = failurePaths(root, experimentId, key);
  rmSync(paths.json, { force: true });
  rmSync(paths.log, { force: true });
}

/** A fresh temp folder for a run, named after this process so orphans can be recognised. */
export function createTempDir(root: string, experimentId: string): string {
  const dir = join(experimentStore(root, experimentId), `.tmp-${process.pid}-${randomId()}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Move a finished run into place. When `replace` is set (a forced rerun of a key that exists), the old
 * folder is moved aside first and deleted after; otherwise an existing folder (a concurrent build
 * finished the same key first) wins and ours is discarded. Returns whether ours was installed.
 */
export function commitArtifact(tempDir: string, finalDir: string, replace: boolean): boolean {
  if (replace && existsSync(finalDir)) {
    const aside = join(finalDir, '..', `.trash-${process.pid}-${randomId()}`);
    renameSync(finalDir, aside);
    renameSync(tempDir, finalDir);
    rmSync(aside, { recursive: true, force: true });
    return true;
  }
  try {
    renameSync(tempDir, finalDir);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    rmSync(tempDir, { recursive: true, force: true });
    return false;
  }
}

/**
 * Remove temp and trash folders, and key locks, left by builds that died (their pid is gone). Returns
 * what was removed.
 */
export function removeOrphans(root: string): string[] {
  const artifacts = projectPaths(root).artifacts;
  if (!existsSync(artifacts)) return [];
  const removed: string[] = [];
  for (const experiment of readdirSync(artifacts, { withFileTypes: true })) {
    if (!experiment.isDirectory()) continue;
    const store = join(artifacts, experiment.name);
    for (const entry of readdirSync(store)) {
      const match = /^\.(?:tmp|trash)-(\d+)-/.exec(entry);
      if (match && !processAlive(Number(match[1]))) {
        rmSync(join(store, entry), { recursive: true, force: true });
        removed.push(join(store, entry));
      } else if (/^\.lock-[0-9a-f]+$/.test(entry)) {
        breakIfStale(join(store, entry));
        if (!existsSync(join(store, entry))) removed.push(join(store, entry));
      }
    }
  }
  return removed;
}
