/**
 * DepthwiseConv2dNative for the wasm backend, on conv.wasm's threads (simd/conv.c), where the backend's
 * own kernel is XNNPACK on one thread. NHWC float32 only; anything else goes to the backend's kernel.
 */
import * as tf from '../../tf.ts';
import { alloc, heapF32, type Info, type WasmBackend } from './heap.ts';
import { simdModule } from './simd/module.ts';
import { depthwiseConv2d } from './simd/ops.ts';

export function threadedDepthwiseConv2dNative(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x, filter } = args.inputs as { x: Info; filter: Info };
    const a = args.attrs as unknown as tf.DepthwiseConv2dNativeAttrs;
    const wasm = args.backend as WasmBackend;
    const mod = simdModule();
    if (mod == null || a.dataFormat === 'NCHW' || x.dtype !== 'float32' || filter.dtype !== 'float32' || x.shape.length !== 4) return original(args);
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      a.strides,
      a.dilations ?? 1, // separableConv2d passes none
      a.pad,
      a.dimRoundingMode,
      true,
      'channelsLast',
    );
    const out = alloc(wasm, info.outShape);
    depthwiseConv2d(mod, info, heapF32(wasm, x), heapF32(wasm, filter), heapF32(wasm, out));
    return out;
  };
}
