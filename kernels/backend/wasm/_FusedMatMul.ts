/**
 * _FusedMatMul (matmul + bias + activation, what tfjs-layers' Dense runs forward) for the wasm backend:
 * the product on conv.wasm's threads as in BatchMatMul.ts, then the bias and activation (epilogue.ts).
 * Biases that are not per output column, prelu and non-float32 dtypes go to the backend's kernel.
 */
import * as tf from '../../tf.ts';
import { batchMatMul, dims } from './BatchMatMul.ts';
import { applyEpilogue, epilogueSupported } from './epilogue.ts';
import { alloc, heapF32, type Info, type WasmBackend } from './heap.ts';
import { simdModule } from './simd/module.ts';

export function threadedFusedMatMul(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, Info | undefined> & { a: Info; b: Info };
    const fused = args.attrs as unknown as tf._FusedMatMulAttrs;
    const wasm = args.backend as WasmBackend;
    const mod = simdModule();
    if (mod == null || a.dtype !== 'float32' || b.dtype !== 'float32' || preluActivationWeights != null) return original(args);
    const d = dims(a, b, fused.transposeA, fused.transposeB);
    if (!epilogueSupported(fused.activation, bias?.shape ?? null, d.n) || (bias != null && bias.dtype !== 'float32')) return original(args);
    const out = alloc(wasm, [...d.outBatch, d.m, d.n]);
    const c = heapF32(wasm, out);
    batchMatMul(mod, d, fused.transposeA, fused.transposeB, heapF32(wasm, a), heapF32(wasm, b), c);
    applyEpilogue(c, d.n, { bias: bias == null ? null : heapF32(wasm, bias), activation: fused.activation, leakyreluAlpha: fused.leakyreluAlpha });
    return out;
  };
}
