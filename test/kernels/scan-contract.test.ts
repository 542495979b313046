/**
 * selectiveScan's contract (kernels/README.md, "The contract"), held by every implementation on both backends
 * with custom kernels: zero-size dimensions, a growing recurrence, sizes over the limits, and located errors.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '../../kernels/tf.ts';
import { selectiveScan, type ScanImpl, type SelectiveScanInputs } from '../../kernels/index.ts';
import { makeCase, normalisedError, type CaseSpec } from './scan-cases.ts';
import { runImpl } from './scan-grad-check.ts';
import { oracleScan } from './scan-oracle.ts';

const IMPLS: ScanImpl[] = ['reference', 'chunked', 'fused'];

const spec = (b: number, d: number, l: number, n: number): CaseSpec => ({
  name: `b=${b} d=${d} l=${l} n=${n}`, b, d, l, n, bLayout: 'selective', cLayout: 'shared', D: true, z: true, bias: true, softplus: true,
});

/** Inputs of the given dims filled with constants: (b, d, l) u and delta, (d, n) A, B and C. */
function constant(b: number, d: number, l: number, n: number, a: number, delta: number): SelectiveScanInputs {
  return { u: tf.ones([b, d, l]), delta: tf.fill([b, d, l], delta), A: tf.fill([d, n], a), B: tf.ones([d, n]), C: tf.ones([d, n]) };
}

describe.each(['cpu', 'wasm'])('selectiveScan contract on %s', (backend) => {
  describe.each(IMPLS)('%s', (impl) => {
    it.each([[0, 3, 4, 2], [2, 0, 4, 2], [2, 3, 0, 2], [2, 3, 4, 0], [0, 0, 0, 0]])(
      'zero-size b=%i d=%i l=%i n=%i: shaped results equal to the oracle, zero gradients outside the skip and gate',
      async (b, d, l, n) => {
        await tf.setBackend(backend);
        const c = makeCase(spec(b, d, l, n), 3);
        const want = oracleScan(c.oracle);
        const got = runImpl(c, impl); // also checks that nothing leaks
        expect(got.y.length).toBe(b * d * l);
        expect(got.lastState.length).toBe(b * d * n);
        expect(normalisedError(got.y, want.y)).toBeLessThan(1e-6);
        expect(Array.from(got.lastState).every((x) => x === 0)).toBe(true);
        for (const name of ['delta', 'A', 'B', 'C', 'deltaBias']) expect(Array.from(got.grads[name]!).every((x) => x === 0), name).toBe(true);
        for (const [name, g] of Object.entries(got.grads)) expect(g.length, name).toBe(c.values[name]!.length);
      },
    );

    it('overflow is NaN throughout, values and gradients: a decay past float32 (A = 100, delta = 10) or a state that grows past it', async () => {
      await tf.setBackend(backend);
      for (const [a, delta, l] of [[100, 10, 5], [1, 1, 200]] as const) {
        const x = constant(2, 3, l, 4, a, delta);
        const out = selectiveScan({ ...x, returnLastState: true }, { impl });
        expect(Array.from(out.y.dataSync()).every(Number.isNaN), `y at A=${a}`).toBe(true);
        expect(Array.from(out.lastState!.dataSync()).every(Number.isNaN), `lastState at A=${a}`).toBe(true);
        const grads = tf.grads((u: tf.Tensor, delta: tf.Tensor, A: tf.Tensor, B: tf.Tensor, C: tf.Tensor) =>
          tf.sum(selectiveScan({ u, delta, A, B, C }, { impl }).y))([x.u, x.delta, x.A, x.B, x.C]);
        grads.forEach((g, i) => expect(Array.from(g.dataSync()).every(Number.isNaN), `gradient ${i} at A=${a}`).toBe(true));
        tf.dispose([...Object.values(x), out.y, out.lastState!, ...grads]);
      }
    });

    it('growth that stays inside float32 is computed, and decays of exactly 1 (A = 0) too', async () => {
      await tf.setBackend(backend);
      for (const [a, delta] of [[0.3, 0.5], [0, 0.5], [-1, -0.5]] as const) {
        const x = constant(1, 2, 8, 3, a, delta);
        const y = selectiveScan(x, { impl }).y.dataSync();
        // Every state: h_t = exp(delta a) h_{t-1} + delta (u = B = 1); y_t = 3 h_t (C = 1, n = 3).
        let h = 0;
        const want = Array.from({ length: 8 }, () => 3 * (h = Math.exp(delta * a) * h + delta));
        expect(normalisedError(y.slice(0, 8), want), `A=${a} delta=${delta}`).toBeLessThan(1e-5);
        tf.dispose(Object.values(x));
      }
    });

    it('a state over 2^31 - 1 elements fails before allocating, naming the limit', async () => {
      await tf.setBackend(backend);
      const x = constant(2 ** 16, 1, 1, 2 ** 15, -1, 0.1); // lastState (b, d, n) = 2^31 elements
      expect(() => selectiveScan({ ...x, returnLastState: true }, { impl })).toThrow(
        /^selectiveScan: lastState \(b, d, n\) = \[65536,1,32768\] would have 2147483648 elements, more than the 2\^31 - 1 a tensor can hold$/,
      );
      tf.dispose(Object.values(x));
    });
  });

  it('the chunked scan names its (b, d, chunk, n) states when they alone are too big', async () => {
    await tf.setBackend(backend);
    const x = constant(2 ** 12, 1, 128, 2 ** 12, -1, 0.1); // (b, d, 128, n) = 2^31; lastState 2^24
    expect(() => selectiveScan(x, { impl: 'chunked' })).toThrow(/^selectiveScan: the chunked scan's states \(b, d, chunk, n\) = \[4096,1,128,4096\] would have 2147483648 elements/);
    tf.dispose(Object.values(x));
  });

  it('rejects bad shapes, dtypes and implementations with selectiveScan: errors', async () => {
    await tf.setBackend(backend);
    const x = constant(1, 2, 3, 4, -1, 0.1);
    expect(() => selectiveScan({ ...x, delta: tf.ones([1, 2, 4]) })).toThrow(/^selectiveScan: delta has shape \[1,2,4\], expected \[1,2,3\]$/);
    expect(() => selectiveScan({ ...x, u: tf.ones([2, 3]) })).toThrow(/^selectiveScan: u must be \(b, d, l\), got \[2,3\]$/);
    expect(() => selectiveScan({ ...x, A: tf.ones([3, 4]) })).toThrow(/^selectiveScan: A has 3 rows, u has d = 2$/);
    expect(() => selectiveScan({ ...x, u: tf.ones([1, 2, 3], 'int32') })).toThrow(/^selectiveScan: u must be float32, got int32$/);
    expect(() => selectiveScan(x, { impl: 'fast' as ScanImpl })).toThrow(/^selectiveScan: unknown implementation 'fast'$/);
    tf.dispose(Object.values(x));
  });
});

describe('selectiveScan limits of the wasm backend', () => {
  it('a call whose inputs and outputs exceed the 4 GiB heap fails before allocating, naming the limit', async () => {
    await tf.setBackend('wasm');
    const x = constant(2 ** 16, 1, 1, 2 ** 13, -1, 0.1); // lastState and checkpoints 2^29 elements each: 4 GiB with the rest
    expect(() => selectiveScan({ ...x, returnLastState: true }, { impl: 'fused' })).toThrow(
      /^selectiveScan: the inputs and outputs of this call take \d+ bytes, more than the 4 GiB \(2\^32 bytes\) the wasm backend's memory can hold$/,
    );
    tf.dispose(Object.values(x));
  });
});
