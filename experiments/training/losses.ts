/**
 * Label-smoothed cross-entropy, as torch.nn.functional.cross_entropy(label_smoothing = eps): the
 * target distribution is (1 - eps) one-hot + eps / classes, so the loss per row is
 * (1 - eps) (-log p_target) + eps mean_k(-log p_k). eps 0 is the plain cross-entropy
 * (experiments/models/layers.ts crossEntropy). Optional per-row weights (1 keep, 0 drop: padding
 * tokens of a translation batch) give sum(w loss) / sum(w).
 */
import * as tf from '../../kernels/tf.ts';

export function labelSmoothedCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D, smoothing = 0, weights?: tf.Tensor1D): tf.Scalar {
  if (!(smoothing >= 0 && smoothing < 1)) throw new Error(`labelSmoothedCrossEntropy: smoothing must be in [0, 1), got ${smoothing}`);
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits); // (n, k)
    const nll = tf.neg(tf.sum(tf.mul(logp, tf.oneHot(targets, logits.shape[1])), -1)); // (n)
    const perRow = smoothing === 0 ? nll : tf.add(tf.mul(nll, 1 - smoothing), tf.mul(tf.neg(tf.mean(logp, -1)), smoothing)); // (n)
    if (!weights) return tf.mean(perRow) as tf.Scalar;
    return tf.div(tf.sum(tf.mul(perRow, weights)), tf.maximum(tf.sum(weights), 1e-12)) as tf.Scalar;
  });
}
