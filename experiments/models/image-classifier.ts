/**
 * What the training loop, the experiments and the benchmarks need from an image classifier, whatever
 * its architecture (MedMamba, the ResNet baseline): channels-last images in, logits out, trainable
 * weights in `params`, the state the model updates itself (batch-norm running statistics) in `buffers`.
 */
import * as tf from '../../kernels/tf.ts';
import type { BatchNormVars } from './image-layers.ts';
import { constant } from './init.ts';
import type { ForwardMode } from './language-model.ts';
import type { ParamStore } from './params.ts';

export interface ImageClassifier {
  /** Trainable weights: what the optimiser updates. */
  readonly params: ParamStore;
  /** Non-trainable state (running statistics): saved and restored with the weights, never optimised. */
  readonly buffers: ParamStore;
  /** Logits (b, classes) for images (b, h, w, c) in the model's input range. */
  forward(images: tf.Tensor4D, mode?: ForwardMode): tf.Tensor2D;
  dispose(): void;
}

/** Register an nn.BatchNorm2d(c) named `name`: weight 1 and bias 0 (trainable), running mean 0 and var 1. */
export function addBatchNorm(params: ParamStore, buffers: ParamStore, name: string, c: number): BatchNormVars {
  return {
    weight: params.add(`${name}.weight`, [c], constant([c], 1)),
    bias: params.add(`${name}.bias`, [c], constant([c], 0)),
    runningMean: buffers.add(`${name}.running_mean`, [c], constant([c], 0), false),
    runningVar: buffers.add(`${name}.running_var`, [c], constant([c], 1), false),
  };
}

/** Fraction of rows of logits (b, classes) whose arg-max equals labels (b). */
export function accuracy(logits: tf.Tensor2D, labels: tf.Tensor1D): number {
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(logits, -1), labels), 'float32')).dataSync()[0]!);
}
