/**
 * _FusedMatMul (matmul + bias + activation, what tfjs-layers' Dense runs forward) for the wasm
 * backend, routed through its XNNPACK case like BatchMatMul.ts: transposed operands are transposed
 * explicitly, and a batched `a` against an unbatched `b` is folded into one (batch * m, k) product.
 * Batched `b` stays on the backend's kernel (its bias and PReLU handling are per output batch).
 */
import * as tf from '../../tf.ts';
import { dims } from './BatchMatMul.ts';
import { alias, callKernel, free, transposeLast2, type Info, type WasmBackend } from './heap.ts';

export function fastFusedMatMul(original: tf.KernelFunc): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { a, b, bias, preluActivationWeights } = inputs as Record<string, Info | undefined> & { a: Info; b: Info };
    const fusedAttrs = attrs as unknown as tf._FusedMatMulAttrs;
    const wasm = backend as WasmBackend;
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return original({ inputs, backend, attrs });
    const { transposeA, transposeB } = fusedAttrs;
    const d = dims(a, b, transposeA, transposeB);
    const batchA = tf.util.sizeFromShape(d.outerA);
    const batchB = tf.util.sizeFromShape(d.outerB);
    // Folding the batch into rows keeps the bias (broadcast along n) right; PReLU weights of higher
    // rank would broadcast differently against the folded shape.
    const fold = batchB === 1 && batchA > 1 && (preluActivationWeights == null || preluActivationWeights.shape.length <= 1);
    const at = transposeA ? transposeLast2(wasm, a) : a;
    const bt = transposeB ? transposeLast2(wasm, b) : b;
    try {
      const ops: tf.NamedTensorInfoMap = {
        a: fold ? alias(at, [1, batchA * d.m, d.k]) : at,
        b: fold ? alias(bt, [1, d.k, d.n]) : bt,
      };
      if (bias != null) ops.bias = bias;
      if (preluActivationWeights != null) ops.preluActivationWeights = preluActivationWeights;
      const out = callKernel(original, wasm, ops, { ...fusedAttrs, transposeA: false, transposeB: false });
      out.shape = [...d.outBatch, d.m, d.n];
      return out;
    } finally {
      if (transposeA) free(wasm, at);
      if (transposeB) free(wasm, bt);
    }
  };
}
