/**
 * Conv2DBackpropFilter (the filter gradient of conv2d / conv1d) for the wasm backend, which lacks it:
 * dW[fh, fw, ci, co] = sum over (n, oh, ow) of x[n, oh*sh + fh - top, ow*sw + fw - left, ci] * dy[n, oh, ow, co]
 * (the same sum as tfjs-backend-cpu's conv2DBackpropFilter), on conv.wasm's threads (simd/ops.ts: the
 * transposed patch matrix times dy, each thread a range of dW's rows, the sum over pixels in a fixed
 * order). bench/backend.bench.ts measures it against im2col in JS + XNNPACK's matmul, which it replaced.
 */
import * as tf from '../../tf.ts';
import { convGeometry } from './conv_info.ts';
import { alloc, heapF32, type Info, type WasmBackend } from './heap.ts';
import { requireSimdModule } from './simd/module.ts';
import { conv2dBackpropFilter } from './simd/ops.ts';

export const threadedConv2DBackpropFilter: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: Info; dy: Info };
  const a = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const wasm = backend as WasmBackend;
  const info = convGeometry({
    kernel: 'Conv2DBackpropFilter',
    xShape: x.shape,
    filterShape: a.filterShape,
    strides: a.strides,
    dilations: 1,
    pad: a.pad,
    dimRoundingMode: a.dimRoundingMode,
    depthwise: false,
    dataFormat: a.dataFormat,
  });
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') {
    throw new Error(`Conv2DBackpropFilter on the wasm backend takes float32 x and dy, got ${x.dtype} and ${dy.dtype}`);
  }
  const out = alloc(wasm, [info.filterHeight, info.filterWidth, info.inChannels, info.outChannels]);
  conv2dBackpropFilter(requireSimdModule('Conv2DBackpropFilter'), info, heapF32(wasm, x), heapF32(wasm, dy), heapF32(wasm, out));
  return out;
};

