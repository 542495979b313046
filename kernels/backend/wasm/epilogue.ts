/**
 * The bias and activation that the fused kernels (_FusedMatMul, FusedConv2D) apply to a product, on its
 * output in place: out[r, j] = act(out[r, j] + bias[j]). The activations are tfjs-core's fused ones
 * (backend_util.applyActivation) except prelu, whose weights broadcast in ways this does not cover:
 * `epilogueSupported` says when the caller must fall back to the backend's own kernel.
 */
import type * as tf from '../../tf.ts';

export interface Epilogue {
  /** Per output column (n floats), or one value for all, or none. */
  bias: Float32Array | null;
  activation: tf.fused.Activation | undefined;
  leakyreluAlpha?: number;
}

const ACTIVATIONS = new Set(['linear', 'relu', 'relu6', 'elu', 'leakyrelu', 'sigmoid']);

/** Whether the epilogue covers `activation` with a bias of shape `biasShape` for `n` output columns. */
export function epilogueSupported(activation: string | undefined, biasShape: number[] | null, n: number): boolean {
  const size = biasShape == null ? 0 : biasShape.reduce((p, d) => p * d, 1);
  const perColumn = biasShape == null || size === 1 || (size === n && biasShape.at(-1) === n);
  return (activation == null || ACTIVATIONS.has(activation)) && perColumn;
}

/** out (rows, n) in place. */
export function applyEpilogue(out: Float32Array, n: number, { bias, activation, leakyreluAlpha = 0.2 }: Epilogue): void {
  if (bias != null) {
    if (bias.length === 1) {
      const b = bias[0]!;
      for (let i = 0; i < out.length; i++) out[i]! += b;
    } else for (let i = 0; i < out.length; i += n) for (let j = 0; j < n; j++) out[i + j]! += bias[j]!;
  }
  const f: ((v: number) => number) | null =
    activation === 'relu' ? (v) => (v < 0 ? 0 : v)
    : activation === 'relu6' ? (v) => (v < 0 ? 0 : v > 6 ? 6 : v)
    : activation === 'elu' ? (v) => (v < 0 ? Math.exp(v) - 1 : v)
    : activation === 'leakyrelu' ? (v) => (v < 0 ? leakyreluAlpha * v : v)
    : activation === 'sigmoid' ? (v) => 1 / (1 + Math.exp(-v))
    : null;
  if (f != null) for (let i = 0; i < out.length; i++) out[i] = f(out[i]!);
}
