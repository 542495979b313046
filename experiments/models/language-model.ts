/**
 * What the training loop, the experiments and the counters need from a causal language model,
 * whatever its mixer (Mamba, the LTI ablation, attention).
 */
import * as tf from '../../kernels/tf.ts';
import { crossEntropy } from './layers.ts';
import type { ParamStore } from './params.ts';
import type { Rng } from './rng.ts';

/** How a forward pass runs: dropout is active only with `training` (and then needs an rng). */
export interface ForwardMode {
  training: boolean;
  rng?: Rng;
}

export const EVAL: ForwardMode = { training: false };

export interface LanguageModel {
  readonly params: ParamStore;
  /** Next-token logits (b, l, v) for tokens (b, l) int32. */
  forward(tokens: tf.Tensor2D, mode?: ForwardMode): tf.Tensor3D;
  dispose(): void;
}

/**
 * Mean cross-entropy over the last m positions of logits (b, l, v) against targets (b, m): with
 * m = l this is the language-modelling loss, with m < l the loss of a task scored on its tail
 * (the copied tokens of selective copying, a translation after its separator).
 */
export function tailLoss(logits: tf.Tensor3D, targets: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const [b, l, v] = logits.shape;
    const m = targets.shape[1];
    const tail = tf.slice(logits, [0, l - m, 0], [b, m, v]); // (b, m, v)
    return crossEntropy(tf.reshape(tail, [b * m, v]) as tf.Tensor2D, tf.reshape(targets, [b * m]) as tf.Tensor1D);
  });
}

/** Fraction of the last m positions whose arg-max prediction equals the target (b, m). */
export function tailAccuracy(logits: tf.Tensor3D, targets: tf.Tensor2D): number {
  return tf.tidy(() => {
    const [b, l, v] = logits.shape;
    const m = targets.shape[1];
    const predicted = tf.argMax(tf.slice(logits, [0, l - m, 0], [b, m, v]), -1); // (b, m)
    return tf.mean(tf.cast(tf.equal(predicted, targets), 'float32')).dataSync()[0];
  });
}
