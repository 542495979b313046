/**
 * Content fingerprints of files, remembered across builds by (size, mtime, ctime, inode) in
 * `.cache/fingerprints.json`, so a build where nothing changed hashes nothing.
 *
 * Two kinds of fingerprint:
 * - `bytes`: sha256 of the file's bytes (data sets, result files, report sources);
 * - `source`: sha256 of the file's normalised source (see normalise.ts), so comment and whitespace edits
 *   of TypeScript do not change a cache key.
 *
 * A fingerprint is only remembered when the file's mtime is older than the racy window: a file written
 * within the same clock tick as its hashing could change again without changing its stat, so such files
 * are rehashed next time (git's "racy clean" rule).
 */
import { existsSync, readFileSync, statSync, type Stats } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { sha256 } from './hash.ts';
import { normaliseSource } from './normalise.ts';
import { writeFileAtomic } from './fsx.ts';

export type FingerprintKind = 'bytes' | 'source';

interface Entry {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  hash: string;
}

const FORMAT = 1;
const RACY_WINDOW_MS = 2000;

export class FingerprintCache {
  private entries: Record<string, Entry>;
  private dirty = false;

  private constructor(
    private readonly file: string | null,
    entries: Record<string, Entry>,
  ) {
    this.entries = entries;
  }

  /** Load the cache kept at `file`; a missing or unreadable cache starts empty. `null` keeps it in memory. */
  static load(file: string | null): FingerprintCache {
    if (file === null) return new FingerprintCache(null, {});
    try {
      const stored = JSON.parse(readFileSync(file, 'utf8')) as { format: number; entries: Record<string, Entry> };
      if (stored.format === FORMAT) return new FingerprintCache(file, stored.entries);
    } catch {
      // first build, or a cache written by another format: start over
    }
    return new FingerprintCache(file, {});
  }

  /** sha256 fingerprint of an absolute path; throws ENOENT when the file is missing. */
  async hash(path: string, kind: FingerprintKind): Promise<string> {
    const stats = statSync(path);
    const id = `${kind}:${path}`;
    const known = this.entries[id];
    if (known && sameStat(known, stats)) return known.hash;
    const bytes = await readFile(path);
    const hash = kind === 'source' ? sha256(await normaliseSource(path, bytes)) : sha256(bytes);
    if (Date.now() - stats.mtimeMs > RACY_WINDOW_MS) {
      this.entries[id] = { size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs, ino: stats.ino, hash };
      this.dirty = true;
    } else if (known) {
      delete this.entries[id];
      this.dirty = true;
    }
    return hash;
  }

  /**
   * Persist new fingerprints (atomically; concurrent builds each write a complete file, the last one
   * wins), dropping entries of files that no longer exist. A build that hashed nothing writes nothing.
   */
  save(): void {
    if (!this.dirty || this.file === null) return;
    for (const id of Object.keys(this.entries)) {
      if (!existsSync(id.slice(id.indexOf(':') + 1))) delete this.entries[id];
    }
    writeFileAtomic(this.file, JSON.stringify({ format: FORMAT, entries: this.entries }));
    this.dirty = false;
  }
}

function sameStat(entry: Entry, stats: Stats): boolean {
  return (
    entry.size === stats.size && entry.mtimeMs === stats.mtimeMs && entry.ctimeMs === stats.ctimeMs && entry.ino === stats.ino
  );
}
