import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../kernels/tf.ts';
import { setupBackend } from '../../kernels/backend/index.ts';
import { fitResnetWidth, ResNet, resnetParams } from '../../experiments/models/resnet.ts';
import { medmambaConfig, medmambaParams } from '../../experiments/models/medmamba.ts';
import { crossEntropy } from '../../experiments/models/layers.ts';
import { Rng } from '../../experiments/models/rng.ts';

describe('ResNet baseline', () => {
  beforeAll(async () => {
    await setupBackend('wasm');
  });
  afterAll(() => tf.disposeVariables());

  it('the built model has the closed-form count; a hand count for width 4, one block a stage', () => {
    const config = { inChans: 1, numClasses: 10, width: 4, blocks: [1, 1, 1, 1] as const };
    const model = new ResNet(config, 0);
    expect(model.params.count()).toBe(resnetParams(config));
    // stem 9*1*4 + 8; layer1 (4->4) 144 + 144 + 16; layer2 (4->8, s2) 288 + 576 + 32 + 32 + 16;
    // layer3 (8->16) 1152 + 2304 + 64 + 128 + 32; layer4 (16->32) 4608 + 9216 + 128 + 512 + 64; fc 320 + 10
    expect(resnetParams(config)).toBe(44 + 304 + 944 + 3680 + 14528 + 330);
    model.dispose();
    const deeper = { inChans: 3, numClasses: 100, width: 16, blocks: [2, 2, 2, 2] as const };
    const m2 = new ResNet(deeper, 0);
    expect(m2.params.count()).toBe(resnetParams(deeper));
    m2.dispose();
  });

  it('ResNet-18 at width 64 on CIFAR-10 has 11.17M weights (the usual CIFAR ResNet-18 figure)', () => {
    expect(resnetParams({ inChans: 3, numClasses: 10, width: 64, blocks: [2, 2, 2, 2] })).toBe(11_173_962);
  });

  it('fitResnetWidth matches the small MedMamba within 5% and beats every other width', () => {
    const target = medmambaParams(medmambaConfig({ variant: 'small', numClasses: 10, inChans: 1 }));
    const shape = { inChans: 1, numClasses: 10, blocks: [1, 1, 1, 1] as const };
    const width = fitResnetWidth(target, shape);
    const gap = (w: number) => Math.abs(resnetParams({ ...shape, width: w }) - target);
    expect(gap(width) / target).toBeLessThan(0.05);
    expect(gap(width)).toBeLessThanOrEqual(gap(width - 1));
    expect(gap(width)).toBeLessThanOrEqual(gap(width + 1));
    // And at MedMamba-T's scale with ResNet-18's depth.
    const t = medmambaParams(medmambaConfig({ variant: 'T', numClasses: 10 }));
    const w18 = fitResnetWidth(t, { inChans: 3, numClasses: 10, blocks: [2, 2, 2, 2] });
    expect(Math.abs(resnetParams({ inChans: 3, numClasses: 10, width: w18, blocks: [2, 2, 2, 2] }) - t) / t).toBeLessThan(0.02);
  });

  it('forward (b, classes) and backward on wasm: every weight gets a finite non-zero gradient, nothing leaks', () => {
    const model = new ResNet({ inChans: 1, numClasses: 10, width: 8, blocks: [1, 1, 1, 1] }, 1);
    const before = tf.memory().numTensors;
    const rng = new Rng(3);
    const x = tf.tensor4d(Float32Array.from({ length: 4 * 28 * 28 }, () => rng.uniform()), [4, 28, 28, 1]);
    const y = tf.tensor1d([1, 2, 3, 4], 'int32');
    const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward(x, { training: true }), y), model.params.list());
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    const names = model.params.names();
    model.params.list().forEach((v, i) => {
      const s = tf.tidy(() => tf.sum(tf.abs(grads[v.name]!)).dataSync()[0]!);
      expect(Number.isFinite(s) && s > 0, names[i]).toBe(true);
    });
    const logits = model.forward(x);
    expect(logits.shape).toEqual([4, 10]);
    tf.dispose([x, y, value, grads, logits]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('a stride-2 stem keeps the weight count (closed form too) and changes what the model computes', () => {
    const config = { inChans: 1, numClasses: 10, width: 4, blocks: [1, 1, 1, 1] as const };
    const a = new ResNet(config, 2);
    const b = new ResNet({ ...config, stemStride: 2 }, 2);
    expect(b.params.count()).toBe(a.params.count());
    expect(b.params.count()).toBe(resnetParams({ ...config, stemStride: 2 }));
    const x = tf.tidy(() => tf.randomUniform([2, 32, 32, 1], 0, 1, 'float32', 5) as tf.Tensor4D);
    // Same seed, same weights: only the stem's stride differs, and so do the logits (b, classes).
    const [la, lb] = [a.forward(x), b.forward(x)];
    expect(lb.shape).toEqual([2, 10]);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(la, lb))).dataSync()[0]!)).toBeGreaterThan(0);
    tf.dispose([x, la, lb]);
    a.dispose();
    b.dispose();
  });
});

describe('conv2d padding', () => {
  beforeAll(async () => {
    await setupBackend('wasm');
  });
  it('explicit symmetric padding equals zero-padding the input then a valid conv (values and gradients, strides 1 and 2)', async () => {
    const { conv2d } = await import('../../experiments/models/image-layers.ts');
    const rng = new Rng(11);
    const rand = (shape: number[]) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform() - 0.5), shape);
    const x = rand([2, 8, 8, 3]) as tf.Tensor4D;
    const w = rand([3, 3, 3, 5]) as tf.Tensor4D;
    for (const stride of [1, 2]) {
      const viaPad = (a: tf.Tensor4D, b: tf.Tensor4D) =>
        tf.sum(tf.square(tf.conv2d(tf.pad(a, [[0, 0], [1, 1], [1, 1], [0, 0]]) as tf.Tensor4D, b, stride, 'valid')));
      const ours = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.sum(tf.square(conv2d(a, b, null, stride, 1)));
      const asAny = (f: (a: tf.Tensor4D, b: tf.Tensor4D) => tf.Tensor) => (a: tf.Tensor, b: tf.Tensor) => f(a as tf.Tensor4D, b as tf.Tensor4D);
      const [g1, g2] = [tf.grads(asAny(viaPad))([x, w]), tf.grads(asAny(ours))([x, w])];
      expect(conv2d(x, w, null, stride, 1).shape).toEqual([2, 8 / stride, 8 / stride, 5]);
      expect(Math.abs(viaPad(x, w).dataSync()[0]! - ours(x, w).dataSync()[0]!)).toBeLessThan(1e-4);
      for (let i = 0; i < 2; i++) expect(tf.max(tf.abs(tf.sub(g1[i]!, g2[i]!))).dataSync()[0]).toBeLessThan(1e-4);
    }
  });
});
