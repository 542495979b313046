/**
 * DepthwiseConv2dNativeBackpropFilter (the filter gradient of depthwiseConv2d and of the depthwise
 * half of separableConv2d) for the wasm backend, which lacks it.
 *
 * dW[fh, fw, c, m] = sum over (n, oh, ow) of
 *   x[n, oh*sh + fh*dh - top, ow*sw + fw*dw - left, c] * dy[n, oh, ow, c*mult + m]
 * (tfjs-backend-cpu's depthwiseConv2dNativeBackpropFilter, plus dilations). Each channel is its own
 * small product, which no matmul shape fits, so this is a direct loop over the wasm heap with the
 * channel axis innermost (contiguous in x, dy and dW); sums are kept in float64 as the cpu backend does.
 */
import * as tf from '../../tf.ts';
import { convGeometry } from './conv_info.ts';
import { alloc, heapF32, type Info, type WasmBackend } from './heap.ts';

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
  const { batchSize: nb, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw } = info;
  const mult = info.outChannels / ci;
  const co = info.outChannels;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const acc = new Float64Array(fh * fw * co); // (fh, fw, ci * mult)

  const out = alloc(wasm, [fh, fw, ci, mult]);
  const xs = heapF32(wasm, x);
  const dys = heapF32(wasm, dy);
  for (let n = 0; n < nb; n++) {
    for (let y = 0; y < oh; y++) {
      for (let xo = 0; xo < ow; xo++) {
        const dyBase = ((n * oh + y) * ow + xo) * co;
        for (let i = 0; i < fh; i++) {
          const iy = y * sh + i * dh - top;
          if (iy < 0 || iy >= h) continue;
          for (let j = 0; j < fw; j++) {
            const ix = xo * sw + j * dw - left;
            if (ix < 0 || ix >= w) continue;
            const xBase = ((n * h + iy) * w + ix) * ci;
            const accBase = (i * fw + j) * co;
            if (mult === 1) {
              for (let c = 0; c < ci; c++) acc[accBase + c] += xs[xBase + c] * dys[dyBase + c];
            } else {
              for (let c = 0; c < ci; c++) {
                const xv = xs[xBase + c];
                for (let m = 0; m < mult; m++) acc[accBase + c * mult + m] += xv * dys[dyBase + c * mult + m];
              }
            }
          }
        }
      }
    }
  }
  heapF32(wasm, out).set(acc);
  return out;
};
