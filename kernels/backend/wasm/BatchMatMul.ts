/**
 * BatchMatMul for the wasm backend, on conv.wasm's threads (simd/ops.ts matMul: transposed operands are
 * read in place, a batch of one broadcasts). The backend's C++ kernel uses XNNPACK (one thread) only
 * when neither operand is transposed and both batch sizes are 1, and a scalar blocked loop 10-70x
 * slower otherwise; backprop through a matmul always asks for the transposed products.
 * Batch shapes that broadcast other than one matrix against all (e.g. (2, 1) against (1, 3)) are
 * expanded to the output's batch first; non-float32 dtypes go to the backend's kernel.
 */
import * as tf from '../../tf.ts';
import { alloc, heapF32, type Info, type WasmBackend } from './heap.ts';
import { simdModule, type SimdModule } from './simd/module.ts';
import { matMul, type MatMulShape } from './simd/ops.ts';

export interface MatMulDims {
  outerA: number[];
  outerB: number[];
  outBatch: number[];
  m: number;
  k: number;
  n: number;
}

export function dims(a: Info, b: Info, transposeA: boolean, transposeB: boolean): MatMulDims {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (k !== kb) {
    throw new Error(
      `matMul: inner dimensions ${k} and ${kb} of shapes [${a.shape}] and [${b.shape}] ` +
        `(transposeA=${transposeA}, transposeB=${transposeB}) must match`,
    );
  }
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const outBatch = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  return { outerA, outerB, outBatch, m, k, n };
}

/** The product's shape for simd/ops.ts, or null when its batches broadcast in a way matMul does not take. */
export function simdShape(d: MatMulDims, transA: boolean, transB: boolean): MatMulShape | null {
  const batch = tf.util.sizeFromShape(d.outBatch);
  const batchA = tf.util.sizeFromShape(d.outerA);
  const batchB = tf.util.sizeFromShape(d.outerB);
  const fits = (count: number) => count === 1 || count === batch;
  return fits(batchA) && fits(batchB) ? { batch, batchA, batchB, m: d.m, k: d.k, n: d.n, transA, transB } : null;
}

/** Flat batch index of `x` (batch shape `xShape`) that broadcasts to flat output batch `i`. */
function sourceBatch(i: number, outBatch: number[], xShape: number[]): number {
  const offset = outBatch.length - xShape.length;
  let index = 0;
  let stride = 1;
  let rest = i;
  for (let d = outBatch.length - 1; d >= 0; d--) {
    const coord = rest % outBatch[d]!;
    rest = Math.floor(rest / outBatch[d]!);
    const xd = d - offset;
    if (xd >= 0) {
      if (xShape[xd] !== 1) index += coord * stride;
      stride *= xShape[xd]!;
    }
  }
  return index;
}

/** x's matrices (each `size` floats) repeated as the output batch `outBatch` reads them. */
function expandBatch(x: Float32Array, xBatch: number[], outBatch: number[], size: number): Float32Array {
  const batch = tf.util.sizeFromShape(outBatch);
  const out = new Float32Array(batch * size);
  for (let i = 0; i < batch; i++) {
    const from = sourceBatch(i, outBatch, xBatch) * size;
    out.set(x.subarray(from, from + size), i * size);
  }
  return out;
}

/** out (..., m, n) = a @ b with any batch broadcasting tfjs allows. */
export function batchMatMul(mod: SimdModule, d: MatMulDims, transA: boolean, transB: boolean, a: Float32Array, b: Float32Array, out: Float32Array): void {
  const shape = simdShape(d, transA, transB);
  if (shape != null) return matMul(mod, shape, a, b, out);
  const batch = tf.util.sizeFromShape(d.outBatch);
  const ea = expandBatch(a, d.outerA, d.outBatch, d.m * d.k);
  const eb = expandBatch(b, d.outerB, d.outBatch, d.k * d.n);
  matMul(mod, { batch, batchA: batch, batchB: batch, m: d.m, k: d.k, n: d.n, transA, transB }, ea, eb, out);
}

export function threadedBatchMatMul(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: Info; b: Info };
    const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
    const wasm = args.backend as WasmBackend;
    const mod = simdModule();
    if (mod == null || a.dtype !== 'float32' || b.dtype !== 'float32') return original(args);
    const d = dims(a, b, transposeA, transposeB);
    const out = alloc(wasm, [...d.outBatch, d.m, d.n]);
    batchMatMul(mod, d, transposeA, transposeB, heapF32(wasm, a), heapF32(wasm, b), heapF32(wasm, out));
    return out;
  };
}
