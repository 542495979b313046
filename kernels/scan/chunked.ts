/**
 * The selective scan as a composite of tfjs ops, for backends that take no custom kernels (the tensorflow
 * backend of tfjs-node). The sequence is cut into chunks of `chunk` steps; inside a chunk the recurrence
 * h_t = a_t h_{t-1} + b_t is solved by a Hillis-Steele parallel scan over the associative pairs
 * (a, b) o (a', b') = (a a', a' b + b') (reference/mamba-medmamba.md section 8), in log2(chunk) rounds of
 * whole-tensor ops; chunks are chained sequentially through the carried state. Differentiated by tfjs.
 * It materialises (b, d, chunk, n) tensors per chunk, so b*d*l*n values in all for the backward pass:
 * the price of not having a kernel.
 */
import * as tf from '../tf.ts';
import { asGrouped, effectiveDelta, skipAndGate } from './reference.ts';
import { scanDims, type ProjectionLayout } from './shapes.ts';
import type { SelectiveScanInputs, SelectiveScanResult } from './types.ts';

/** Steps per chunk: log2(128) = 7 scan rounds per chunk keeps the op count near l / 128 * 50. */
export const DEFAULT_CHUNK = 128;

/** A projection's values for steps [t0, t0 + T), broadcastable against (b, d, T, n). */
function projectionChunk(x: tf.Tensor, layout: ProjectionLayout, t0: number, T: number, dims: { b: number; d: number; n: number }): tf.Tensor {
  const { b, d, n } = dims;
  if (layout.kind === 'shared') return tf.reshape(x, [1, d, 1, n]);
  const g = layout.groups;
  const part = tf.slice(asGrouped(x), [0, 0, 0, t0], [b, g, n, T]); // (b, g, n, T)
  return tf.reshape(tf.transpose(part, [0, 1, 3, 2]), [b, g, 1, T, n]); // broadcasts over the d/g channels of a group
}

/** x (b, d, T, n) times a projection chunk, in (b, d, T, n). */
function timesProjection(x: tf.Tensor, p: tf.Tensor, layout: ProjectionLayout, dims: { b: number; d: number; n: number }): tf.Tensor {
  const { b, d, n } = dims;
  if (layout.kind === 'shared') return tf.mul(x, p);
  const g = layout.groups;
  const T = x.shape[2]!;
  return tf.reshape(tf.mul(tf.reshape(x, [b, g, d / g, T, x.shape[3]!]), p), [b, d, T, n]);
}

/** Inclusive scan of h_t = a_t h_{t-1} + b_t along axis 2 from h = 0: returns (prod a, h), both (b, d, T, n). */
function hillisSteele(a: tf.Tensor, b: tf.Tensor): [tf.Tensor, tf.Tensor] {
  const [B, D, T, N] = a.shape as [number, number, number, number];
  for (let s = 1; s < T; s *= 2) {
    const shift = (x: tf.Tensor, fill: number) => tf.pad(tf.slice(x, [0, 0, 0, 0], [B, D, T - s, N]), [[0, 0], [0, 0], [s, 0], [0, 0]], fill);
    b = tf.add(tf.mul(a, shift(b, 0)), b);
    a = tf.mul(a, shift(a, 1));
  }
  return [a, b];
}

/** selective_scan_ref semantics from tfjs ops only. */
export function selectiveScanChunked(inputs: SelectiveScanInputs, chunk = DEFAULT_CHUNK): SelectiveScanResult {
  const dims = scanDims(inputs);
  const { b, d, l, n, layoutB, layoutC } = dims;
  return tf.tidy(() => {
    const delta = effectiveDelta(inputs); // (b, d, l)
    const dtu = tf.mul(delta, inputs.u); // (b, d, l)
    const A = tf.reshape(inputs.A, [1, d, 1, n]);
    let h: tf.Tensor = tf.zeros([b, d, 1, n]);
    const ys: tf.Tensor[] = [];
    for (let t0 = 0; t0 < l; t0 += chunk) {
      const T = Math.min(chunk, l - t0);
      const step = (x: tf.Tensor) => tf.reshape(tf.slice(x, [0, 0, t0], [b, d, T]), [b, d, T, 1]);
      const decay = tf.exp(tf.mul(step(delta), A)); // (b, d, T, n)
      const input = timesProjection(step(dtu), projectionChunk(inputs.B, layoutB, t0, T, dims), layoutB, dims); // (b, d, T, n)
      const [decayProduct, local] = hillisSteele(decay, input);
      const states = tf.add(local, tf.mul(decayProduct, h)); // (b, d, T, n)
      ys.push(tf.sum(timesProjection(states, projectionChunk(inputs.C, layoutC, t0, T, dims), layoutC, dims), -1)); // (b, d, T)
      h = tf.slice(states, [0, 0, T - 1, 0], [b, d, 1, n]);
    }
    const y = skipAndGate(ys.length === 1 ? ys[0]! : tf.concat(ys, 2), inputs); // (b, d, l)
    return inputs.returnLastState ? { y, lastState: tf.reshape(h, [b, d, n]) } : { y };
  });
}
