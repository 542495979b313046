/**
 * Stateless building blocks of the image classifiers (MedMamba and the ResNet baseline), written
 * with tfjs-core ops on channels-last tensors (b, h, w, c): the layout tfjs' conv2d takes natively,
 * so no layer needs a transpose to reach a convolution.
 *
 * Layer semantics follow PyTorch's modules (nn.LayerNorm, nn.BatchNorm2d, nn.Conv2d) with their
 * default constants, since the models they build are ported from PyTorch code.
 */
import * as tf from '../../kernels/tf.ts';
import type { ForwardMode } from './language-model.ts';
import type { Rng } from './rng.ts';

/** nn.LayerNorm over the last axis: (x - mean) / sqrt(var + eps) * weight + bias, biased variance. */
export function layerNorm(x: tf.Tensor, weight: tf.Tensor1D, bias: tf.Tensor1D, eps = 1e-5): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true); // (..., 1) each
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), weight), bias);
}

/** The weights and running statistics of one nn.BatchNorm2d over the channel axis of (b, h, w, c). */
export interface BatchNormVars {
  weight: tf.Variable; // (c)
  bias: tf.Variable; // (c)
  runningMean: tf.Variable; // (c), not trainable
  runningVar: tf.Variable; // (c), not trainable
}

/**
 * nn.BatchNorm2d (eps 1e-5, momentum 0.1). Training: normalise by the batch's mean and biased
 * variance over (b, h, w) and move the running statistics towards the batch's (the running variance
 * takes the unbiased estimate, as PyTorch does). Evaluation: normalise by the running statistics.
 * The running update is an assign on non-trainable variables, so gradients never flow into it.
 */
export function batchNorm(x: tf.Tensor4D, v: BatchNormVars, mode: ForwardMode, eps = 1e-5, momentum = 0.1): tf.Tensor4D {
  if (!mode.training) {
    const scale = tf.mul(tf.rsqrt(tf.add(v.runningVar, eps)), v.weight); // (c)
    return tf.add(tf.mul(tf.sub(x, v.runningMean), scale), v.bias) as tf.Tensor4D;
  }
  const [b, h, w] = x.shape;
  const count = b * h * w;
  const axes = [0, 1, 2];
  // The gradient in closed form (below) instead of autodiff through the moments: 7 ops over the
  // whole activation each way rather than about twice as many.
  const normalise = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xs, gamma, beta] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D];
    const save = args[3] as tf.GradSaveFunc;
    const mean = tf.mean(xs, axes); // (c)
    const centred = tf.sub(xs, mean); // (b, h, w, c)
    const variance = tf.mean(tf.square(centred), axes); // (c), biased
    const rstd = tf.rsqrt(tf.add(variance, eps)); // (c)
    const xhat = tf.mul(centred, rstd); // (b, h, w, c)
    tf.tidy(() => {
      const unbiased = count > 1 ? tf.mul(variance, count / (count - 1)) : variance;
      v.runningMean.assign(tf.add(tf.mul(v.runningMean, 1 - momentum), tf.mul(mean, momentum)));
      v.runningVar.assign(tf.add(tf.mul(v.runningVar, 1 - momentum), tf.mul(unbiased, momentum)));
    });
    save([xhat, rstd, gamma]);
    return {
      value: tf.add(tf.mul(xhat, gamma), beta), // (b, h, w, c)
      // With S = sum over (b, h, w): dbeta = S dy, dgamma = S (dy xhat), and
      // dx = gamma rstd (dy - dbeta / count - xhat dgamma / count).
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sxhat, srstd, sgamma] = saved;
        const dbeta = tf.sum(dy, axes); // (c)
        const dgamma = tf.sum(tf.mul(dy, sxhat), axes); // (c)
        const shifted = tf.sub(tf.sub(dy, tf.div(dbeta, count)), tf.mul(sxhat, tf.div(dgamma, count))); // (b, h, w, c)
        return [tf.mul(shifted, tf.mul(sgamma, srstd)), dgamma, dbeta];
      },
    };
  });
  return normalise(x, v.weight, v.bias) as tf.Tensor4D;
}

/**
 * nn.Conv2d(stride, padding = pad) on channels-last input: zero padding of `pad` on every side,
 * given to the convolution itself (no separate pad op, whose gradient would be a slice of the whole
 * input). Symmetric like PyTorch's, unlike TF's 'same', which pads stride-2 inputs at the end only.
 * x (b, h, w, ci); weight (kh, kw, ci, co), i.e. PyTorch's (co, ci, kh, kw) permuted; bias (co).
 */
export function conv2d(x: tf.Tensor4D, weight: tf.Tensor4D, bias: tf.Tensor1D | null, stride: number, pad: number): tf.Tensor4D {
  const padding: [[number, number], [number, number], [number, number], [number, number]] = [
    [0, 0],
    [pad, pad],
    [pad, pad],
    [0, 0],
  ];
  const y = tf.conv2d(x, weight, stride, pad === 0 ? 'valid' : padding); // (b, h', w', co)
  return bias ? (tf.add(y, bias) as tf.Tensor4D) : y;
}

/**
 * Depthwise nn.Conv2d(e, e, k, padding = (k - 1) / 2, groups = e) on channels-last input; at stride
 * 1 with an odd k, TF's 'same' padding is exactly that symmetric padding.
 * x (b, h, w, e); weight (k, k, e, 1); bias (e).
 */
export function depthwiseConv2dSame(x: tf.Tensor4D, weight: tf.Tensor4D, bias: tf.Tensor1D): tf.Tensor4D {
  if (weight.shape[0] % 2 !== 1 || weight.shape[1] !== weight.shape[0]) throw new Error(`depthwiseConv2dSame: needs a square odd kernel, got ${weight.shape}`);
  return tf.add(tf.depthwiseConv2d(x, weight, 1, 'same'), bias) as tf.Tensor4D; // (b, h, w, e)
}

/**
 * Stochastic depth (timm's DropPath, Huang et al. 2016): in training, each sample's branch is kept
 * with probability 1 - p and then scaled by 1 / (1 - p); otherwise, or with p = 0, the identity.
 * The per-sample mask is drawn from `mode.rng` in JS, so a seed gives the same mask on every backend.
 */
export function dropPath(x: tf.Tensor, p: number, mode: { training: boolean; rng?: Rng }): tf.Tensor {
  if (!mode.training || p === 0) return x;
  if (!mode.rng) throw new Error('dropPath in training needs an rng');
  const b = x.shape[0];
  const mask = new Float32Array(b);
  for (let i = 0; i < b; i++) mask[i] = mode.rng.uniform() < 1 - p ? 1 / (1 - p) : 0;
  const shape = [b, ...x.shape.slice(1).map(() => 1)];
  return tf.mul(x, tf.tensor(mask, shape));
}

/**
 * ShuffleNet's channel shuffle with 2 groups on the last axis (Zhang et al. 2018): (..., 2m) viewed
 * as (..., 2, m), transposed to (..., m, 2) and flattened, so output channel 2i is input channel i
 * and 2i + 1 is input channel m + i.
 */
export function channelShuffle2(x: tf.Tensor): tf.Tensor {
  const lead = x.shape.slice(0, -1);
  const c = x.shape[x.shape.length - 1];
  if (c % 2 !== 0) throw new Error(`channelShuffle2: channel count ${c} is odd`);
  const r = lead.length;
  const grouped = tf.reshape(x, [...lead, 2, c / 2]); // (..., 2, m)
  const perm = [...lead.map((_, i) => i), r + 1, r];
  return tf.reshape(tf.transpose(grouped, perm), x.shape); // (..., m, 2) -> (..., 2m)
}

/** Mean over the spatial axes, AdaptiveAvgPool2d(1) + flatten: (b, h, w, c) -> (b, c). */
export function globalAvgPool(x: tf.Tensor4D): tf.Tensor2D {
  return tf.mean(x, [1, 2]) as tf.Tensor2D;
}
