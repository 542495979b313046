/**
 * Sum over leading axes (x (rows, ...rest) -> (...rest)) for the wasm backend: what the gradient of a
 * bias added to a (b, h, w, c) activation asks for. The backend's kernel transposes the reduced axes
 * to the end first (a full copy) and then sums rows; here each output column is summed over the rows
 * in order, in float64 as the cpu backend does (simd/conv.c column_sums, the columns split over the
 * threads). Other axes and dtypes go to the backend's kernel.
 */
import * as tf from '../../tf.ts';
import { alloc, heapF32, type Info, type WasmBackend } from './heap.ts';
import { simdModule } from './simd/module.ts';
import { columnSums } from './simd/ops.ts';

/** The number of leading axes `axis` names, or null when it names anything else (or every axis). */
export function leadingAxes(axis: number | number[], rank: number): number | null {
  const axes = [...new Set(tf.util.parseAxisParam(axis, new Array(rank).fill(1)))].sort((a, b) => a - b);
  return axes.length < rank && axes.every((a, i) => a === i) ? axes.length : null;
}

export function fastSum(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: Info };
    const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
    const lead = x.dtype === 'float32' ? leadingAxes(axis, x.shape.length) : null;
    const mod = simdModule();
    if (mod == null || lead == null || lead === 0) return original(args);
    const wasm = args.backend as WasmBackend;
    const rest = x.shape.slice(lead);
    const out = alloc(wasm, keepDims ? [...new Array(lead).fill(1), ...rest] : rest);
    const n = tf.util.sizeFromShape(rest);
    const rows = tf.util.sizeFromShape(x.shape.slice(0, lead));
    columnSums(mod, rows, n, heapF32(wasm, x), heapF32(wasm, out));
    return out;
  };
}
