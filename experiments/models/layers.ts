/**
 * Stateless building blocks shared by the Mamba and Transformer language models, written with
 * tfjs-core ops. Activations are channels-last, (b, l, d), so every projection is one untransposed
 * matmul over the flattened (b * l, d) rows. Weights are stored (in, out), the transpose of
 * PyTorch's nn.Linear layout, which keeps the forward product untransposed.
 */
import * as tf from '../../kernels/tf.ts';
import type { Rng } from './rng.ts';

/** x @ w over the last axis: (..., in) x (in, out) -> (..., out). */
export function linear(x: tf.Tensor, w: tf.Tensor2D): tf.Tensor {
  const [inDim, outDim] = w.shape;
  const lead = x.shape.slice(0, -1);
  const y = tf.matMul(tf.reshape(x, [-1, inDim]) as tf.Tensor2D, w); // (rows, out)
  return tf.reshape(y, [...lead, outDim]);
}

/**
 * RMSNorm (Zhang & Sennrich 2019), as mamba_ssm.ops.triton.layer_norm.RMSNorm:
 * x / sqrt(mean(x^2) + eps) * weight, over the last axis.
 */
export function rmsNorm(x: tf.Tensor, weight: tf.Tensor1D, eps: number): tf.Tensor {
  const meanSquare = tf.mean(tf.square(x), -1, true); // (..., 1)
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(meanSquare, eps))), weight);
}

/** Token embedding lookup: (b, l) int32 ids -> (b, l, d). */
export function embed(tokens: tf.Tensor, table: tf.Tensor2D): tf.Tensor {
  return tf.gather(table, tokens);
}

/** Tied LM head: (..., d) -> (..., vocab) logits with the embedding table as the output matrix. */
export function tiedHead(h: tf.Tensor, table: tf.Tensor2D): tf.Tensor {
  // An explicit transpose keeps the matmul untransposed (the fast path on the wasm backend).
  return linear(h, tf.transpose(table) as tf.Tensor2D);
}

/**
 * Causal depthwise 1-D convolution over l, as nn.Conv1d(E, E, k, groups=E, padding=k-1) followed by
 * keeping the first l outputs (mamba_simple.py): y[t, e] = bias[e] + sum_j w[j, e] * x[t - (k-1) + j, e],
 * with zeros before the start. Computed as k shifted products of the left-padded input, which equals
 * the convolution exactly and needs no convolution kernel (nor its gradients) on any backend.
 * x (b, l, E); weight (k, E), i.e. PyTorch's (E, 1, k) transposed; bias (E).
 */
export function causalDepthwiseConv1d(x: tf.Tensor3D, weight: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor3D {
  const [b, l, e] = x.shape;
  const k = weight.shape[0];
  const padded = tf.pad(x, [
    [0, 0],
    [k - 1, 0],
    [0, 0],
  ]); // (b, l + k - 1, E)
  const taps = tf.unstack(weight); // k x (E)
  let y: tf.Tensor = bias;
  for (let j = 0; j < k; j++) {
    const shifted = tf.slice(padded, [0, j, 0], [b, l, e]); // x[t - (k-1) + j]
    y = tf.add(y, tf.mul(shifted, taps[j]));
  }
  return y as tf.Tensor3D;
}

/** SiLU (swish): x * sigmoid(x). */
export function silu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(x));
}

/**
 * Inverted dropout with rate p, on only while training. Each call draws a fresh seed from `rng`,
 * so a run is reproducible from its seed while masks differ from call to call.
 * With p = 0 or outside training it is the identity (returns x itself: no op is added).
 */
export function dropout(x: tf.Tensor, p: number, mode: { training: boolean; rng?: Rng }): tf.Tensor {
  if (!mode.training || p === 0) return x;
  if (!mode.rng) throw new Error('dropout in training needs an rng');
  return tf.dropout(x, p, undefined, mode.rng.nextUint32());
}

/**
 * Mean softmax cross-entropy of logits (n, vocab) against integer targets (n); the mean is over rows.
 */
export function crossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
  const logp = tf.logSoftmax(logits); // (n, vocab)
  const picked = tf.sum(tf.mul(logp, tf.oneHot(targets, logits.shape[1])), -1); // (n)
  return tf.neg(tf.mean(picked)) as tf.Scalar;
}

/** GELU, tanh approximation (GPT-2): 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
export function gelu(x: tf.Tensor): tf.Tensor {
  const cube = tf.mul(tf.square(x), x); // x^3 without pow, which is slow on wasm
  const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, cube)));
  return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
}
