/**
 * BatchMatMul for the wasm backend, routed through its one fast case.
 *
 * The backend's C++ kernel (tfjs-backend-wasm/src/cc/batch_mat_mul_impl.cc) uses XNNPACK only when
 * neither operand is transposed and both batch sizes are 1; every other case runs a scalar blocked
 * loop that is 10-70x slower (1024^3: 111 ms untransposed, 1.6 s with B transposed, 5.4 s with A
 * transposed; 8 x 256^3 untransposed: 0.3 s). Backprop through a matmul always asks for the
 * transposed products, so training spent its time there.
 *
 * This kernel turns every case into XNNPACK calls with batch 1:
 * - a transposed operand is transposed explicitly first (the wasm Transpose kernel);
 * - when `b` has no batch (or is broadcast), the batch of `a` is folded into its rows:
 *   (batch, m, k) @ (k, n) is one (batch * m, k) @ (k, n) product;
 * - otherwise each output batch is one product on copies of its slices. XNNPACK caches the packed
 *   right operand under the tensor's id, so each slice of `b` gets a fresh tensor (reusing one would
 *   hit the cache with stale weights). Tiny per-batch products stay on the original kernel, where
 *   the per-call overhead would dominate.
 */
import * as tf from '../../tf.ts';
import { alias, alloc, callKernel, free, heapF32, transposeLast2, type Info, type WasmBackend } from './heap.ts';

/** Below this many multiply-adds per batch entry, the original kernel's loop beats per-slice calls. */
const PER_BATCH_MIN_MACS = 32 * 32 * 16;

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

/** Flat batch index of `x` (batch shape `xShape`) that broadcasts to flat output batch `i`. */
function sourceBatch(i: number, outBatch: number[], xShape: number[]): number {
  const offset = outBatch.length - xShape.length;
  let index = 0;
  let stride = 1;
  let rest = i;
  for (let d = outBatch.length - 1; d >= 0; d--) {
    const coord = rest % outBatch[d];
    rest = Math.floor(rest / outBatch[d]);
    const xd = d - offset;
    if (xd >= 0) {
      if (xShape[xd] !== 1) index += coord * stride;
      stride *= xShape[xd];
    }
  }
  return index;
}

/**
 * The product of untransposed `a` (..., m, k) and `b` (..., k, n) through batch-1 XNNPACK calls.
 * `original` is the backend's own BatchMatMul kernel.
 */
export function untransposedProduct(
  original: tf.KernelFunc,
  backend: WasmBackend,
  a: Info,
  b: Info,
  d: MatMulDims,
): Info {
  const { m, k, n, outBatch } = d;
  const batchA = tf.util.sizeFromShape(d.outerA);
  const batchB = tf.util.sizeFromShape(d.outerB);
  const batch = tf.util.sizeFromShape(outBatch);
  const attrs = { transposeA: false, transposeB: false };
  if (batchB === 1) {
    // (batchA * m, k) @ (k, n): one call; the layout of the result is already (..., m, n).
    const out = callKernel(original, backend, { a: alias(a, [1, batchA * m, k]), b: alias(b, [1, k, n]) }, attrs);
    out.shape = [...outBatch, m, n];
    return out;
  }
  if (m * k * n < PER_BATCH_MIN_MACS) {
    const out = callKernel(original, backend, { a, b }, attrs);
    out.shape = [...outBatch, m, n];
    return out;
  }
  const out = alloc(backend, [...outBatch, m, n]);
  const sliceA = alloc(backend, [1, m, k]);
  for (let i = 0; i < batch; i++) {
    const ia = sourceBatch(i, outBatch, d.outerA);
    const ib = sourceBatch(i, outBatch, d.outerB);
    const sliceB = alloc(backend, [1, k, n]);
    heapF32(backend, sliceA).set(heapF32(backend, a).subarray(ia * m * k, (ia + 1) * m * k));
    heapF32(backend, sliceB).set(heapF32(backend, b).subarray(ib * k * n, (ib + 1) * k * n));
    const prod = callKernel(original, backend, { a: sliceA, b: sliceB }, attrs); // (1, m, n)
    heapF32(backend, out).set(heapF32(backend, prod), i * m * n);
    free(backend, prod, sliceB);
  }
  free(backend, sliceA);
  return out;
}

/** Wrap the backend's BatchMatMul kernel so that every call takes the XNNPACK path. */
export function fastBatchMatMul(original: tf.KernelFunc): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { a, b } = inputs as { a: Info; b: Info };
    const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
    const wasm = backend as WasmBackend;
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return original({ inputs, backend, attrs });
    const d = dims(a, b, transposeA, transposeB);
    const at = transposeA ? transposeLast2(wasm, a) : a;
    const bt = transposeB ? transposeLast2(wasm, b) : b;
    try {
      return untransposedProduct(original, wasm, at, bt, d);
    } finally {
      if (transposeA) free(wasm, at);
      if (transposeB) free(wasm, bt);
    }
  };
}
