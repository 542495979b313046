/**
 * Weight initialisers of the reference Mamba (state-spaces/mamba, mamba_simple.py and
 * mixer_seq_simple.py `_init_weights`) and PyTorch's layer defaults, written over a seeded Rng so
 * that a seed fixes every weight. Each returns a Float32Array in row-major order of `shape`.
 */
import type { Rng } from './rng.ts';

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** U(-bound, bound). */
export function uniform(shape: readonly number[], bound: number, rng: Rng): Float32Array {
  const out = new Float32Array(size(shape));
  for (let i = 0; i < out.length; i++) out[i] = (2 * rng.uniform() - 1) * bound;
  return out;
}

/** N(0, std^2); the reference embedding init uses std 0.02. */
export function normal(shape: readonly number[], std: number, rng: Rng): Float32Array {
  const out = new Float32Array(size(shape));
  for (let i = 0; i < out.length; i++) out[i] = rng.normal() * std;
  return out;
}

export function constant(shape: readonly number[], value: number): Float32Array {
  return new Float32Array(size(shape)).fill(value);
}

/**
 * PyTorch's default for nn.Linear / nn.Conv1d weights, kaiming_uniform(a = sqrt 5), which reduces to
 * U(+-1/sqrt(fan_in)); also the default bias bound of those layers.
 */
export function kaimingUniform(shape: readonly number[], fanIn: number, rng: Rng): Float32Array {
  return uniform(shape, 1 / Math.sqrt(fanIn), rng);
}

/** S4D-Real initialisation of A_log: row d is log(1), log(2), ..., log(n) for every channel; shape (d, n). */
export function s4dRealALog(channels: number, dState: number): Float32Array {
  const out = new Float32Array(channels * dState);
  for (let d = 0; d < channels; d++) for (let n = 0; n < dState; n++) out[d * dState + n] = Math.log(n + 1);
  return out;
}

/** log(exp(x) - 1) computed as x + log(-expm1(-x)), the inverse of softplus used for the dt bias. */
export function inverseSoftplus(x: number): number {
  return x + Math.log(-Math.expm1(-x));
}

/**
 * The dt_proj bias of mamba_simple.py: dt = exp(U * (ln dtMax - ln dtMin) + ln dtMin), floored at
 * `floor`, stored as softplus^-1(dt) so that softplus(bias) starts at dt, log-uniform in [dtMin, dtMax].
 */
export function dtBias(
  channels: number,
  rng: Rng,
  { dtMin, dtMax, floor }: { dtMin: number; dtMax: number; floor: number },
): Float32Array {
  const out = new Float32Array(channels);
  const lo = Math.log(dtMin);
  const hi = Math.log(dtMax);
  for (let d = 0; d < channels; d++) {
    const dt = Math.max(Math.exp(rng.uniform() * (hi - lo) + lo), floor);
    out[d] = inverseSoftplus(dt);
  }
  return out;
}
