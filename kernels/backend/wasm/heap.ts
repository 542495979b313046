/**
 * Working on the wasm backend's heap from JavaScript kernels.
 *
 * Rules (measured, see shared/reference/compute.md): every `makeOutput` may grow the wasm heap and
 * detach typed-array views taken before it, so a kernel allocates first and takes views after its
 * last allocation (or takes them again). Intermediates made here are not tracked by the engine: a
 * kernel frees each one with `free` before it returns.
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

/** Release intermediates made by `alloc` or by calling another kernel directly. */
export function free(backend: WasmBackend, ...infos: Info[]): void {
  for (const t of infos) backend.disposeData(t.dataId);
}

/** The same data seen with another shape (no copy, no reference taken: never free or return it). */
export function alias(t: Info, shape: number[]): Info {
  return { dataId: t.dataId, shape, dtype: t.dtype };
}

/** Call a kernel's function directly on heap tensors, bypassing the engine (no tape, no tracking). */
export function callKernel(
  kernel: tf.KernelFunc,
  backend: WasmBackend,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap = {},
): Info {
  return kernel({ inputs, backend, attrs }) as Info;
}

/** The wasm backend's own kernel function for `name`, as registered now. */
export function wasmKernel(name: string): tf.KernelFunc {
  const config = tf.getKernel(name, 'wasm');
  if (config == null) throw new Error(`wasm backend: kernel ${name} is not registered`);
  return config.kernelFunc;
}

/** Swap the last two axes (a fresh tensor): `(..., r, c)` -> `(..., c, r)`. */
export function transposeLast2(backend: WasmBackend, x: Info): Info {
  const rank = x.shape.length;
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return callKernel(wasmKernel('Transpose'), backend, { x }, { perm });
}
