/**
 * Deterministic train/valid/test assignment of a parallel pair by a hash of its cleaned source.
 *
 * bucket(source) = the first 4 bytes of sha256(UTF-8 source) as a big-endian uint32, modulo 10,000;
 * buckets [0, valid) go to valid, [valid, valid + test) to test, the rest to train, with `valid` and
 * `test` given in basis points (default 200 each: 2% of the pairs). Hashing the source, never a
 * shuffle of lines, keeps every copy of a sentence (the same message in several catalogs, the same
 * English sentence in every language of the six-way set) in one split, and keeps a pair's split when
 * other pairs are added or removed.
 */
import { createHash } from 'node:crypto';

export type SplitName = 'train' | 'valid' | 'test';
export const SPLITS: readonly SplitName[] = ['train', 'valid', 'test'];

export interface SplitFractions {
  /** Basis points (1/10,000) of pairs in valid. */
  validBp: number;
  /** Basis points of pairs in test. */
  testBp: number;
}

export const DEFAULT_FRACTIONS: SplitFractions = { validBp: 200, testBp: 200 };

export function sourceBucket(source: string): number {
  return createHash('sha256').update(source, 'utf8').digest().readUInt32BE(0) % 10_000;
}

export function splitOf(source: string, f: SplitFractions = DEFAULT_FRACTIONS): SplitName {
  if (f.validBp < 0 || f.testBp < 0 || f.validBp + f.testBp > 10_000) {
    throw new Error(`split fractions out of range: valid ${f.validBp} + test ${f.testBp} basis points`);
  }
  const b = sourceBucket(source);
  if (b < f.validBp) return 'valid';
  if (b < f.validBp + f.testBp) return 'test';
  return 'train';
}

/** Partition items by the split of their source, keeping their order within each split. */
export function splitBySource<T>(items: readonly T[], source: (t: T) => string, f: SplitFractions = DEFAULT_FRACTIONS): Record<SplitName, T[]> {
  const out: Record<SplitName, T[]> = { train: [], valid: [], test: [] };
  for (const it of items) out[splitOf(source(it), f)].push(it);
  return out;
}
