import { beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '../../kernels/tf.ts';
import type { CheckpointState } from '../../engine/contract.ts';
import { encodeCheckpoint, decodeCheckpoint } from '../../engine/store/checkpoint.ts';
import { epochBatches } from '../../experiments/data/splits.ts';
import { crossEntropy } from '../../experiments/models/layers.ts';
import { ResNet } from '../../experiments/models/resnet.ts';
import { Rng } from '../../experiments/models/rng.ts';
import { Adam } from '../../experiments/models/train.ts';
import { AdamW, clipByGlobalNorm, constant, labelSmoothedCrossEntropy, train, warmupInverseSqrt, type TrainSpec } from '../../experiments/training/index.ts';
import { setupBackend } from '../../kernels/backend/index.ts';

beforeAll(() => setupBackend('wasm'));

describe('AdamW', () => {
  it('weightDecay 0 is the project Adam, bit for bit', () => {
    const run = (opt: Adam) => {
      const p = tf.variable(tf.tensor1d([1, -2, 3]), true, 'p' + Math.random());
      for (let s = 1; s <= 5; s++) opt.apply([p], { [p.name]: tf.tensor1d([0.5 * s, -1, 0.25]) }, 1e-2);
      const out = Array.from(p.dataSync());
      p.dispose();
      opt.dispose();
      return out;
    };
    expect(run(new AdamW())).toEqual(run(new Adam()));
  });

  it('decays before the update, as torch.optim.AdamW (known answer)', () => {
    // p = 1, g = 0.5, lr 0.1, wd 0.1: p (1 - 0.01) = 0.99; Adam's first step moves by lr sign(g) = 0.1 -> 0.89.
    const p = tf.variable(tf.tensor1d([1]), true, 'adamw-known');
    const opt = new AdamW({ weightDecay: 0.1 });
    opt.apply([p], { [p.name]: tf.tensor1d([0.5]) }, 0.1);
    expect(p.dataSync()[0]).toBeCloseTo(0.89, 6);
    opt.dispose();
    p.dispose();
  });
});

describe('schedules, clipping, label smoothing', () => {
  it('warmup then inverse square root', () => {
    const s = warmupInverseSqrt(1e-3, 4);
    expect([1, 2, 4, 16].map(s)).toEqual([2.5e-4, 5e-4, 1e-3, 5e-4]);
    expect(constant(3)(100)).toBe(3);
    expect(() => warmupInverseSqrt(1e-3, 0)).toThrow(/warmup/);
  });

  it('clips by the global norm of all gradients', () => {
    const { grads, norm } = clipByGlobalNorm({ a: tf.tensor1d([3]), b: tf.tensor1d([4]) }, 1);
    expect(norm.dataSync()[0]).toBeCloseTo(5, 6);
    expect(grads.a!.dataSync()[0]).toBeCloseTo(0.6, 5);
    expect(grads.b!.dataSync()[0]).toBeCloseTo(0.8, 5);
    const small = clipByGlobalNorm({ a: tf.tensor1d([0.3]) }, 1);
    expect(small.grads.a!.dataSync()[0]).toBeCloseTo(0.3, 6);
  });

  it('label smoothing 0 is the cross-entropy; smoothing moves the target towards uniform (known answer)', () => {
    const logits = tf.tensor2d([[2, 0, -1], [0.5, 0.5, 3]]);
    const targets = tf.tensor1d([0, 1], 'int32');
    expect(labelSmoothedCrossEntropy(logits, targets).dataSync()[0]).toBeCloseTo(crossEntropy(logits, targets).dataSync()[0]!, 6);
    // Row 1: logits (0, 0): -log p = ln 2 for both classes, whatever the smoothing.
    expect(labelSmoothedCrossEntropy(tf.tensor2d([[0, 0]]), tf.tensor1d([1], 'int32'), 0.3).dataSync()[0]).toBeCloseTo(Math.LN2, 6);
    // Weights 0 drop a row: the mean is over the kept rows only.
    const kept = labelSmoothedCrossEntropy(logits, targets, 0.1, tf.tensor1d([1, 0]));
    const first = labelSmoothedCrossEntropy(tf.slice(logits, [0, 0], [1, 3]) as tf.Tensor2D, tf.tensor1d([0], 'int32'), 0.1);
    expect(kept.dataSync()[0]).toBeCloseTo(first.dataSync()[0]!, 6);
  });
});

// A tiny ResNet (batch norm: buffers to checkpoint) on 24 random 8x8 images of 3 classes.
const N = 24;
const images = (() => {
  const rng = new Rng(5);
  return { x: Float32Array.from({ length: N * 64 }, () => rng.uniform()), y: Int32Array.from({ length: N }, (_, i) => i % 3) };
})();
const all = Int32Array.from({ length: N }, (_, i) => i);

function spec(model: ResNet, store: { saved: CheckpointState | null }, extra: Partial<TrainSpec<Int32Array>> = {}): TrainSpec<Int32Array> {
  const batch = (idx: Int32Array) => ({
    x: tf.tensor4d(Float32Array.from({ length: idx.length * 64 }, (_, k) => images.x[idx[Math.floor(k / 64)]! * 64 + (k % 64)]!), [idx.length, 8, 8, 1]),
    y: tf.tensor1d(Int32Array.from(idx, (i) => images.y[i]!), 'int32'),
  });
  return {
    model,
    epochs: 4,
    batches: (epoch) => epochBatches(all, 5, new Rng(100 + epoch)),
    loss: (idx, rng) => {
      const { x, y } = batch(idx);
      return labelSmoothedCrossEntropy(model.forward(x, { training: true, rng }), y, 0.1);
    },
    evaluate: async () => {
      const loss = tf.tidy(() => {
        const { x, y } = batch(all);
        return crossEntropy(model.forward(x), y);
      });
      const value = (await loss.data())[0]!;
      loss.dispose();
      return { valLoss: value };
    },
    schedule: warmupInverseSqrt(1e-2, 3),
    optimizer: { weightDecay: 0.01 },
    clipNorm: 1,
    seed: 9,
    select: { metric: 'valLoss', mode: 'min' },
    readLossEvery: 2,
    checkpointEvery: 3,
    // Through the engine's checkpoint encoding, as the store writes it.
    checkpoint: {
      save: async (s) => void (store.saved = decodeCheckpoint(encodeCheckpoint(s), 'test')),
      load: async () => store.saved,
    },
    ...extra,
  };
}

const newModel = () => new ResNet({ inChans: 1, numClasses: 3, width: 2, blocks: [1, 1, 1, 1] }, 3);
const snapshot = (m: ResNet) => [...m.params.list(), ...m.buffers.list()].map((v) => Array.from(v.dataSync()));

describe('train', () => {
  it('a run killed mid-epoch and resumed ends with the weights and history of an uninterrupted run, bit for bit', async () => {
    const whole = newModel();
    const uninterrupted = await train(spec(whole, { saved: null }));
    const expected = snapshot(whole);
    whole.dispose();
    expect(uninterrupted.history).toHaveLength(4);
    expect(uninterrupted.steps).toBe(4 * 5);

    for (const killAt of [4, 7, 13]) {
      const store = { saved: null as CheckpointState | null };
      const abort = new AbortController();
      let calls = 0;
      const first = newModel();
      const base = spec(first, store);
      await expect(
        train({ ...base, signal: abort.signal, loss: (b, r) => ((calls += 1) === killAt && abort.abort(new Error('killed')), base.loss(b, r)) }),
      ).rejects.toThrow(/killed/);
      first.dispose();
      // A fresh process: a new model from its initialisation, the stored checkpoint.
      const second = newModel();
      const resumed = await train(spec(second, store));
      expect(resumed.resumedAtStep, `kill at step ${killAt}`).not.toBeNull();
      expect(resumed.history).toEqual(uninterrupted.history);
      expect(resumed.best).toEqual(uninterrupted.best);
      expect(snapshot(second)).toEqual(expected);
      second.dispose();
    }
  }, 120_000);

  it('selects on the validation metric, stops after `patience` epochs without improvement, restores the selected weights', async () => {
    // Scripted metric: best at epoch 2, not beaten at 3 or 4: patience 1 stops after epoch 4 (two epochs without).
    const script = [0.5, 0.7, 0.6, 0.65, 0.9, 0.9];
    const model = newModel();
    let atBest: number[][] = [];
    const base = spec(model, { saved: null }, { epochs: 6, checkpoint: undefined });
    const result = await train({
      ...base,
      select: { metric: 'acc', mode: 'max', patience: 1 },
      restoreBest: true,
      evaluate: async (epoch) => {
        if (epoch === 2) atBest = snapshot(model);
        return { acc: script[epoch - 1]! };
      },
    });
    expect(result.best).toEqual({ epoch: 2, value: 0.7 });
    expect(result.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4]);
    expect(result.stoppedEarly).toBe(true);
    expect(snapshot(model)).toEqual(atBest);
    model.dispose();
  }, 60_000);

  it('reads no tensor synchronously and leaks no tensor', async () => {
    const model = newModel();
    const before = tf.memory().numTensors;
    const sync = vi.spyOn(tf.Tensor.prototype, 'dataSync');
    const arraySync = vi.spyOn(tf.Tensor.prototype, 'arraySync');
    await train(spec(model, { saved: null }, { epochs: 2 }));
    expect(sync).not.toHaveBeenCalled();
    expect(arraySync).not.toHaveBeenCalled();
    sync.mockRestore();
    arraySync.mockRestore();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  }, 60_000);

  it('names a missing selection metric', async () => {
    const model = newModel();
    await expect(train({ ...spec(model, { saved: null }, { epochs: 1, checkpoint: undefined }), select: { metric: 'nope', mode: 'max' } })).rejects.toThrow(/'nope' at epoch 1/);
    model.dispose();
  });
});
