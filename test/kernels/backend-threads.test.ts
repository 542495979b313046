/**
 * The wasm backend's threaded kernels (kernels/backend/wasm/simd/: conv.wasm on worker threads) on
 * flat arrays: the same bits on 1, 2 and 3 threads, and the cpu backend's results within 1e-4, on odd
 * shapes (strides, padding, dilations where tfjs has them, batch 1, channel counts not a multiple of 4).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomHost, relativeError, runOn, type HostTensor } from '../../kernels/backend/compare.ts';
import { setupBackend } from '../../kernels/backend/index.ts';
import { createSimdModule, simdBytes, tileParts, type SimdModule } from '../../kernels/backend/wasm/simd/module.ts';
import * as ops from '../../kernels/backend/wasm/simd/ops.ts';
import * as tf from '../../kernels/tf.ts';

const TOL = 1e-4;
const THREADS = [1, 2, 3];
let modules: SimdModule[] = [];

beforeAll(async () => {
  await setupBackend('cpu');
  // threadedMinWork 0: every call, however small, is split over the threads.
  modules = THREADS.map((threads) => createSimdModule(simdBytes(), { threads, threadedMinWork: 0 })!);
});
afterAll(() => Promise.all(modules.map((m) => m.close())));

const f32 = (t: HostTensor) => t.values as Float32Array;
const host = (values: Float32Array, shape: number[]): HostTensor => ({ shape, values });

/** `run` on every module: the outputs, which must be the same bits; returns the first. */
function sameBitsOnEveryThreadCount(size: number, run: (mod: SimdModule, out: Float32Array) => void): Float32Array {
  const outs = modules.map((mod) => {
    const out = new Float32Array(size).fill(Number.NaN);
    run(mod, out);
    return out;
  });
  for (const out of outs.slice(1)) expect(Buffer.from(out.buffer).equals(Buffer.from(outs[0]!.buffer))).toBe(true);
  return outs[0]!;
}

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
const explicit: Pad = [[0, 0], [1, 2], [0, 1], [0, 0]];

describe('conv2d, its input and filter gradients', () => {
  const cases: Array<{ x: [number, number, number, number]; f: [number, number]; co: number; s: number | [number, number]; pad: Pad; d?: [number, number] }> = [
    { x: [1, 9, 7, 3], f: [3, 3], co: 5, s: 1, pad: 'same' },
    { x: [2, 11, 10, 6], f: [3, 2], co: 7, s: [2, 3], pad: 'valid' },
    { x: [3, 8, 9, 4], f: [2, 3], co: 9, s: 2, pad: explicit },
    { x: [2, 10, 9, 5], f: [3, 3], co: 6, s: 1, pad: 'same', d: [2, 1] },
  ];
  for (const [i, c] of cases.entries()) {
    const filterShape: [number, number, number, number] = [...c.f, c.x[3], c.co];
    const label = `x [${c.x}] filter ${c.f} -> ${c.co} strides ${c.s} pad ${JSON.stringify(c.pad)} dilations ${c.d ?? 1}`;
    const info = tf.backend_util.computeConv2DInfo(c.x, filterShape, c.s, c.d ?? 1, c.pad, undefined, false, 'channelsLast');
    const x = randomHost(c.x, 200 + i), w = randomHost(filterShape, 210 + i);
    const conv = (xt: tf.Tensor, wt: tf.Tensor) => tf.conv2d(xt as tf.Tensor4D, wt as tf.Tensor4D, c.s, c.pad, 'NHWC', c.d ?? 1);

    it(`forward: ${label}`, () => {
      const [ref] = runOn('cpu', () => conv(tf.tensor(x.values, x.shape), tf.tensor(w.values, w.shape)));
      const y = sameBitsOnEveryThreadCount(ref!.values.length, (mod, out) => ops.conv2d(mod, info, f32(x), f32(w), out));
      expect(relativeError(host(y, ref!.shape), ref!)).toBeLessThan(TOL);
    });

    // tfjs has no gradient of a dilated conv2d to compare with.
    if (c.d == null) it(`gradients: ${label}`, () => {
      const dy = randomHost(info.outShape, 220 + i);
      const [dxRef, dwRef] = runOn('cpu', () =>
        tf.grads((xt: tf.Tensor, wt: tf.Tensor) => conv(xt, wt))([tf.tensor(x.values, x.shape), tf.tensor(w.values, w.shape)], tf.tensor(dy.values, dy.shape)),
      );
      const dx = sameBitsOnEveryThreadCount(x.values.length, (mod, out) => ops.conv2dBackpropInput(mod, info, f32(dy), f32(w), out));
      const dw = sameBitsOnEveryThreadCount(w.values.length, (mod, out) => ops.conv2dBackpropFilter(mod, info, f32(x), f32(dy), out));
      expect(relativeError(host(dx, c.x), dxRef!)).toBeLessThan(TOL);
      expect(relativeError(host(dw, filterShape), dwRef!)).toBeLessThan(TOL);
    });
  }

  it('sums the filter gradient over more pixels than one block holds (KB = 256) in the same bits', () => {
    const shape: [number, number, number, number] = [3, 13, 11, 6];
    const info = tf.backend_util.computeConv2DInfo(shape, [3, 3, 6, 5], 1, 1, 'same', undefined, false, 'channelsLast');
    const x = randomHost(shape, 230), dy = randomHost(info.outShape, 231);
    const [ref] = runOn('cpu', () =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor(x.values, shape), dy: tf.tensor(dy.values, dy.shape) }, {
        strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 6, 5],
      } as unknown as tf.NamedAttrMap) as tf.Tensor,
    );
    const dw = sameBitsOnEveryThreadCount(3 * 3 * 6 * 5, (mod, out) => ops.conv2dBackpropFilter(mod, info, f32(x), f32(dy), out));
    expect(relativeError(host(dw, [3, 3, 6, 5]), ref!)).toBeLessThan(TOL);
  });
});

describe('depthwise conv2d, its input and filter gradients', () => {
  const cases: Array<{ x: [number, number, number, number]; f: [number, number]; mult: number; s: number; pad: Pad; d?: [number, number] }> = [
    { x: [1, 9, 8, 7], f: [3, 3], mult: 1, s: 1, pad: 'same' },
    { x: [2, 10, 9, 6], f: [3, 2], mult: 1, s: 2, pad: 'valid' },
    { x: [2, 8, 7, 3], f: [3, 3], mult: 2, s: 2, pad: explicit },
    { x: [2, 9, 9, 5], f: [3, 3], mult: 1, s: 1, pad: 'same', d: [2, 2] },
  ];
  for (const [i, c] of cases.entries()) {
    const filterShape: [number, number, number, number] = [...c.f, c.x[3], c.mult];
    const label = `x [${c.x}] filter ${c.f} x${c.mult} strides ${c.s} pad ${JSON.stringify(c.pad)} dilations ${c.d ?? 1}`;
    const info = tf.backend_util.computeConv2DInfo(c.x, filterShape, c.s, c.d ?? 1, c.pad, undefined, true, 'channelsLast');
    const x = randomHost(c.x, 240 + i), w = randomHost(filterShape, 250 + i);

    it(`forward: ${label}`, () => {
      const [ref] = runOn('cpu', () => tf.depthwiseConv2d(tf.tensor4d(x.values, c.x), tf.tensor4d(w.values, filterShape), c.s, c.pad, 'NHWC', c.d ?? 1));
      const y = sameBitsOnEveryThreadCount(ref!.values.length, (mod, out) => ops.depthwiseConv2d(mod, info, f32(x), f32(w), out));
      expect(relativeError(host(y, ref!.shape), ref!)).toBeLessThan(TOL);
    });

    // The cpu backend's depthwise gradient kernels ignore dilations (backend-kernels.test.ts checks
    // the dilated case by adjoint identities).
    if (c.d == null) it(`gradients: ${label}`, () => {
      const dy = randomHost(info.outShape, 260 + i);
      const attrs = { strides: c.s, dilations: 1, pad: c.pad } as unknown as tf.NamedAttrMap;
      const [dxRef, dwRef] = runOn('cpu', () => [
        tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy: tf.tensor(dy.values, dy.shape), filter: tf.tensor(w.values, w.shape) }, { ...attrs, inputShape: c.x }) as tf.Tensor,
        tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x: tf.tensor(x.values, x.shape), dy: tf.tensor(dy.values, dy.shape) }, { ...attrs, filterShape }) as tf.Tensor,
      ]);
      const dx = sameBitsOnEveryThreadCount(x.values.length, (mod, out) => ops.depthwiseBackpropInput(mod, info, f32(dy), f32(w), out));
      const dw = sameBitsOnEveryThreadCount(w.values.length, (mod, out) => ops.depthwiseBackpropFilter(mod, info, f32(x), f32(dy), out));
      expect(relativeError(host(dx, c.x), dxRef!)).toBeLessThan(TOL);
      expect(relativeError(host(dw, filterShape), dwRef!)).toBeLessThan(TOL);
    });
  }
});

describe('matMul', () => {
  const cases = [
    { batch: 1, batchA: 1, batchB: 1, m: 37, k: 29, n: 19 },
    { batch: 3, batchA: 3, batchB: 3, m: 13, k: 70, n: 9 },
    { batch: 4, batchA: 4, batchB: 1, m: 10, k: 7, n: 23 },
    { batch: 2, batchA: 1, batchB: 2, m: 21, k: 5, n: 6 },
  ];
  for (const c of cases) {
    for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      it(`(${c.batchA}, ${c.m}, ${c.k}) @ (${c.batchB}, ${c.k}, ${c.n}), transposeA=${transA} transposeB=${transB}`, () => {
        const aShape = [c.batchA, ...(transA ? [c.k, c.m] : [c.m, c.k])], bShape = [c.batchB, ...(transB ? [c.n, c.k] : [c.k, c.n])];
        const a = randomHost(aShape, 270), b = randomHost(bShape, 271);
        const [ref] = runOn('cpu', () => tf.matMul(tf.tensor(a.values, aShape), tf.tensor(b.values, bShape), transA, transB));
        const out = sameBitsOnEveryThreadCount(c.batch * c.m * c.n, (mod, o) => ops.matMul(mod, { ...c, transA, transB }, f32(a), f32(b), o));
        expect(relativeError(host(out, [c.batch, c.m, c.n]), ref!)).toBeLessThan(TOL);
      });
    }
  }

  it('names batch counts it cannot broadcast', () => {
    const shape = { batch: 3, batchA: 2, batchB: 3, m: 2, k: 2, n: 2, transA: false, transB: false };
    expect(() => ops.matMul(modules[0]!, shape, new Float32Array(8), new Float32Array(12), new Float32Array(12))).toThrow(/a has 2 matrices for an output of 3/);
  });
});

describe('columnSums', () => {
  it('sums over the rows (a bias gradient) in the same bits on every thread count, and as the cpu backend does', () => {
    for (const [rows, n] of [[1, 7], [300, 37], [1000, 64]] as const) {
      const x = randomHost([rows, n], 280 + n);
      const [ref] = runOn('cpu', () => tf.sum(tf.tensor(x.values, [rows, n]), 0));
      const out = sameBitsOnEveryThreadCount(n, (mod, o) => ops.columnSums(mod, rows, n, f32(x), o));
      expect(relativeError(host(out, [n]), ref!)).toBeLessThan(TOL);
    }
  });
});

describe('the thread pool under back-to-back jobs', () => {
  it('finishes every part of every job before returning, when jobs of few and many parts alternate on more threads than cores', () => {
    // A job of many parts right after one of few is where a thread still draining the first could take a
    // part of the second before its claim word was published (the part then ran twice and the call
    // returned while it still ran). Each call's output starts as NaN, so an unfinished part shows.
    const mod = modules.at(-1)!;
    const shapes = [
      [8, 4],
      [64, 96],
    ] as const;
    const inputs = shapes.map(([rows, n], i) => randomHost([rows, n], 300 + i));
    const refs = shapes.map(([rows, n], i) => {
      const out = new Float32Array(n);
      ops.columnSums(modules[0]!, rows, n, f32(inputs[i]!), out);
      return Buffer.from(out.buffer);
    });
    let wrong = 0;
    for (let k = 0; k < 20_000; k++) {
      const i = k % 2;
      const [rows, n] = shapes[i]!;
      const out = new Float32Array(n).fill(Number.NaN);
      ops.columnSums(mod, rows, n, f32(inputs[i]!), out);
      if (!Buffer.from(out.buffer).equals(refs[i]!)) wrong++;
    }
    expect(wrong).toBe(0);
  });
});

describe('tileParts', () => {
  it('covers the rows with disjoint ranges of whole 4-row tiles, fewer parts when the rows are few', () => {
    for (const [rows, count] of [[1, 8], [10, 3], [64, 8], [1000, 12]] as const) {
      const parts = tileParts(rows, count);
      expect(parts.length).toBe(Math.min(count, Math.ceil(rows / 4)));
      expect(parts[0]![0]).toBe(0);
      expect(parts.at(-1)![1]).toBe(rows);
      parts.forEach(([r0, r1], i) => {
        expect(r0 % 4).toBe(0);
        expect(r1).toBeGreaterThan(r0);
        if (i > 0) expect(r0).toBe(parts[i - 1]![1]);
      });
    }
  });
});
