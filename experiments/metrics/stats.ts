/**
 * Summary statistics for aggregating a metric over seeds (or over resampled test segments): the mean,
 * the sample standard deviation, and a seeded percentile-bootstrap interval of the mean.
 *
 * Bootstrap (Efron's percentile method): draw `samples` resamples of the n values with replacement
 * (indices from the project's seeded mulberry32 generator, experiments/models/rng.ts, so a seed gives the
 * same interval on every machine), take each resample's mean, and report the (1 - level)/2 and
 * (1 + level)/2 quantiles of those means. Quantiles interpolate linearly between order statistics
 * (`quantile` below: position q (m - 1) in the sorted list, numpy's default "linear" method), so the
 * interval does not jump with the parity of `samples`. `mean` is the mean of the values themselves, not
 * of the resampled means.
 */
import { Rng } from '../models/rng.ts';

function requireValues(xs: readonly number[], what: string): void {
  if (xs.length === 0) throw new Error(`${what}: needs at least one value, got an empty list`);
  xs.forEach((x, i) => {
    if (!Number.isFinite(x)) throw new Error(`${what}: value ${i} is ${x}, not a finite number`);
  });
}

/** Arithmetic mean. */
export function mean(xs: readonly number[]): number {
  requireValues(xs, 'mean');
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation (divisor n - 1); 0 for a single value, so one seed shows no spread. */
export function sampleStd(xs: readonly number[]): number {
  requireValues(xs, 'sampleStd');
  if (xs.length === 1) return 0;
  const m = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) * (x - m);
  return Math.sqrt(ss / (xs.length - 1));
}

/** The q-quantile of `sorted` (ascending) by linear interpolation at position q (m - 1). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('quantile: empty list');
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile: q must be in [0, 1], got ${q}`);
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export interface BootstrapOptions {
  /** Number of resamples (default 1000). */
  samples?: number;
  /** Coverage of the interval (default 0.95). */
  level?: number;
  /** Seed of the resampling (default 0). */
  seed?: number;
}

export interface Interval {
  mean: number;
  low: number;
  high: number;
}

export function checkBootstrapOptions(opts: BootstrapOptions): { samples: number; level: number; seed: number } {
  const samples = opts.samples ?? 1000;
  const level = opts.level ?? 0.95;
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(samples) || samples < 1) throw new Error(`bootstrap: samples must be a positive integer, got ${samples}`);
  if (!(level > 0 && level < 1)) throw new Error(`bootstrap: level must be in (0, 1), got ${level}`);
  if (!Number.isInteger(seed)) throw new Error(`bootstrap: seed must be an integer, got ${seed}`);
  return { samples, level, seed };
}

/** The interval [low, high] of the sorted statistics at coverage `level`. */
export function percentileInterval(stats: number[], level: number): { low: number; high: number } {
  const sorted = [...stats].sort((a, b) => a - b);
  return { low: quantile(sorted, (1 - level) / 2), high: quantile(sorted, (1 + level) / 2) };
}

/** Percentile-bootstrap interval of the mean of `values` (see the module comment). */
export function bootstrapInterval(values: readonly number[], opts: BootstrapOptions = {}): Interval {
  requireValues(values, 'bootstrapInterval');
  const { samples, level, seed } = checkBootstrapOptions(opts);
  const rng = new Rng(seed);
  const n = values.length;
  const means = new Array<number>(samples);
  for (let s = 0; s < samples; s++) {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += values[rng.int(n)];
    means[s] = sum / n;
  }
  return { mean: mean(values), ...percentileInterval(means, level) };
}
