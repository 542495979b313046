/**
 * Training and evaluation of one language model on the selective copying task: fresh batches every
 * step from a seeded stream (the task has unlimited data, as in the Mamba paper), evaluation on one
 * fixed held-out set, loss and accuracy on the copied positions only.
 */
import * as tf from '../../kernels/tf.ts';
import { sampleCopyingBatch, type CopyingBatch, type SelectiveCopyingTask } from '../data/selective-copying.ts';
import { EVAL, tailLoss, type LanguageModel } from '../models/language-model.ts';
import { Rng } from '../models/rng.ts';
import { linearDecay, train } from '../training/index.ts';
import type { Checkpoint, Progress } from '../../engine/contract.ts';

export interface CopyingRunOptions {
  task: SelectiveCopyingTask;
  steps: number;
  batch: number;
  /** Peak learning rate, decayed linearly to a tenth over the run. */
  learningRate: number;
  clipNorm: number;
  /** Evaluate at step 0, every `evalEvery` steps, and at the last step. */
  evalEvery: number;
  /** Seeds the training batches; the same seed gives every model the same data stream. */
  dataSeed: number;
  /** Where the run saves and resumes (the cell's checkpoint). */
  checkpoint?: Checkpoint;
  /** Where the run reports its step and training loss. */
  progress?: Progress;
  /** Aborts between steps. */
  signal?: AbortSignal;
}

export interface EvalPoint {
  step: number;
  loss: number;
  accuracy: number;
}

/** The held-out set, as tensors; built once and shared by every model of a run. */
export interface EvalSet {
  inputs: tf.Tensor2D[]; // chunks of (chunk, L + 2M)
  targets: tf.Tensor2D[]; // chunks of (chunk, M)
}

export function toTensors(batch: CopyingBatch, numTokens: number): { inputs: tf.Tensor2D; targets: tf.Tensor2D } {
  return {
    inputs: tf.tensor2d(batch.inputs, [batch.batch, batch.seqLen], 'int32'),
    targets: tf.tensor2d(batch.targets, [batch.batch, numTokens], 'int32'),
  };
}

export function makeEvalSet(task: SelectiveCopyingTask, size: number, chunk: number, seed: number): EvalSet {
  const rng = new Rng(seed);
  const set: EvalSet = { inputs: [], targets: [] };
  for (let done = 0; done < size; done += chunk) {
    const t = toTensors(sampleCopyingBatch(task, Math.min(chunk, size - done), rng), task.numTokens);
    set.inputs.push(t.inputs);
    set.targets.push(t.targets);
  }
  return set;
}

export function disposeEvalSet(set: EvalSet): void {
  tf.dispose([...set.inputs, ...set.targets]);
}

/**
 * Loss and accuracy over the copied tokens of the whole held-out set (dropout off). The sums stay on
 * the backend and are read once, asynchronously, at the end: one round trip per evaluation, and no
 * synchronous read, which a GPU backend cannot serve without stalling.
 */
export async function evaluate(model: LanguageModel, set: EvalSet): Promise<{ loss: number; accuracy: number }> {
  let count = 0;
  const sums = tf.tidy(() => {
    const losses: tf.Scalar[] = [];
    const hits: tf.Scalar[] = [];
    set.inputs.forEach((inputs, i) => {
      const targets = set.targets[i]; // (chunk, M)
      const logits = model.forward(inputs, EVAL); // (chunk, L + 2M, V)
      const [b, l, v] = logits.shape;
      const m = targets.shape[1];
      losses.push(tf.mul(tailLoss(logits, targets), targets.size));
      const predicted = tf.argMax(tf.slice(logits, [0, l - m, 0], [b, m, v]), -1); // (chunk, M)
      hits.push(tf.sum(tf.cast(tf.equal(predicted, targets), 'float32')));
      count += targets.size;
    });
    return tf.stack([tf.addN(losses), tf.addN(hits)]); // (2)
  });
  try {
    const [loss, correct] = await sums.data();
    return { loss: loss! / count, accuracy: correct! / count };
  } finally {
    sums.dispose();
  }
}

/**
 * Trains `model` in place through the project's training loop (experiments/training) and returns the
 * evaluation curve. The loop's "epoch" is one evaluation interval: `evalEvery` steps (the last one may
 * be shorter), whose batches are drawn from a stream seeded by (dataSeed, interval), so every model of
 * a seed sees the same data, and a checkpointed run resumes at the step it stopped. Loss values are
 * read asynchronously, a few steps at a time, so the run never stalls a GPU queue.
 */
export async function trainOnCopying(model: LanguageModel, evalSet: EvalSet, o: CopyingRunOptions): Promise<EvalPoint[]> {
  const intervals = Math.ceil(o.steps / o.evalEvery);
  const stepsBefore = (interval: number) => Math.min(o.steps, (interval - 1) * o.evalEvery);
  const curve: EvalPoint[] = [{ step: 0, ...(await evaluate(model, evalSet)) }];
  const result = await train<CopyingBatch>({
    model,
    epochs: intervals,
    batches: (interval) => {
      const data = new Rng(Math.imul(o.dataSeed, 0x2c1b3c6d) + interval);
      const count = stepsBefore(interval + 1) - stepsBefore(interval);
      return Array.from({ length: count }, () => sampleCopyingBatch(o.task, o.batch, data));
    },
    loss: (batch, rng) => {
      const { inputs, targets } = toTensors(batch, o.task.numTokens); // (b, L + 2M), (b, M)
      return tailLoss(model.forward(inputs, { training: true, rng }), targets);
    },
    evaluate: () => evaluate(model, evalSet),
    // Linear decay to a tenth: steadier final accuracy than a constant rate at the same peak.
    schedule: linearDecay(o.learningRate, o.steps, 0.1),
    clipNorm: o.clipNorm,
    seed: o.dataSeed ^ 0x5bd1e995,
    checkpoint: o.checkpoint,
    progress: o.progress,
    signal: o.signal,
  });
  for (const { epoch, metrics } of result.history) curve.push({ step: stepsBefore(epoch + 1), loss: metrics.loss!, accuracy: metrics.accuracy! });
  return curve;
}
