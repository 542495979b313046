import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../kernels/tf.ts';
import { setupBackend } from '../../kernels/backend/index.ts';
import { batchNorm, type BatchNormVars } from '../../experiments/models/image-layers.ts';
import { Rng } from '../../experiments/models/rng.ts';

/** nn.BatchNorm2d's training forward written plainly, differentiated by autodiff: the reference. */
function plainBatchNorm(x: tf.Tensor4D, weight: tf.Tensor1D, bias: tf.Tensor1D, eps = 1e-5): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [0, 1, 2]); // (c) each
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), weight), bias) as tf.Tensor4D;
}

function vars(c: number, rng: Rng): BatchNormVars {
  return {
    weight: tf.variable(tf.tensor1d(Array.from({ length: c }, () => 0.5 + rng.uniform()))),
    bias: tf.variable(tf.tensor1d(Array.from({ length: c }, () => rng.uniform() - 0.5))),
    runningMean: tf.variable(tf.zeros([c]), false),
    runningVar: tf.variable(tf.ones([c]), false),
  };
}

describe('batchNorm (training) with its closed-form gradient', () => {
  beforeAll(async () => {
    await setupBackend('wasm');
  });
  afterAll(() => tf.disposeVariables());

  it('matches autodiff of the plain formula in value and in the gradients of x, weight and bias', () => {
    const rng = new Rng(7);
    const [b, h, w, c] = [3, 4, 5, 6];
    const x = tf.tensor4d(Float32Array.from({ length: b * h * w * c }, () => 3 * rng.uniform() - 1), [b, h, w, c]); // (b, h, w, c)
    // A loss that weighs every output differently, so no gradient term cancels by symmetry.
    const weights = tf.tensor4d(Float32Array.from({ length: b * h * w * c }, () => rng.uniform() - 0.5), [b, h, w, c]);
    const v = vars(c, rng);
    const loss = (f: (x: tf.Tensor4D, g: tf.Tensor1D, be: tf.Tensor1D) => tf.Tensor4D) => (xs: tf.Tensor, g: tf.Tensor, be: tf.Tensor) =>
      tf.sum(tf.mul(f(xs as tf.Tensor4D, g as tf.Tensor1D, be as tf.Tensor1D), weights));
    const ours = tf.grads(loss((xs, g, be) => batchNorm(xs, { ...v, weight: g as tf.Variable, bias: be as tf.Variable }, { training: true })));
    const plain = tf.grads(loss((xs, g, be) => plainBatchNorm(xs, g, be)));
    const got = ours([x, v.weight, v.bias]);
    const want = plain([x, v.weight, v.bias]);
    got.forEach((g, i) => {
      const [a, e] = [g.dataSync(), want[i].dataSync()];
      expect(a.length).toBe(e.length);
      for (let k = 0; k < a.length; k++) expect(Math.abs(a[k] - e[k])).toBeLessThan(2e-5 * (1 + Math.abs(e[k])));
    });
    const y = batchNorm(x, v, { training: true }).dataSync();
    const yRef = plainBatchNorm(x, v.weight as tf.Tensor1D, v.bias as tf.Tensor1D).dataSync();
    for (let k = 0; k < y.length; k++) expect(Math.abs(y[k] - yRef[k])).toBeLessThan(1e-5);
  });

  it('moves the running statistics towards the batch (momentum 0.1, unbiased variance) and evaluates with them', () => {
    const v = vars(1, new Rng(1));
    const x = tf.tensor4d([1, 2, 3, 6], [4, 1, 1, 1]); // mean 3, biased var 3.5, unbiased 14/3
    batchNorm(x, v, { training: true });
    expect(v.runningMean.dataSync()[0]).toBeCloseTo(0.3, 6);
    expect(v.runningVar.dataSync()[0]).toBeCloseTo(0.9 + 0.1 * (14 / 3), 6);
    const g = v.weight.dataSync()[0];
    const be = v.bias.dataSync()[0];
    const out = batchNorm(tf.tensor4d([2], [1, 1, 1, 1]), v, { training: false }).dataSync()[0];
    const rv = 0.9 + 0.1 * (14 / 3);
    expect(out).toBeCloseTo(((2 - 0.3) / Math.sqrt(rv + 1e-5)) * g + be, 5);
  });
});
