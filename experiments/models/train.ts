/**
 * One optimisation step: loss, gradients of every trainable weight, optional clipping by global
 * norm, Adam update. Everything it allocates is freed before it returns.
 */
import * as tf from '../../kernels/tf.ts';

export interface StepOptions {
  /** Rescale the gradients when their global L2 norm exceeds this (off when absent). */
  clipNorm?: number;
}

/** Adam (Kingma & Ba 2015) with PyTorch's defaults beta = (0.9, 0.999), eps = 1e-8. */
export function adam(learningRate: number): tf.Optimizer {
  return tf.train.adam(learningRate, 0.9, 0.999, 1e-8);
}

/** Run `loss`, step `optimizer` on `vars`; returns the loss value before the update. */
export function trainStep(
  optimizer: tf.Optimizer,
  vars: tf.Variable[],
  loss: () => tf.Scalar,
  options: StepOptions = {},
): number {
  const { value, grads } = tf.variableGrads(loss, vars);
  const clipped = options.clipNorm === undefined ? grads : clipByGlobalNorm(grads, options.clipNorm);
  optimizer.applyGradients(clipped);
  const lossValue = value.dataSync()[0];
  tf.dispose([value, grads, clipped]);
  return lossValue;
}

/** g * min(1, maxNorm / ||g||) over all gradients together (torch.nn.utils.clip_grad_norm_). */
function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): tf.NamedTensorMap {
  return tf.tidy(() => {
    const names = Object.keys(grads);
    const sumSquares = tf.addN(names.map((n) => tf.sum(tf.square(grads[n]))));
    const scale = tf.minimum(1, tf.div(maxNorm, tf.add(tf.sqrt(sumSquares), 1e-6)));
    const out: tf.NamedTensorMap = {};
    for (const n of names) out[n] = tf.mul(grads[n], scale);
    return out;
  });
}
