/**
 * DepthwiseConv2dNativeBackpropInput (the input gradient of depthwiseConv2d and separableConv2d)
 * for the wasm backend, which lacks it:
 * dx[n, iy, ix, c] = sum over (fh, fw, m) with iy = oh*sh + fh*dh - top, ix = ow*sw + fw*dw - left of
 *   dy[n, oh, ow, c*mult + m] * W[fh, fw, c, m]
 * (tfjs-backend-cpu's depthwiseConv2dNativeBackpropInput, plus dilations), on conv.wasm's threads:
 * each input pixel gathers the output pixels its taps reached (simd/conv.c), channels innermost.
 */
import * as tf from '../../tf.ts';
import { convGeometry } from './conv_info.ts';
import { alloc, heapF32, type Info, type WasmBackend } from './heap.ts';
import { requireSimdModule } from './simd/module.ts';
import { depthwiseBackpropInput } from './simd/ops.ts';

export const depthwiseConv2dNativeBackpropInput: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: Info; filter: Info };
  const a = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  const wasm = backend as WasmBackend;
  const info = convGeometry({
    kernel: 'DepthwiseConv2dNativeBackpropInput',
    xShape: a.inputShape,
    filterShape: filter.shape,
    strides: a.strides,
    dilations: a.dilations,
    pad: a.pad,
    dimRoundingMode: a.dimRoundingMode,
    depthwise: true,
  });
  const out = alloc(wasm, a.inputShape);
  depthwiseBackpropInput(requireSimdModule('DepthwiseConv2dNativeBackpropInput'), info, heapF32(wasm, dy), heapF32(wasm, filter), heapF32(wasm, out));
  return out;
};
