/**
 * DepthwiseConv2dNativeBackpropFilter (the filter gradient of depthwiseConv2d and of the depthwise
 * half of separableConv2d) for the wasm backend, which lacks it:
 * dW[fh, fw, c, m] = sum over (n, oh, ow) of
 *   x[n, oh*sh + fh*dh - top, ow*sw + fw*dw - left, c] * dy[n, oh, ow, c*mult + m]
 * (tfjs-backend-cpu's depthwiseConv2dNativeBackpropFilter, plus dilations), on conv.wasm's threads:
 * each thread a range of output channels, summed over the pixels in order (simd/conv.c).
 */
import * as tf from '../../tf.ts';
import { convGeometry } from './conv_info.ts';
import { alloc, heapF32, type Info, type WasmBackend } from './heap.ts';
import { requireSimdModule } from './simd/module.ts';
import { depthwiseBackpropFilter } from './simd/ops.ts';

export const depthwiseConv2dNativeBackpropFilter: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: Info; dy: Info };
  const a = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  const wasm = backend as WasmBackend;
  const info = convGeometry({
    kernel: 'DepthwiseConv2dNativeBackpropFilter',
    xShape: x.shape,
    filterShape: a.filterShape,
    strides: a.strides,
    dilations: a.dilations,
    pad: a.pad,
    dimRoundingMode: a.dimRoundingMode,
    depthwise: true,
  });
  const out = alloc(wasm, a.filterShape);
  depthwiseBackpropFilter(requireSimdModule('DepthwiseConv2dNativeBackpropFilter'), info, heapF32(wasm, x), heapF32(wasm, dy), heapF32(wasm, out));
  return out;
};
