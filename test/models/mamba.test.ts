import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../kernels/tf.ts';
import { disposeState, MambaLM, mambaConfig, type MambaOverrides } from '../../experiments/models/mamba.ts';
import { tailLoss } from '../../experiments/models/language-model.ts';
import { Rng } from '../../experiments/models/rng.ts';
import { inverseSoftplus } from '../../experiments/models/init.ts';
import { maxAbsDiff, tokenGrid, useCpu } from './helpers.ts';

const tiny = (extra: Partial<MambaOverrides> = {}) =>
  mambaConfig({ vocabSize: 13, dModel: 16, nLayer: 2, dState: 4, ...extra });

/** Logits of `tokens` fed one at a time through the recurrent mode. (b, l, v) */
function decodeAll(model: MambaLM, tokens: tf.Tensor2D): tf.Tensor3D {
  const [b, l] = tokens.shape;
  let state = model.initialState(b);
  const steps: tf.Tensor2D[] = [];
  for (let t = 0; t < l; t++) {
    const column = tf.tidy(() => tf.reshape(tf.slice(tokens, [0, t], [b, 1]), [b]) as tf.Tensor1D);
    const out = model.step(column, state);
    column.dispose();
    disposeState(state);
    state = out.state;
    steps.push(out.logits);
  }
  disposeState(state);
  const all = tf.stack(steps, 1) as tf.Tensor3D;
  tf.dispose(steps);
  return all;
}

describe('MambaLM', () => {
  beforeAll(useCpu);
  afterAll(() => tf.disposeVariables());

  it('maps (b, l) tokens to (b, l, v) logits, and one token per sequence to (b, v)', () => {
    const model = new MambaLM(tiny(), 0);
    const tokens = tokenGrid(3, 7, 13);
    const logits = model.forward(tokens);
    expect(logits.shape).toEqual([3, 7, 13]);
    const state = model.initialState(3);
    expect(state.conv[0].shape).toEqual([3, 4, 32]);
    expect(state.ssm[1].shape).toEqual([3, 32, 4]);
    const first = tf.tensor1d([1, 2, 3], 'int32');
    const out = model.step(first, state);
    expect(out.logits.shape).toEqual([3, 13]);
    tf.dispose([tokens, logits, first, out.logits]);
    disposeState(state);
    disposeState(out.state);
    model.dispose();
  });

  for (const ssm of ['selective', 'lti'] as const) {
    it(`recurrent decoding equals the parallel scan (${ssm})`, () => {
      const model = new MambaLM(tiny({ ssm }), 3);
      const tokens = tokenGrid(2, 9, 13, 1);
      const parallel = model.forward(tokens);
      const recurrent = decodeAll(model, tokens);
      const scale = tf.tidy(() => tf.max(tf.abs(parallel)).dataSync()[0]);
      expect(scale).toBeGreaterThan(1e-3); // the comparison is not between zeros
      expect(maxAbsDiff(parallel, recurrent)).toBeLessThan(1e-5 * Math.max(1, scale) + 1e-6);
      tf.dispose([tokens, parallel, recurrent]);
      model.dispose();
    });

    it(`every parameter receives a non-zero gradient (${ssm})`, () => {
      const model = new MambaLM(tiny({ ssm }), 4);
      const tokens = tokenGrid(2, 8, 13, 2);
      const targets = tokenGrid(2, 8, 13, 5);
      const { value, grads } = tf.variableGrads(() => tailLoss(model.forward(tokens), targets), model.params.list());
      const names = model.params.names();
      const vars = model.params.list();
      for (let i = 0; i < names.length; i++) {
        const g = grads[vars[i].name];
        expect(g, names[i]).toBeDefined();
        const norm = tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0]);
        expect(norm, names[i]).toBeGreaterThan(0);
        expect(Number.isFinite(norm), names[i]).toBe(true);
      }
      tf.dispose([tokens, targets, value, grads]);
      model.dispose();
    });
  }

  it('initialises as the reference: A_log = log(1..n), D = 1, dt in [1e-3, 0.1], out_proj / sqrt(n_layer)', () => {
    const model = new MambaLM(tiny({ nLayer: 4 }), 5);
    const aLog = model.params.get('layers.0.mixer.A_log').arraySync() as number[][];
    expect(aLog[7]).toEqual([0, 1, 2, 3].map((i) => Math.fround(Math.log(i + 1))));
    expect(new Set(model.params.get('layers.1.mixer.D').dataSync())).toEqual(new Set([1]));
    const bias = model.params.get('layers.2.mixer.dt_proj.bias').dataSync();
    for (const v of bias) {
      expect(v).toBeGreaterThanOrEqual(inverseSoftplus(1e-3) - 1e-4);
      expect(v).toBeLessThanOrEqual(inverseSoftplus(0.1) + 1e-4);
    }
    const bound = 1 / Math.sqrt(32) / Math.sqrt(4); // kaiming bound of fan_in e = 32, then / sqrt(4 layers)
    const out = model.params.get('layers.3.mixer.out_proj.weight').dataSync();
    expect(Math.max(...out.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...out.map(Math.abs))).toBeGreaterThan(0.8 * bound);
    const dtW = model.params.get('layers.0.mixer.dt_proj.weight').dataSync(); // r = 1: bound 1
    expect(Math.max(...dtW.map(Math.abs))).toBeLessThanOrEqual(1);
    model.dispose();
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const tokens = tokenGrid(2, 6, 13);
    const logitsFor = (seed: number) => {
      const model = new MambaLM(tiny({ dropout: { p: 0.3 } }), seed);
      const logits = model.forward(tokens, { training: true, rng: new Rng(seed) });
      const values = Array.from(logits.dataSync());
      logits.dispose();
      model.dispose();
      return values;
    };
    expect(logitsFor(7)).toEqual(logitsFor(7));
    expect(logitsFor(7)).not.toEqual(logitsFor(8));
    tokens.dispose();
  });

  it('leaks no tensors in forward, step and a gradient step', () => {
    const model = new MambaLM(tiny(), 6);
    const tokens = tokenGrid(2, 5, 13);
    const before = tf.memory().numTensors;
    tf.dispose(model.forward(tokens));
    const state = model.initialState(2);
    const col = tf.tensor1d([1, 2], 'int32');
    const out = model.step(col, state);
    tf.dispose([col, out.logits]);
    disposeState(state);
    disposeState(out.state);
    const { value, grads } = tf.variableGrads(() => tailLoss(model.forward(tokens), tokens), model.params.list());
    tf.dispose([value, grads]);
    expect(tf.memory().numTensors).toBe(before);
    tokens.dispose();
    model.dispose();
  });
});

describe('the dropout variant', () => {
  beforeAll(useCpu);

  it('with p = 0 equals the plain model exactly, in training and evaluation', () => {
    const tokens = tokenGrid(2, 8, 13, 4);
    const plain = new MambaLM(tiny(), 9);
    const variant = new MambaLM(tiny({ dropout: { p: 0, mixerOutput: true, ssmInput: true } }), 9);
    const a = plain.forward(tokens, { training: true, rng: new Rng(1) });
    const b = variant.forward(tokens, { training: true, rng: new Rng(2) });
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([tokens, a, b]);
    plain.dispose();
    variant.dispose();
  });

  it('with p > 0 changes training outputs, at each placement alone, and is off in evaluation', () => {
    const tokens = tokenGrid(2, 8, 13, 4);
    const plain = new MambaLM(tiny(), 9);
    const reference = plain.forward(tokens);
    for (const placement of [
      { mixerOutput: true, ssmInput: false },
      { mixerOutput: false, ssmInput: true },
    ]) {
      const variant = new MambaLM(tiny({ dropout: { p: 0.5, ...placement } }), 9);
      const trained = variant.forward(tokens, { training: true, rng: new Rng(3) });
      const evaluated = variant.forward(tokens);
      expect(maxAbsDiff(trained, reference), JSON.stringify(placement)).toBeGreaterThan(1e-4);
      expect(Array.from(evaluated.dataSync())).toEqual(Array.from(reference.dataSync()));
      tf.dispose([trained, evaluated]);
      variant.dispose();
    }
    tf.dispose([tokens, reference]);
    plain.dispose();
  });
});
