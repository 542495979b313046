/**
 * The wasm backend's training kernels (kernels/backend/wasm/) against the cpu backend, on seeded
 * random inputs: each kernel directly, then through tf.grad of the ops that use them.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromHost, randomHost, relativeError, runOn, type HostTensor } from '../../kernels/backend/compare.ts';
import { setupBackend } from '../../kernels/backend/index.ts';
import * as tf from '../../kernels/tf.ts';

const TOL = 1e-4;

beforeAll(async () => {
  await setupBackend('cpu');
  await setupBackend('wasm');
});

type Fn = (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[];

/**
 * Run `f` on wasm and `reference` (default `f`) on cpu from the same host inputs; the error of wasm
 * relative to cpu, per output.
 */
function compare(inputs: HostTensor[], f: Fn, reference: Fn = f): number[] {
  const args = () => inputs.map((t) => fromHost(t));
  const wasm = runOn('wasm', () => f(...args()));
  const cpu = runOn('cpu', () => reference(...args()));
  expect(wasm.length).toBe(cpu.length);
  return wasm.map((t, i) => relativeError(t, cpu[i]));
}

function expectClose(errors: number[]): void {
  for (const e of errors) expect(e).toBeLessThan(TOL);
}

/** Heap tensors the wasm backend holds, including intermediates the engine does not see. */
const wasmDataIds = () => (tf.findBackend('wasm') as BackendWasm).numDataIds();

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
const explicit: Pad = [[0, 0], [1, 2], [0, 1], [0, 0]];

describe('Conv2DBackpropFilter', () => {
  const cases: Array<{ x: number[]; f: [number, number]; co: number; s: number | [number, number]; pad: Pad }> = [
    { x: [2, 7, 7, 3], f: [3, 3], co: 4, s: 1, pad: 'same' },
    { x: [2, 8, 9, 3], f: [3, 2], co: 5, s: 2, pad: 'same' },
    { x: [3, 9, 8, 2], f: [3, 3], co: 3, s: [2, 1], pad: 'valid' },
    { x: [1, 6, 6, 4], f: [1, 1], co: 6, s: 1, pad: 'valid' },
    { x: [2, 7, 6, 2], f: [2, 3], co: 3, s: 1, pad: explicit },
    { x: [2, 7, 7, 2], f: [3, 3], co: 2, s: 2, pad: 1 },
  ];
  for (const [i, c] of cases.entries()) {
    it(`matches cpu: x [${c.x}] filter ${c.f} strides ${c.s} pad ${JSON.stringify(c.pad)}`, () => {
      const filterShape: [number, number, number, number] = [...c.f, c.x[3], c.co];
      const y = runOn('cpu', () => tf.conv2d(fromHost(randomHost(c.x, 1)) as tf.Tensor4D, tf.zeros(filterShape), c.s, c.pad))[0];
      const x = randomHost(c.x, 10 + i);
      const dy = randomHost(y.shape, 20 + i);
      const attrs = { strides: c.s, pad: c.pad, dataFormat: 'NHWC', filterShape } as unknown as tf.NamedAttrMap;
      expectClose(compare([x, dy], (xt, dyt) => tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy: dyt }, attrs) as tf.Tensor));
    });
  }

  it('refuses NCHW with a clear error', () => {
    const attrs = { strides: 1, pad: 'valid', dataFormat: 'NCHW', filterShape: [1, 1, 2, 2] } as unknown as tf.NamedAttrMap;
    expect(() =>
      runOn('wasm', () => tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.ones([1, 2, 3, 3]), dy: tf.ones([1, 2, 3, 3]) }, attrs) as tf.Tensor),
    ).toThrow(/'NHWC' only, got 'NCHW'/);
  });
});

describe('Conv2DBackpropInput', () => {
  const cases: Array<{ x: [number, number, number, number]; f: [number, number]; co: number; s: number | [number, number]; pad: Pad }> = [
    { x: [2, 7, 7, 3], f: [3, 3], co: 4, s: 1, pad: 'same' },
    { x: [2, 8, 9, 3], f: [3, 2], co: 5, s: 2, pad: 'same' },
    { x: [3, 9, 8, 2], f: [3, 3], co: 3, s: [2, 1], pad: 'valid' },
    { x: [2, 10, 10, 2], f: [4, 4], co: 3, s: 3, pad: 'valid' },
    { x: [2, 7, 6, 2], f: [2, 3], co: 3, s: 1, pad: explicit },
    // top padding beyond fh - 1: input rows no filter tap reaches get a zero gradient.
    { x: [1, 5, 5, 2], f: [2, 2], co: 2, s: 1, pad: [[0, 0], [2, 0], [0, 0], [0, 0]] },
  ];
  for (const [i, c] of cases.entries()) {
    it(`matches cpu: x [${c.x}] filter ${c.f} strides ${c.s} pad ${JSON.stringify(c.pad)}`, () => {
      const filterShape: [number, number, number, number] = [...c.f, c.x[3], c.co];
      const y = runOn('cpu', () => tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(filterShape) as tf.Tensor4D, c.s, c.pad))[0];
      const dy = randomHost(y.shape, 120 + i);
      const w = randomHost(filterShape, 130 + i);
      const attrs = { strides: c.s, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x } as unknown as tf.NamedAttrMap;
      expectClose(compare([dy, w], (dyt, wt) => tf.engine().runKernel('Conv2DBackpropInput', { dy: dyt, filter: wt }, attrs) as tf.Tensor));
    });
  }
});

describe('Conv2D and FusedConv2D', () => {
  const cases: Array<{ x: [number, number, number, number]; f: [number, number]; co: number; s: number | [number, number]; pad: Pad; d: number | [number, number] }> = [
    { x: [2, 7, 7, 3], f: [3, 3], co: 5, s: 1, pad: 'same', d: 1 },
    { x: [1, 9, 8, 2], f: [3, 2], co: 7, s: [2, 1], pad: 'valid', d: 1 },
    { x: [2, 9, 9, 5], f: [3, 3], co: 3, s: 1, pad: 'same', d: [2, 1] },
    { x: [2, 7, 6, 2], f: [2, 3], co: 9, s: 2, pad: explicit, d: 1 },
  ];
  for (const [i, c] of cases.entries()) {
    const filterShape: [number, number, number, number] = [...c.f, c.x[3], c.co];
    it(`matches cpu: x [${c.x}] filter ${c.f} -> ${c.co} strides ${c.s} pad ${JSON.stringify(c.pad)} dilations ${c.d}`, () => {
      const x = randomHost(c.x, 160 + i);
      const w = randomHost(filterShape, 170 + i);
      expectClose(compare([x, w], (xt, wt) => tf.conv2d(xt as tf.Tensor4D, wt as tf.Tensor4D, c.s, c.pad, 'NHWC', c.d)));
    });
  }

  it('matches cpu with a bias and each activation fused', () => {
    const x = randomHost([2, 6, 6, 3], 180);
    const w = randomHost([3, 3, 3, 5], 181);
    const bias = randomHost([5], 182);
    for (const activation of ['linear', 'relu', 'relu6', 'elu', 'leakyrelu', 'sigmoid'] as const) {
      expectClose(
        compare([x, w, bias], (xt, wt, bt) =>
          tf.fused.conv2d({ x: xt as tf.Tensor4D, filter: wt as tf.Tensor4D, strides: 1, pad: 'same', bias: bt, activation, leakyreluAlpha: 0.3 }),
        ),
      );
    }
  });
});

describe('MaxPoolGrad', () => {
  const cases: Array<{ x: [number, number, number, number]; f: number | [number, number]; s: number | [number, number]; pad: 'same' | 'valid' }> = [
    { x: [2, 8, 8, 3], f: 2, s: 2, pad: 'valid' },
    { x: [2, 7, 7, 3], f: 3, s: 2, pad: 'same' },
    { x: [1, 9, 8, 2], f: [3, 2], s: [1, 2], pad: 'valid' },
    { x: [2, 6, 6, 4], f: 3, s: 1, pad: 'same' },
  ];
  for (const [i, c] of cases.entries()) {
    // Values rounded to a few levels, half of them clipped to 0 (as after a ReLU): windows with ties,
    // where the gradient must go to the same position as on cpu.
    it(`matches cpu with ties: x [${c.x}] filter ${c.f} strides ${c.s} pad ${c.pad}`, () => {
      const x = randomHost(c.x, 140 + i);
      const levels: HostTensor = { shape: x.shape, values: x.values.map((v) => Math.max(0, Math.round(v * 2))) as Float32Array };
      const dy = randomHost(runOn('cpu', () => tf.maxPool(tf.zeros(c.x) as tf.Tensor4D, c.f, c.s, c.pad))[0].shape, 150 + i);
      expectClose(
        compare([levels, dy], (xt, dyt) => {
          const grad = tf.grad((t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, c.f, c.s, c.pad));
          return grad(xt, dyt);
        }),
      );
    });
  }
});

describe('DepthwiseConv2dNative and its gradients', () => {
  const cases: Array<{ x: [number, number, number, number]; f: [number, number]; mult: number; s: number; pad: Pad }> = [
    { x: [2, 7, 7, 3], f: [3, 3], mult: 1, s: 1, pad: 'same' },
    { x: [2, 8, 7, 2], f: [3, 3], mult: 2, s: 2, pad: 'same' },
    { x: [1, 9, 9, 4], f: [2, 3], mult: 1, s: 2, pad: 'valid' },
    { x: [2, 6, 7, 2], f: [3, 2], mult: 3, s: 1, pad: explicit },
  ];
  for (const [i, c] of cases.entries()) {
    const filterShape: [number, number, number, number] = [...c.f, c.x[3], c.mult];
    const attrs = (extra: object) => ({ strides: c.s, dilations: 1, pad: c.pad, ...extra }) as unknown as tf.NamedAttrMap;
    const dyShape = () =>
      runOn('cpu', () => tf.depthwiseConv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(filterShape) as tf.Tensor4D, c.s, c.pad as 'same'))[0].shape;

    it(`forward matches cpu: x [${c.x}] filter ${c.f} x${c.mult} strides ${c.s} pad ${JSON.stringify(c.pad)}`, () => {
      const x = randomHost(c.x, 35 + i);
      const w = randomHost(filterShape, 45 + i);
      expectClose(compare([x, w], (xt, wt) => tf.depthwiseConv2d(xt as tf.Tensor4D, wt as tf.Tensor4D, c.s, c.pad as 'same')));
    });

    it(`filter gradient matches cpu: x [${c.x}] filter ${c.f} x${c.mult} strides ${c.s} pad ${JSON.stringify(c.pad)}`, () => {
      const x = randomHost(c.x, 30 + i);
      const dy = randomHost(dyShape(), 40 + i);
      expectClose(
        compare([x, dy], (xt, dyt) =>
          tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x: xt, dy: dyt }, attrs({ filterShape })) as tf.Tensor,
        ),
      );
    });

    it(`input gradient matches cpu: x [${c.x}] filter ${c.f} x${c.mult} strides ${c.s} pad ${JSON.stringify(c.pad)}`, () => {
      const dy = randomHost(dyShape(), 50 + i);
      const w = randomHost(filterShape, 60 + i);
      expectClose(
        compare([dy, w], (dyt, wt) =>
          tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy: dyt, filter: wt }, attrs({ inputShape: c.x })) as tf.Tensor,
        ),
      );
    });
  }

  // tfjs has no gradient for dilated depthwise convolutions and the cpu kernels ignore dilations,
  // so dilated cases are checked by the adjoint identities of the (dilated) forward convolution:
  // <dW, V> = <dy, conv(x, V)> and <dx, U> = <dy, conv(U, W)> for any V, U.
  it('is the adjoint of the dilated forward convolution', () => {
    const xShape = [2, 9, 9, 2];
    const fShape: [number, number, number, number] = [3, 3, 2, 2];
    const dil: [number, number] = [2, 2];
    const [lhsW, rhsW, lhsX, rhsX] = runOn('wasm', () => {
      const x = fromHost(randomHost(xShape, 70)) as tf.Tensor4D;
      const w = fromHost(randomHost(fShape, 71)) as tf.Tensor4D;
      const v = fromHost(randomHost(fShape, 72)) as tf.Tensor4D;
      const u = fromHost(randomHost(xShape, 73)) as tf.Tensor4D;
      const y = tf.depthwiseConv2d(x, w, 1, 'same', 'NHWC', dil);
      const dy = fromHost(randomHost(y.shape, 74)) as tf.Tensor4D;
      const attrs = { strides: 1, dilations: dil, pad: 'same' } as unknown as tf.NamedAttrMap;
      const dW = tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape: fShape }) as tf.Tensor;
      const dX = tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: w }, { ...attrs, inputShape: xShape }) as tf.Tensor;
      return [
        tf.sum(tf.mul(dW, v)),
        tf.sum(tf.mul(dy, tf.depthwiseConv2d(x, v, 1, 'same', 'NHWC', dil))),
        tf.sum(tf.mul(dX, u)),
        tf.sum(tf.mul(dy, tf.depthwiseConv2d(u, w, 1, 'same', 'NHWC', dil))),
      ];
    });
    expect(relativeError(lhsW, rhsW)).toBeLessThan(TOL);
    expect(relativeError(lhsX, rhsX)).toBeLessThan(TOL);
  });
});

describe('Sum over leading axes', () => {
  it('matches cpu for leading axes (bias gradients), keepDims, negative axes, and the axes it leaves to the backend', () => {
    const x = randomHost([3, 5, 4, 7], 190);
    for (const [axis, keepDims] of [[[0, 1, 2], false], [[1, 0], true], [0, false], [[-4, -3], false], [[1, 2], false], [[0, 1, 2, 3], false]] as const) {
      expectClose(compare([x], (xt) => tf.sum(xt, axis as number | number[], keepDims)));
    }
  });
});

describe('UnsortedSegmentSum', () => {
  it('matches cpu for float32 rows with repeated and out-of-range ids', () => {
    const x = randomHost([9, 3, 2], 80);
    const ids: HostTensor = { shape: [9], values: Int32Array.from([4, 0, 4, 2, 7, -1, 0, 4, 9]) };
    expectClose(compare([x, ids], (xt, it) => tf.unsortedSegmentSum(xt, it as tf.Tensor1D, 8)));
  });

  it('matches cpu for int32 data', () => {
    const x: HostTensor = { shape: [5, 2], values: Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) };
    const ids: HostTensor = { shape: [5], values: Int32Array.from([1, 1, 0, 2, 1]) };
    const [out] = runOn('wasm', () => tf.unsortedSegmentSum(fromHost(x), fromHost(ids) as tf.Tensor1D, 3));
    expect(Array.from(out.values)).toEqual([5, 6, 1 + 3 + 9, 2 + 4 + 10, 7, 8]);
  });
});

describe('matMul (BatchMatMul, _FusedMatMul)', () => {
  // The cpu kernel maps batch indices per operand modulo its batch size, which is right for one
  // broadcast operand but not for batch dims broadcast both ways; those cases compare with the
  // operands tiled to the output's batch shape on cpu.
  const shapes: Array<{ name: string; a: number[]; b: number[]; tileA?: number[]; tileB?: number[] }> = [
    { name: 'rank 2', a: [33, 20], b: [20, 17] },
    { name: 'batched', a: [3, 32, 40], b: [3, 40, 24] },
    { name: 'batched, small', a: [4, 5, 6], b: [4, 6, 7] },
    { name: 'batched a, unbatched b', a: [2, 3, 16, 12], b: [12, 20] },
    { name: 'unbatched a, batched b', a: [9, 13], b: [3, 13, 10] },
    { name: 'batch dims broadcast both ways', a: [2, 1, 32, 24], b: [1, 3, 24, 40], tileA: [1, 3, 1, 1], tileB: [2, 1, 1, 1] },
  ];
  for (const s of shapes) {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      it(`equals cpu: ${s.name}, transposeA=${ta} transposeB=${tb}`, () => {
        const swap = (shape: number[], t: boolean) => (t ? [...shape.slice(0, -2), shape.at(-1)!, shape.at(-2)!] : shape);
        const a = randomHost(swap(s.a, ta), 90);
        const b = randomHost(swap(s.b, tb), 91);
        const tiled = (x: tf.Tensor, reps?: number[]) => (reps == null ? x : tf.tile(x, reps));
        expectClose(
          compare(
            [a, b],
            (at, bt) => tf.matMul(at, bt, ta, tb),
            (at, bt) => tf.matMul(tiled(at, s.tileA), tiled(bt, s.tileB), ta, tb),
          ),
        );
      });
    }
  }

  it('equals cpu for fused matMul with bias and relu (transposed, batched)', () => {
    const a = randomHost([3, 12, 10], 92);
    const b = randomHost([12, 14], 93);
    const bias = randomHost([14], 94);
    expectClose(
      compare([a, b, bias], (at, bt, biast) =>
        tf.fused.matMul({ a: at as tf.Tensor3D, b: tf.expandDims(bt, 0) as tf.Tensor3D, transposeA: true, bias: biast, activation: 'relu' }),
      ),
    );
    const a2 = randomHost([4, 10, 12], 95);
    expectClose(
      compare([a2, b, bias], (at, bt, biast) =>
        tf.fused.matMul({ a: at as tf.Tensor3D, b: tf.expandDims(bt, 0) as tf.Tensor3D, bias: biast, activation: 'relu' }),
      ),
    );
  });
});

describe('gradients through the ops that use the kernels', () => {
  const gradsOf = (f: (...xs: tf.Tensor[]) => tf.Tensor) => (...xs: tf.Tensor[]) => tf.grads(f)(xs);

  it('conv1d', () => {
    const x = randomHost([2, 11, 3], 100);
    const w = randomHost([3, 3, 4], 101);
    expectClose(compare([x, w], gradsOf((xt, wt) => tf.sum(tf.square(tf.conv1d(xt as tf.Tensor3D, wt as tf.Tensor3D, 2, 'same'))))));
  });

  it('conv2d', () => {
    const x = randomHost([2, 8, 8, 3], 102);
    const w = randomHost([3, 3, 3, 5], 103);
    expectClose(compare([x, w], gradsOf((xt, wt) => tf.sum(tf.square(tf.conv2d(xt as tf.Tensor4D, wt as tf.Tensor4D, 1, 'same'))))));
  });

  it('depthwiseConv2d', () => {
    const x = randomHost([2, 8, 8, 3], 104);
    const w = randomHost([3, 3, 3, 2], 105);
    expectClose(
      compare([x, w], gradsOf((xt, wt) => tf.sum(tf.square(tf.depthwiseConv2d(xt as tf.Tensor4D, wt as tf.Tensor4D, 2, 'same'))))),
    );
  });

  it('separableConv2d', () => {
    const x = randomHost([2, 8, 8, 3], 106);
    const dw = randomHost([3, 3, 3, 2], 107);
    const pw = randomHost([1, 1, 6, 4], 108);
    expectClose(
      compare(
        [x, dw, pw],
        gradsOf((xt, dwt, pwt) =>
          tf.sum(tf.square(tf.separableConv2d(xt as tf.Tensor4D, dwt as tf.Tensor4D, pwt as tf.Tensor4D, 1, 'valid'))),
        ),
      ),
    );
  });

  it('gather (an embedding lookup)', () => {
    const table = randomHost([12, 5], 109);
    const ids: HostTensor = { shape: [3, 4], values: Int32Array.from([0, 3, 3, 11, 5, 0, 7, 7, 7, 2, 1, 3]) };
    expectClose(compare([table, ids], (e, i) => tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.gather(t, i))))(e)));
  });

  it('leaks no tensors and no wasm heap intermediates', () => {
    const x = randomHost([2, 8, 8, 3], 110);
    const w = randomHost([3, 3, 3, 2], 111);
    const a = randomHost([2, 32, 40], 112);
    const b = randomHost([2, 40, 24], 113);
    const step = () =>
      runOn('wasm', () => {
        const [xt, wt, at, bt] = [x, w, a, b].map((h) => fromHost(h));
        const g = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(tf.depthwiseConv2d(p as tf.Tensor4D, q as tf.Tensor4D, 1, 'same'))))([xt, wt]);
        const h = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, 1, 'same'))))([
          xt,
          tf.reshape(wt, [3, 3, 3, 2]),
        ]);
        const m = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.matMul(p, q, true, true)))([tf.transpose(at, [0, 2, 1]), tf.transpose(bt, [0, 2, 1])]);
        const e = tf.grad((t: tf.Tensor) => tf.sum(tf.gather(t, tf.tensor1d([1, 1, 0], 'int32'))))(wt);
        return [...g, ...h, ...m, e];
      });
    step();
    const tensors = tf.memory().numTensors;
    const heap = wasmDataIds();
    step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(wasmDataIds()).toBe(heap);
  });
});
