/**
 * Bootstrap confidence intervals of a corpus metric and the paired bootstrap test between two systems,
 * following sacreBLEU 2.x (`--confidence` and `--paired-bs`, significance.py), which follows Koehn
 * (2004) and Moses' bootstrap-hypothesis-difference-significance.pl.
 *
 * Resampling: the per-segment sufficient statistics of the metric (bleu.ts) are computed once; each of
 * `samples` resamples draws n segment indices with replacement and scores the sum of their statistics.
 * The indices come from the project's seeded generator (experiments/models/rng.ts); sacreBLEU draws them
 * from numpy's PCG64 seeded with 12345, so the resamples differ from sacreBLEU's draw for draw while
 * the procedure and its statistics are the same.
 *
 * Interval (sacreBLEU's estimate_ci): sort the resampled scores s_(0) <= ... <= s_(m-1); with
 * j = floor(m (1 - level) / 2) (m // 40 at the default 95%), low = s_(j), high = s_(m-1-j),
 * ci = (high - low) / 2, and `mean` is the mean of the resampled scores. `score` is the score of the
 * full corpus.
 *
 * Paired test (sacreBLEU's _paired_bs_test): the same index draws score both the system and the
 * baseline; d_b = |sys_b - base_b| per resample; the observed statistic is |sys - base| on the full
 * corpus; centre the d_b at their mean (the null hypothesis of no difference), count c = #{b :
 * d_b - mean(d) > |sys - base|}, and p = (c + 1) / (m + 1). Two systems that never differ get
 * p = 1 / (m + 1), as in sacreBLEU.
 */
import { Rng } from '../models/rng.ts';
import { checkBootstrapOptions } from './stats.ts';
import { sumStats, type CorpusMetric } from './bleu.ts';

export interface BootstrapScore {
  /** The metric on the whole corpus. */
  score: number;
  /** Mean of the resampled scores. */
  mean: number;
  low: number;
  high: number;
  /** Half the width of [low, high], sacreBLEU's "± ci". */
  ci: number;
  samples: number;
  seed: number;
  signature: string;
}

export interface PairedResult {
  system: BootstrapScore;
  baseline: BootstrapScore;
  /** system.score - baseline.score on the whole corpus. */
  difference: number;
  pValue: number;
}

/** `samples` x n segment indices drawn with replacement, row by row. */
function drawIndices(n: number, samples: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  const idx = new Int32Array(samples * n); // (samples, n)
  for (let i = 0; i < idx.length; i++) idx[i] = rng.int(n);
  return idx;
}

function resampledScores(metric: CorpusMetric, stats: readonly number[][], idx: Int32Array, samples: number): number[] {
  const n = stats.length;
  const width = stats[0].length;
  const scores = new Array<number>(samples);
  const sum = new Array<number>(width);
  for (let b = 0; b < samples; b++) {
    sum.fill(0);
    for (let j = 0; j < n; j++) {
      const row = stats[idx[b * n + j]];
      for (let w = 0; w < width; w++) sum[w] += row[w];
    }
    scores[b] = metric.scoreOfStats(sum);
  }
  return scores;
}

function summarise(
  scores: number[], full: number, level: number, samples: number, seed: number, signature: string,
): BootstrapScore {
  const sorted = [...scores].sort((a, b) => a - b);
  const j = Math.floor((samples * (1 - level)) / 2 + 1e-9);
  const low = sorted[j];
  const high = sorted[samples - 1 - j];
  let mean = 0;
  for (const s of scores) mean += s;
  mean /= samples;
  return { score: full, mean, low, high, ci: 0.5 * (high - low), samples, seed, signature };
}

export interface CorpusBootstrapOptions {
  samples?: number;
  level?: number;
  seed?: number;
  /**
   * The resampled segment indices, (samples, n) row-major, instead of drawing them from `seed`: for
   * replaying another tool's draws (the tests replay sacreBLEU's numpy draws to compare p-values).
   */
  indices?: Int32Array;
}

function indicesFor(n: number, samples: number, seed: number, given?: Int32Array): Int32Array {
  if (!given) return drawIndices(n, samples, seed);
  if (given.length !== samples * n) throw new Error(`bootstrap: ${given.length} indices given, expected samples x segments = ${samples} x ${n}`);
  for (const i of given) if (i < 0 || i >= n) throw new Error(`bootstrap: index ${i} outside 0..${n - 1}`);
  return given;
}

/** Bootstrap interval of a corpus metric over resampled segments (see the module comment). */
export function bootstrapCorpusScore(
  metric: CorpusMetric,
  hypotheses: readonly string[],
  references: readonly (readonly string[])[],
  opts: CorpusBootstrapOptions = {},
): BootstrapScore {
  const { samples, level, seed } = checkBootstrapOptions(opts);
  const stats = metric.segmentStats(hypotheses, references);
  const full = metric.scoreOfStats(sumStats(stats));
  const idx = indicesFor(stats.length, samples, seed, opts.indices);
  return summarise(resampledScores(metric, stats, idx, samples), full, level, samples, seed, metric.signature(references.length));
}

/** sacreBLEU's paired bootstrap resampling test of `system` against `baseline` on the same references. */
export function pairedBootstrap(
  metric: CorpusMetric,
  system: readonly string[],
  baseline: readonly string[],
  references: readonly (readonly string[])[],
  opts: CorpusBootstrapOptions = {},
): PairedResult {
  const { samples, level, seed } = checkBootstrapOptions(opts);
  if (system.length !== baseline.length) {
    throw new Error(`paired bootstrap: the system has ${system.length} hypotheses, the baseline ${baseline.length}`);
  }
  const sysStats = metric.segmentStats(system, references);
  const blStats = metric.segmentStats(baseline, references);
  const sysFull = metric.scoreOfStats(sumStats(sysStats));
  const blFull = metric.scoreOfStats(sumStats(blStats));
  const idx = indicesFor(sysStats.length, samples, seed, opts.indices);
  const sysScores = resampledScores(metric, sysStats, idx, samples);
  const blScores = resampledScores(metric, blStats, idx, samples);
  const diffs = sysScores.map((s, b) => Math.abs(s - blScores[b]));
  let meanDiff = 0;
  for (const d of diffs) meanDiff += d;
  meanDiff /= samples;
  const observed = Math.abs(blFull - sysFull);
  let c = 0;
  for (const d of diffs) if (d - meanDiff > observed) c++;
  const signature = metric.signature(references.length);
  return {
    system: summarise(sysScores, sysFull, level, samples, seed, signature),
    baseline: summarise(blScores, blFull, level, samples, seed, signature),
    difference: sysFull - blFull,
    pValue: (c + 1) / (samples + 1),
  };
}
