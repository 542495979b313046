/**
 * Parameter counts from the configuration alone (closed forms, checked against the built models
 * in the tests), and a helper that picks the width giving a target count, to compare models at
 * the same parameter budget.
 */
import { mambaDims, type MambaConfig } from './mamba.ts';
import type { TransformerConfig } from './transformer.ts';

/**
 * One Mamba mixer: in_proj d*2e, conv1d k*e + e, out_proj e*d, A_log e*n, D e, plus
 * - selective (S6): x_proj e*(r + 2n), dt_proj r*e + e;
 * - time-invariant: dt bias e, B and C e*n each.
 */
export function mambaMixerParams(c: MambaConfig): number {
  const { d, e, n, r, k } = mambaDims(c);
  const shared = 2 * d * e + (k * e + e) + e * d + e * n + e;
  const ssm = c.ssm === 'selective' ? e * (r + 2 * n) + (r * e + e) : e + 2 * e * n;
  return shared + ssm;
}

/** Embedding v*d (tied head: no extra weights), per layer one RMSNorm d + a mixer, final norm d. */
export function mambaParams(c: MambaConfig): number {
  return c.vocabSize * c.dModel + c.nLayer * (c.dModel + mambaMixerParams(c)) + c.dModel;
}

/** Embeddings (v + maxLen)*d; per layer two norms 2d, attention 4d^2, MLP 2*d*f; final norm d. */
export function transformerParams(c: TransformerConfig): number {
  const d = c.dModel;
  const f = c.mlpRatio * d;
  return (c.vocabSize + c.maxLen) * d + c.nLayer * (2 * d + 4 * d * d + 2 * d * f) + d;
}

/**
 * The candidate width whose model's parameter count is closest to `target` (ties: the smaller).
 * `count` maps a width to the parameter count of the model built with it.
 */
export function fitWidth(target: number, candidates: readonly number[], count: (width: number) => number): number {
  if (candidates.length === 0) throw new Error('fitWidth needs at least one candidate width');
  let best = candidates[0];
  for (const w of candidates) {
    if (Math.abs(count(w) - target) < Math.abs(count(best) - target)) best = w;
  }
  return best;
}

/** start, start + step, ..., up to end inclusive: the widths `fitWidth` usually searches. */
export function widths(start: number, end: number, step: number): number[] {
  const out: number[] = [];
  for (let w = start; w <= end; w += step) out.push(w);
  return out;
}
