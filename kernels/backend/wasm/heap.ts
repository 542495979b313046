/**
 * Working on the wasm backend's heap from JavaScript kernels.
 *
 * Rules (measured): every `makeOutput` may grow the wasm heap and
 * detach typed-array views taken before it, so a kernel allocates first and takes views after its
 * last allocation (or takes them again).
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '../../tf.ts';

export type WasmBackend = BackendWasm;
export type Info = tf.TensorInfo;

/** A fresh tensor on the wasm heap (contents undefined). */
export function alloc(backend: WasmBackend, shape: number[], dtype: tf.DataType = 'float32'): Info {
  return backend.makeOutput(shape, dtype);
}

/** A zero-filled fresh tensor. */
export function zeros(backend: WasmBackend, shape: number[], dtype: tf.DataType = 'float32'): Info {
  const out = alloc(backend, shape, dtype);
  heapF32(backend, out).fill(0);
  return out;
}

/** Float32 view of a tensor's heap memory; valid until the next allocation. */
export function heapF32(backend: WasmBackend, t: Info): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/** Int32 view of a tensor's heap memory; valid until the next allocation. */
export function heapI32(backend: WasmBackend, t: Info): Int32Array {
  return backend.typedArrayFromHeap(t) as Int32Array;
}
