/**
 * Training on the wasm backend gives what the cpu backend gives: tfjs-layers models with conv,
 * max-pooling, depthwise-conv, separable-conv, embedding, conv1d and dense layers, same initial weights and data, a few Adam steps; the
 * losses and final weights agree within 1e-4 (relative to each tensor's scale).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromHost, randomHost, relativeError, runOn, type HostTensor } from '../../kernels/backend/compare.ts';
import { setupBackend } from '../../kernels/backend/index.ts';
import * as tf from '../../kernels/tf.ts';

const TOL = 1e-4;
const STEPS = 3;

beforeAll(async () => {
  await setupBackend('cpu');
  await setupBackend('wasm');
});

interface Trained {
  losses: number[];
  weights: HostTensor[];
}

interface Task {
  build(): tfl.LayersModel;
  /** Seeded inputs and one-hot targets (made once the backends are set up). */
  data(): { x: HostTensor; y: HostTensor };
}

/** Seeded labels, one-hot: (batch, classes). */
function oneHot(batch: number, classes: number, seed: number): HostTensor {
  return runOn('cpu', () => tf.cast(tf.oneHot(tf.randomUniformInt([batch], 0, classes, seed), classes), 'float32'))[0];
}

/** Seeded initial weights for a model built by `build` (drawn once, shared by both backends). */
function initialWeights(build: () => tfl.LayersModel): HostTensor[] {
  const shapes = runOn('cpu', () => {
    const model = build();
    const ws = model.getWeights().map((w) => tf.zeros(w.shape));
    model.dispose();
    return ws;
  }).map((w) => w.shape);
  return shapes.map((shape, i) => {
    const w = randomHost(shape, 1000 + i);
    return { shape, values: w.values.map((v) => v * 0.3) as Float32Array };
  });
}

async function train(backend: string, task: Task, init: HostTensor[]): Promise<Trained> {
  const previous = tf.getBackend();
  await tf.setBackend(backend);
  try {
    const model = task.build();
    const initial = init.map((w) => fromHost(w));
    model.setWeights(initial); // copies the values
    tf.dispose(initial);
    const optimizer = tf.train.adam(0.01);
    model.compile({ optimizer, loss: 'categoricalCrossentropy' });
    const data = task.data();
    const x = fromHost(data.x);
    const y = fromHost(data.y);
    const losses: number[] = [];
    for (let s = 0; s < STEPS; s++) losses.push((await model.trainOnBatch(x, y)) as number);
    const weights = model.getWeights().map((w) => ({ shape: w.shape.slice(), values: w.dataSync() as Float32Array }));
    tf.dispose([x, y]);
    model.dispose();
    optimizer.dispose();
    return { losses, weights };
  } finally {
    await tf.setBackend(previous);
  }
}

async function expectSameTraining(task: Task): Promise<void> {
  const init = initialWeights(task.build);
  const cpu = await train('cpu', task, init);
  const wasm = await train('wasm', task, init);
  expect(cpu.losses[STEPS - 1]).toBeLessThan(cpu.losses[0]); // it did train
  for (let s = 0; s < STEPS; s++) expect(Math.abs(wasm.losses[s] - cpu.losses[s]) / Math.abs(cpu.losses[s])).toBeLessThan(TOL);
  expect(wasm.weights.length).toBe(cpu.weights.length);
  wasm.weights.forEach((w, i) => expect(relativeError(w, cpu.weights[i])).toBeLessThan(TOL));
  // The weights moved: equality is not just both backends leaving them alone.
  cpu.weights.forEach((w, i) => expect(relativeError(w, init[i])).toBeGreaterThan(1e-3));
}

const convnet: Task = {
  build: () =>
    tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [12, 12, 3], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'relu' }),
        tfl.layers.separableConv2d({ filters: 6, kernelSize: 3, padding: 'valid', activation: 'relu' }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 5, activation: 'softmax' }),
      ],
    }),
  data: () => ({ x: randomHost([6, 12, 12, 3], 1), y: oneHot(6, 5, 2) }),
};

const embedding: Task = {
  build: () =>
    tfl.sequential({
      layers: [
        tfl.layers.embedding({ inputDim: 30, outputDim: 6, inputLength: 7 }),
        tfl.layers.conv1d({ filters: 5, kernelSize: 3, activation: 'relu' }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 4, activation: 'softmax' }),
      ],
    }),
  data: () => ({
    x: runOn('cpu', () => tf.cast(tf.randomUniformInt([8, 7], 0, 30, 3), 'float32'))[0],
    y: oneHot(8, 4, 4),
  }),
};

describe('training on wasm equals training on cpu', () => {
  it('convnet: conv2d, max pooling, depthwise conv, separable conv, dense', async () => {
    await expectSameTraining(convnet);
  });

  it('embedding + conv1d + dense', async () => {
    await expectSameTraining(embedding);
  });

  it('leaves no tensors behind', async () => {
    const init = initialWeights(convnet.build);
    await train('wasm', convnet, init);
    const before = tf.memory().numTensors;
    await train('wasm', convnet, init);
    expect(tf.memory().numTensors).toBe(before);
  });
});
