/**
 * DepthwiseConv2dNativeBackpropInput (the input gradient of depthwiseConv2d and separableConv2d)
 * for the wasm backend, which lacks it.
 *
 * dx[n, iy, ix, c] = sum over (fh, fw, m) with iy = oh*sh + fh*dh - top, ix = ow*sw + fw*dw - left of
 *   dy[n, oh, ow, c*mult + m] * W[fh, fw, c, m]
 * (tfjs-backend-cpu's depthwiseConv2dNativeBackpropInput, plus dilations), computed by scattering
 * each output position back onto the input positions it read, with the channel axis innermost.
 */
import * as tf from '../../tf.ts';
import { convGeometry } from './conv_info.ts';
import { heapF32, zeros, type Info, type WasmBackend } from './heap.ts';

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
  const { batchSize: nb, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw } = info;
  const co = info.outChannels;
  const mult = co / ci;
  const top = info.padInfo.top;
  const left = info.padInfo.left;

  const dx = zeros(wasm, [nb, h, w, ci]);
  const dxs = heapF32(wasm, dx);
  const dys = heapF32(wasm, dy);
  const ws = heapF32(wasm, filter); // (fh, fw, ci, mult)
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
            const dxBase = ((n * h + iy) * w + ix) * ci;
            const wBase = (i * fw + j) * co;
            if (mult === 1) {
              for (let c = 0; c < ci; c++) dxs[dxBase + c] += dys[dyBase + c] * ws[wBase + c];
            } else {
              for (let c = 0; c < ci; c++) {
                let s = 0;
                for (let m = 0; m < mult; m++) s += dys[dyBase + c * mult + m] * ws[wBase + c * mult + m];
                dxs[dxBase + c] += s;
              }
            }
          }
        }
      }
    }
  }
  return dx;
};
