/**
 * The epoch/step training loop (see index.ts for the API in one place). Model-agnostic: it sees
 * named weights (ParamStores), a loss per batch, an evaluation per epoch and the batches of an epoch.
 *
 * Why it is built this way:
 * - Resume equals an uninterrupted run, bit for bit: the data order of epoch e is a pure function
 *   of e (the caller's `batches(e)`), the random stream of step s (dropout, drop-path) is a fresh Rng
 *   seeded from (seed, s), so the only state is what the checkpoint holds: weights and buffers, the
 *   optimizer's moments and step count, the epoch and batch cursor, the running loss sum, the
 *   history and the model-selection state.
 * - Loss values are read with `await t.data()`, batched every `readLossEvery` steps, never with
 *   dataSync: on WebGPU a synchronous read stalls the queue at every step.
 */
import * as tf from '../../kernels/tf.ts';
import type { Checkpoint, CheckpointArray, Json, Logger, Progress } from '../../engine/contract.ts';
import type { ParamStore } from '../models/params.ts';
import { Rng } from '../models/rng.ts';
import { clipByGlobalNorm } from './clip.ts';
import { AdamW, type AdamWOptions, type NamedVariable } from './optimizer.ts';
import type { Schedule } from './schedules.ts';

/** What the loop trains: trainable weights, and state it saves but never optimises (BN statistics). */
export interface TrainableModel {
  readonly params: ParamStore;
  readonly buffers?: ParamStore;
}

export interface Selection {
  /** A key of what `evaluate` returns, e.g. 'valAccuracy' or 'valLoss'. */
  metric: string;
  mode: 'max' | 'min';
  /** Stop after this many epochs without a strictly better value (absent: never stop early). */
  patience?: number;
}

export interface TrainSpec<B> {
  model: TrainableModel;
  epochs: number;
  /** Epoch e's batches (1-based e), in order: must depend on e alone (derive its shuffle from e). */
  batches(epoch: number): readonly B[];
  /** The training loss of one batch (forward in training mode); `rng` is the step's own stream. */
  loss(batch: B, rng: Rng): tf.Scalar;
  /** Metrics after epoch e (evaluation mode); what `select.metric` names must be among them. */
  evaluate(epoch: number): Promise<Record<string, number>>;
  schedule: Schedule;
  optimizer?: AdamWOptions;
  /** Clip gradients to this global L2 norm (absent: no clipping). */
  clipNorm?: number;
  /** Seeds the per-step random streams. */
  seed: number;
  select?: Selection;
  /** Keep a copy of the weights of the selected epoch and put them back into the model at the end. */
  restoreBest?: boolean;
  /** Read pending loss values every this many steps (default 25). */
  readLossEvery?: number;
  /** Also checkpoint every this many steps within an epoch (always at the end of every epoch). */
  checkpointEvery?: number;
  checkpoint?: Checkpoint;
  progress?: Progress;
  log?: Logger;
  signal?: AbortSignal;
}

/** One epoch: mean training loss over its batches, the learning rate of its last step, and the evaluation's metrics. */
export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  learningRate: number;
  steps: number;
  metrics: Record<string, number>;
}

export interface TrainResult {
  history: EpochRecord[];
  /** The selected epoch and its metric value (null without `select`). */
  best: { epoch: number; value: number } | null;
  stoppedEarly: boolean;
  /** Optimisation steps taken in all. */
  steps: number;
  /** The step a checkpoint resumed from (null: a fresh start). */
  resumedAtStep: number | null;
  /** Wall seconds of each epoch run in this process (a resumed epoch counts from the resume). */
  epochSeconds: number[];
}

/** The random stream of step `step` of a run seeded `seed`: independent of everything before it. */
export function stepRng(seed: number, step: number): Rng {
  return new Rng((Math.imul(seed | 0, 0x9e3779b1) + Math.imul(step, 0x85ebca77)) | 0);
}

interface LoopMeta {
  step: number;
  epoch: number;
  batchIndex: number;
  lossSum: number;
  lossCount: number;
  history: EpochRecord[];
  best: { epoch: number; value: number } | null;
  sinceBest: number;
  stopped: boolean;
  optimizer: Json;
}

function namedWeights(model: TrainableModel): { trainable: NamedVariable[]; all: NamedVariable[] } {
  const named = (store: ParamStore | undefined, prefix: string) => (store ? store.names().map((name) => ({ name: `${prefix}${name}`, variable: store.get(name) })) : []);
  const trainable = named(model.params, '');
  return { trainable, all: [...trainable, ...named(model.buffers, 'buffer:')] };
}

async function hostCopy(weights: readonly NamedVariable[], prefix: string): Promise<Record<string, CheckpointArray>> {
  const out: Record<string, CheckpointArray> = {};
  for (const { name, variable } of weights) out[`${prefix}${name}`] = { dtype: 'float32', shape: [...variable.shape], data: (await variable.data()) as Float32Array };
  return out;
}

function assignFrom(weights: readonly NamedVariable[], arrays: Record<string, CheckpointArray>, prefix: string): void {
  for (const { name, variable } of weights) {
    const a = arrays[`${prefix}${name}`];
    if (!a) throw new Error(`training checkpoint: no array '${prefix}${name}' (a checkpoint of another model?)`);
    if (a.shape.join(',') !== variable.shape.join(',')) throw new Error(`training checkpoint: '${prefix}${name}' has shape [${a.shape}], the model [${variable.shape}]`);
    tf.tidy(() => variable.assign(tf.tensor(a.data, a.shape, 'float32')));
  }
}

const better = (mode: 'max' | 'min', value: number, best: number) => (mode === 'max' ? value > best : value < best);

export async function train<B>(spec: TrainSpec<B>): Promise<TrainResult> {
  const { model, epochs, select } = spec;
  if (!(Number.isInteger(epochs) && epochs >= 1)) throw new Error(`train: epochs must be an integer >= 1, got ${epochs}`);
  const readEvery = spec.readLossEvery ?? 25;
  const weights = namedWeights(model);
  const vars = weights.trainable.map((w) => w.variable);
  const optimizer = new AdamW(spec.optimizer);
  let bestWeights: Record<string, CheckpointArray> | null = null;

  let meta: LoopMeta = { step: 0, epoch: 1, batchIndex: 0, lossSum: 0, lossCount: 0, history: [], best: null, sinceBest: 0, stopped: false, optimizer: null };
  let resumedAtStep: number | null = null;
  const saved = await spec.checkpoint?.load();
  if (saved) {
    meta = saved.meta as unknown as LoopMeta;
    assignFrom(weights.all, saved.arrays, 'w/');
    if (meta.optimizer !== null) optimizer.restore(weights.trainable, meta.optimizer, saved.arrays);
    if (spec.restoreBest && meta.best) {
      bestWeights = {};
      for (const [k, a] of Object.entries(saved.arrays)) if (k.startsWith('best/')) bestWeights[k.slice('best/'.length)] = a;
    }
    resumedAtStep = meta.step;
    spec.log?.info(`resumed at step ${meta.step} (epoch ${meta.epoch}, batch ${meta.batchIndex})`);
  }

  // Loss tensors not read yet, in step order.
  let pending: tf.Scalar[] = [];
  let lastLoss: number | undefined;
  const flush = async () => {
    const values = await Promise.all(pending.map((t) => t.data()));
    tf.dispose(pending);
    pending = [];
    for (const v of values) {
      meta.lossSum += v[0]!;
      meta.lossCount += 1;
      lastLoss = v[0]!;
    }
  };
  const save = async () => {
    if (!spec.checkpoint) return;
    const opt = await optimizer.state(weights.trainable);
    meta.optimizer = opt.meta;
    const arrays = { ...(await hostCopy(weights.all, 'w/')), ...opt.arrays };
    if (bestWeights) for (const [k, a] of Object.entries(bestWeights)) arrays[`best/${k}`] = a;
    await spec.checkpoint.save({ meta: meta as unknown as Json, arrays });
  };

  const epochSeconds: number[] = [];
  try {
    while (!meta.stopped && meta.epoch <= epochs) {
      const started = performance.now();
      const batches = spec.batches(meta.epoch);
      if (batches.length === 0) throw new Error(`train: epoch ${meta.epoch} has no batches`);
      const total = epochs * batches.length;
      let learningRate = spec.schedule(meta.step + 1);
      for (; meta.batchIndex < batches.length; ) {
        spec.signal?.throwIfAborted();
        const step = meta.step + 1;
        learningRate = spec.schedule(step);
        const rng = stepRng(spec.seed, step);
        const batch = batches[meta.batchIndex]!;
        const { value, grads } = tf.variableGrads(() => spec.loss(batch, rng), vars);
        if (spec.clipNorm === undefined) optimizer.apply(vars, grads, learningRate);
        else {
          const clipped = clipByGlobalNorm(grads, spec.clipNorm);
          optimizer.apply(vars, clipped.grads, learningRate);
          tf.dispose([clipped.norm, clipped.grads]);
        }
        tf.dispose(grads);
        pending.push(value);
        meta.step = step;
        meta.batchIndex += 1;
        const last = meta.batchIndex === batches.length;
        if (pending.length >= readEvery || last) {
          await flush();
          spec.progress?.update({ step, total, unit: 'step', loss: lastLoss, note: `epoch ${meta.epoch}/${epochs}` });
        }
        if (!last && spec.checkpointEvery && step % spec.checkpointEvery === 0) {
          await flush();
          await save();
        }
      }
      const metrics = await spec.evaluate(meta.epoch);
      const record: EpochRecord = { epoch: meta.epoch, trainLoss: meta.lossSum / meta.lossCount, learningRate, steps: meta.lossCount, metrics };
      meta.history.push(record);
      if (select) {
        const value = metrics[select.metric];
        if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`train: evaluate() gave no finite '${select.metric}' at epoch ${meta.epoch} (got ${value})`);
        if (!meta.best || better(select.mode, value, meta.best.value)) {
          meta.best = { epoch: meta.epoch, value };
          meta.sinceBest = 0;
          if (spec.restoreBest) bestWeights = await hostCopy(weights.all, '');
        } else meta.sinceBest += 1;
        if (select.patience !== undefined && meta.sinceBest > select.patience) meta.stopped = true;
      }
      spec.log?.info(
        `epoch ${meta.epoch}/${epochs}: train loss ${record.trainLoss.toFixed(4)}` +
          Object.entries(metrics).map(([k, v]) => `, ${k} ${v.toFixed(4)}`).join('') +
          (meta.stopped ? ` (no better ${select!.metric} for ${meta.sinceBest} epochs: stopping)` : ''),
      );
      meta.epoch += 1;
      meta.batchIndex = 0;
      meta.lossSum = 0;
      meta.lossCount = 0;
      epochSeconds.push((performance.now() - started) / 1000);
      await save();
    }
  } finally {
    tf.dispose(pending);
    optimizer.dispose();
  }
  if (spec.restoreBest && bestWeights) assignFrom(weights.all, bestWeights, '');
  return { history: meta.history, best: meta.best, stoppedEarly: meta.stopped && meta.epoch <= epochs, steps: meta.step, resumedAtStep, epochSeconds };
}
