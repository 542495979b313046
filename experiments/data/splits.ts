/**
 * Seeded index splits and orders: a validation split carved from training data, a random
 * train/test split of a whole data set (how the original study split MHIST), and the shuffled
 * order of an epoch. Pure functions of (n, sizes, seed) over the project's Rng.
 */
import { Rng } from '../models/rng.ts';

/** A uniformly random permutation of 0 .. n - 1 (Fisher-Yates) drawn from `rng`. */
export function permutation(n: number, rng: Rng): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}

export interface IndexSplit {
  /** Sorted indices. */
  train: Int32Array;
  /** Sorted indices. */
  holdout: Int32Array;
}

function splitAt(order: Int32Array, holdoutSize: number): IndexSplit {
  const sorted = (a: Int32Array) => Int32Array.from(a).sort();
  return { holdout: sorted(order.subarray(0, holdoutSize)), train: sorted(order.subarray(holdoutSize)) };
}

/**
 * `size` of the n training indices, chosen uniformly at random by `seed`, held out for validation
 * (model selection: the epoch whose validation accuracy is best); the rest stay for training.
 */
export function validationSplit(n: number, size: number, seed: number): IndexSplit {
  if (!(Number.isInteger(size) && size > 0 && size < n)) throw new Error(`validationSplit: size ${size} must be an integer in 1..${n - 1}`);
  return splitAt(permutation(n, new Rng(seed)), size);
}

/**
 * A random split of a whole data set into train = floor(trainFraction * n) and test = the rest,
 * as `train_size = int(0.8 * len(ds)); random_split(ds, [train_size, len(ds) - train_size])` does
 * (MHIST's 3,152 images -> 2,521 / 631), but seeded. Returns { train, holdout: the test part }.
 */
export function randomSplit(n: number, trainFraction: number, seed: number): IndexSplit {
  if (!(trainFraction > 0 && trainFraction < 1)) throw new Error(`randomSplit: trainFraction ${trainFraction} must be in (0, 1)`);
  const train = Math.floor(trainFraction * n);
  return splitAt(permutation(n, new Rng(seed)), n - train);
}

/** The batches of one epoch: `indices` shuffled by `rng`, cut into runs of `batchSize` (the last may be shorter). */
export function epochBatches(indices: Int32Array, batchSize: number, rng: Rng): Int32Array[] {
  const order = permutation(indices.length, rng);
  const out: Int32Array[] = [];
  for (let s = 0; s < order.length; s += batchSize) out.push(Int32Array.from(order.subarray(s, s + batchSize), (i) => indices[i]!));
  return out;
}
