import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../kernels/tf.ts';
import { setupBackend } from '../../kernels/backend/index.ts';
import {
  describePadding,
  directionSequences,
  dropPathRates,
  MedMamba,
  medmambaConfig,
  medmambaPadding,
  medmambaParams,
  mergeDirections,
  ss2dScan,
  type DirectionWeights,
} from '../../experiments/models/medmamba.ts';
import { crossEntropy } from '../../experiments/models/layers.ts';
import { Rng } from '../../experiments/models/rng.ts';
import { maxAbsDiff } from './helpers.ts';

/** Seeded (b, h, w, c) images in [0, 1). */
function images(b: number, h: number, w: number, c: number, seed: number): tf.Tensor4D {
  const rng = new Rng(seed);
  return tf.tensor4d(Float32Array.from({ length: b * h * w * c }, () => rng.uniform()), [b, h, w, c]);
}

describe('MedMamba', () => {
  beforeAll(async () => {
    await setupBackend('wasm');
  });
  afterAll(() => tf.disposeVariables());

  it('parameter counts of T, S and B equal the reference (2 and 1000 classes)', () => {
    const expected = { T: [14_454_146, 15_221_608], S: [18_622_082, 19_389_544], B: [39_860_738, 40_883_688] } as const;
    for (const variant of ['T', 'S', 'B'] as const) {
      expect(medmambaParams(medmambaConfig({ variant, numClasses: 2 })), variant).toBe(expected[variant][0]);
      expect(medmambaParams(medmambaConfig({ variant, numClasses: 1000 })), variant).toBe(expected[variant][1]);
    }
    // The rounded figures the reference states: T 14.45M / 15.22M.
    expect((medmambaParams(medmambaConfig({ variant: 'T', numClasses: 2 })) / 1e6).toFixed(2)).toBe('14.45');
    expect((medmambaParams(medmambaConfig({ variant: 'T', numClasses: 1000 })) / 1e6).toFixed(2)).toBe('15.22');
  });

  it('the built T model has exactly the closed-form count (2 and 1000 classes), running statistics apart', () => {
    for (const numClasses of [2, 1000]) {
      const config = medmambaConfig({ variant: 'T', numClasses });
      const model = new MedMamba(config, 0);
      expect(model.params.count()).toBe(medmambaParams(config));
      // 3 BN per block of width c, each with running mean and var of c / 2: 2 * 3 * c / 2 per block.
      expect(model.buffers.count()).toBe([2, 2, 4, 2].reduce((s, d, i) => s + d * 3 * [96, 192, 384, 768][i]!, 0));
      model.dispose();
    }
  });

  it('the small variant: built count = formula, and logits (b, classes) from a padded 28x28 input', () => {
    const config = medmambaConfig({ variant: 'small', numClasses: 10, inChans: 1 });
    const model = new MedMamba(config, 1);
    expect(model.params.count()).toBe(medmambaParams(config));
    const pad = medmambaPadding(28, 28);
    expect(pad).toEqual({ top: 2, bottom: 2, left: 2, right: 2, height: 32, width: 32 });
    const x = images(3, 28, 28, 1, 1);
    const padded = tf.pad(x, [
      [0, 0],
      [pad.top, pad.bottom],
      [pad.left, pad.right],
      [0, 0],
    ]) as tf.Tensor4D;
    const logits = model.forward(padded);
    expect(logits.shape).toEqual([3, 10]);
    expect(() => model.forward(x)).toThrow(/not a multiple of 32/);
    tf.dispose([x, padded, logits]);
    model.dispose();
  });

  it('padding: other sides, and odd remainders put the extra pixel bottom/right', () => {
    expect(medmambaPadding(32, 32)).toEqual({ top: 0, bottom: 0, left: 0, right: 0, height: 32, width: 32 });
    expect(medmambaPadding(224, 30)).toEqual({ top: 0, bottom: 0, left: 1, right: 1, height: 224, width: 32 });
    expect(medmambaPadding(33, 27)).toEqual({ top: 15, bottom: 16, left: 2, right: 3, height: 64, width: 32 });
    expect(describePadding(28, 28)).toBe('28x28 inputs are zero-padded to 32x32 (2 pixels top, 2 bottom, 2 left, 2 right)');
    expect(describePadding(224, 224)).toBe('224x224 inputs are used as they are (no padding)');
  });

  it('drop-path rates are linspace(0, 0.1, sum(depths)) block by block', () => {
    const rates = dropPathRates({ depths: [2, 2, 4, 2], dropPathRate: 0.1 });
    expect(rates.map((r) => r.length)).toEqual([2, 2, 4, 2]);
    expect(rates[0]![0]).toBe(0);
    expect(rates[3]![1]).toBeCloseTo(0.1, 12);
    expect(rates[1]![0]).toBeCloseTo(0.2 / 9, 12);
  });

  for (const viaMatmul of [false, true]) {
    it(`the four scan orders are row-major, column-major and their reverses; merging inverts and sums them (${viaMatmul ? 'permutation matmul' : 'transposes and reverse'})`, () => {
      // x[b, i, j, c] = 100 i + 10 j + c on a 2 x 3 grid.
      const vals = [];
      for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let c = 0; c < 2; c++) vals.push(100 * i + 10 * j + c);
      const x = tf.tensor4d(vals, [1, 2, 3, 2]);
      const seqs = directionSequences(x, viaMatmul); // (4, 1, 6, 2)
      const channel0 = (k: number) => Array.from(tf.slice(seqs, [k, 0, 0, 0], [1, 1, 6, 1]).dataSync());
      expect(channel0(0)).toEqual([0, 10, 20, 100, 110, 120]);
      expect(channel0(1)).toEqual([0, 100, 10, 110, 20, 120]);
      expect(channel0(2)).toEqual([120, 110, 100, 20, 10, 0]);
      expect(channel0(3)).toEqual([120, 20, 110, 10, 100, 0]);
      expect(Array.from(tf.slice(seqs, [1, 0, 2, 1], [1, 1, 1, 1]).dataSync())).toEqual([11]);
      const merged = mergeDirections(seqs, 2, 3, viaMatmul);
      expect(maxAbsDiff(merged, tf.mul(x, 4))).toBe(0);
      tf.dispose([x, seqs, merged]);
    });
  }

  it('both reorderings give the same sequences, merges and gradients (batch 3, 4 x 5 grid)', () => {
    const x = images(3, 4, 5, 6, 12);
    const ys = tf.tidy(() => tf.mul(directionSequences(x, false), tf.range(1, 5).reshape([4, 1, 1, 1])) as tf.Tensor4D);
    expect(maxAbsDiff(directionSequences(x, true), directionSequences(x, false))).toBe(0);
    expect(maxAbsDiff(mergeDirections(ys, 4, 5, true), mergeDirections(ys, 4, 5, false))).toBeLessThan(1e-5);
    const loss = (via: boolean) => (t: tf.Tensor) => tf.sum(tf.square(mergeDirections(tf.mul(directionSequences(t as tf.Tensor4D, via), ys) as tf.Tensor4D, 4, 5, via)));
    const [g1, g2] = [tf.grad(loss(true))(x), tf.grad(loss(false))(x)];
    const scale = tf.tidy(() => tf.max(tf.abs(g2)).dataSync()[0]!);
    expect(scale).toBeGreaterThan(1);
    expect(maxAbsDiff(g1, g2) / scale).toBeLessThan(1e-6);
  });

  it('the four-direction single scan equals four separate scans (1e-5), on the fused and the reference scan', () => {
    const rng = new Rng(7);
    const [b, h, w, e, n, r] = [2, 4, 6, 8, 16, 1];
    const rand = (shape: number[], scale: number) =>
      tf.tensor(Float32Array.from({ length: shape.reduce((a, c) => a * c, 1) }, () => (2 * rng.uniform() - 1) * scale), shape);
    const x = rand([b, h, w, e], 1) as tf.Tensor4D;
    const wts: DirectionWeights = {
      xProj: rand([4, e, r + 2 * n], 0.5) as tf.Tensor3D,
      dtProjWeight: rand([4, r, e], 1) as tf.Tensor3D,
      dtProjBias: rand([4, e], 1) as tf.Tensor2D,
      ALog: rand([4 * e, n], 1) as tf.Tensor2D,
      D: rand([4 * e], 1) as tf.Tensor1D,
    };
    for (const impl of ['fused', 'reference'] as const) {
      const stacked = ss2dScan(x, wts, { scan: 'stacked', impl });
      const separate = ss2dScan(x, wts, { scan: 'separate', impl });
      expect(stacked.shape).toEqual([b, h, w, e]);
      const scale = tf.tidy(() => tf.max(tf.abs(separate)).dataSync()[0]!);
      expect(scale).toBeGreaterThan(0.1);
      expect(maxAbsDiff(stacked, separate)).toBeLessThan(1e-5 * Math.max(1, scale));
      tf.dispose([stacked, separate]);
    }
    // Each direction has its own weights: swapping the dt biases of directions 0 and 1 (which scan
    // the grid in different orders) changes the output. (Swapping D would not: D u is order-free.)
    const bias = tf.unstack(wts.dtProjBias);
    const swapped = { ...wts, dtProjBias: tf.stack([bias[1]!, bias[0]!, bias[2]!, bias[3]!]) as tf.Tensor2D };
    const a = ss2dScan(x, wts);
    const s = ss2dScan(x, swapped);
    expect(maxAbsDiff(a, s)).toBeGreaterThan(1e-3);
    tf.dispose([x, a, s, swapped.dtProjBias, ...bias, ...Object.values(wts)]);
  });

  it('forward and backward run on wasm at the small size: every weight gets a finite, non-zero gradient', () => {
    const config = medmambaConfig({ variant: 'small', numClasses: 10, inChans: 1 });
    const model = new MedMamba(config, 2);
    const tensorsBefore = tf.memory().numTensors;
    // 64 x 64, not 32 x 32: at 32 the last stage is one token, where A cannot matter (h_1 = B u
    // whatever A) and A_log's gradient is exactly 0.
    const x = images(4, 64, 64, 1, 3);
    const y = tf.tensor1d([0, 3, 7, 9], 'int32');
    const mode = { training: true, rng: new Rng(5) };
    const before = Array.from(model.buffers.get('layers.0.blocks.0.conv33conv33conv11.0.running_mean').dataSync());
    const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward(x, mode), y), model.params.list());
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    const names = model.params.names();
    const vars = model.params.list();
    for (let i = 0; i < names.length; i++) {
      const g = grads[vars[i]!.name];
      expect(g, names[i]).toBeDefined();
      const norm = tf.tidy(() => tf.sum(tf.abs(g!)).dataSync()[0]!);
      expect(Number.isFinite(norm), names[i]).toBe(true);
      expect(norm, names[i]).toBeGreaterThan(0);
    }
    // Training mode moved the batch-norm running statistics; evaluation mode is deterministic.
    const after = Array.from(model.buffers.get('layers.0.blocks.0.conv33conv33conv11.0.running_mean').dataSync());
    expect(after).not.toEqual(before);
    const e1 = model.forward(x);
    const e2 = model.forward(x);
    expect(maxAbsDiff(e1, e2)).toBe(0);
    tf.dispose([x, y, value, grads, e1, e2]);
    expect(tf.memory().numTensors).toBe(tensorsBefore); // forward and backward free what they allocate
    model.dispose();
  });

  it('the same seed gives the same weights; drop-path is seeded', () => {
    const config = medmambaConfig({ variant: 'small', numClasses: 10, inChans: 1, dropPathRate: 0.5 });
    const [m1, m2] = [new MedMamba(config, 9), new MedMamba(config, 9)];
    for (const name of m1.params.names()) expect(maxAbsDiff(m1.params.get(name), m2.params.get(name)), name).toBe(0);
    const x = images(8, 32, 32, 1, 4);
    const a = m1.forward(x, { training: true, rng: new Rng(1) });
    const b = m2.forward(x, { training: true, rng: new Rng(1) });
    const c = m2.forward(x, { training: true, rng: new Rng(2) });
    expect(maxAbsDiff(a, b)).toBe(0);
    expect(maxAbsDiff(a, c)).toBeGreaterThan(0);
    tf.dispose([x, a, b, c]);
    m1.dispose();
    m2.dispose();
  });
});
