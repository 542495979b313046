/**
 * Gradient clipping by global norm, torch.nn.utils.clip_grad_norm_: every gradient times
 * min(1, maxNorm / (||g|| + 1e-6)), ||g|| the L2 norm of all gradients together. Returns the
 * clipped gradients and the norm before clipping as a tensor (read it asynchronously, if at all).
 */
import * as tf from '../../kernels/tf.ts';

export function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): { grads: tf.NamedTensorMap; norm: tf.Scalar } {
  if (!(maxNorm > 0)) throw new Error(`clipByGlobalNorm: maxNorm must be positive, got ${maxNorm}`);
  return tf.tidy(() => {
    const names = Object.keys(grads);
    const norm = tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n]!))))) as tf.Scalar;
    const scale = tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6)));
    const out: tf.NamedTensorMap = {};
    for (const n of names) out[n] = tf.mul(grads[n]!, scale);
    return { grads: out, norm };
  });
}
