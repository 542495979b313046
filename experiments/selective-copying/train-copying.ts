/**
 * Training and evaluation of one language model on the selective copying task: fresh batches every
 * step from a seeded stream (the task has unlimited data, as in the Mamba paper), evaluation on one
 * fixed held-out set, loss and accuracy on the copied positions only.
 */
import * as tf from '../../kernels/tf.ts';
import { sampleCopyingBatch, type CopyingBatch, type SelectiveCopyingTask } from '../data/selective-copying.ts';
import { EVAL, tailLoss, type LanguageModel } from '../models/language-model.ts';
import { Rng } from '../models/rng.ts';
import { Adam, linearDecay, trainStep } from '../models/train.ts';

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
  /** Called after every training step with the 1-based step and the training loss. */
  onStep(step: number, loss: number): void;
  /** Throws to stop between steps (an aborted run). */
  checkAbort(): void;
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

/** Trains `model` in place; returns the evaluation curve. */
export async function trainOnCopying(model: LanguageModel, evalSet: EvalSet, o: CopyingRunOptions): Promise<EvalPoint[]> {
  const optimizer = new Adam();
  // Linear decay to a tenth: steadier final accuracy than a constant rate at the same peak.
  const schedule = linearDecay(o.learningRate, o.steps, 0.1);
  const vars = model.params.list();
  const data = new Rng(o.dataSeed);
  const dropoutRng = new Rng(o.dataSeed ^ 0x5bd1e995);
  const curve: EvalPoint[] = [{ step: 0, ...(await evaluate(model, evalSet)) }];
  try {
    for (let step = 1; step <= o.steps; step++) {
      o.checkAbort();
      const { inputs, targets } = toTensors(sampleCopyingBatch(o.task, o.batch, data), o.task.numTokens);
      const loss = trainStep(
        optimizer,
        vars,
        () => tailLoss(model.forward(inputs, { training: true, rng: dropoutRng }), targets),
        schedule(step),
        { clipNorm: o.clipNorm },
      );
      tf.dispose([inputs, targets]);
      o.onStep(step, loss);
      if (step % o.evalEvery === 0 || step === o.steps) curve.push({ step, ...(await evaluate(model, evalSet)) });
    }
  } finally {
    optimizer.dispose();
  }
  return curve;
}
