/**
 * MaxPoolGrad (the gradient of 2-D max pooling) for the wasm backend, replacing its C++ kernel, which
 * was the second-largest kernel of the convnet training step in bench/backend.bench.ts.
 *
 * Each output position passes its gradient to the first maximum of its window in row-major order
 * (strictly greater wins), as tfjs-backend-cpu's maxPoolPositions / maxPoolGrad decide; a window
 * with no value above -Infinity passes nothing. One pass over the windows with the channel axis
 * innermost, keeping the running maximum of every channel at once.
 */
import * as tf from '../../tf.ts';
import { heapF32, zeros, type Info, type WasmBackend } from './heap.ts';

export function fastMaxPoolGrad(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { dy, input } = args.inputs as { dy: Info; input: Info };
    const a = args.attrs as unknown as tf.MaxPoolGradAttrs;
    const wasm = args.backend as WasmBackend;
    if (input.dtype !== 'float32' || dy.dtype !== 'float32') return original(args);
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      a.filterSize,
      a.strides,
      1,
      a.pad,
      a.dimRoundingMode,
    );
    const { batchSize: nb, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
    const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    const best = new Float32Array(c);
    const at = new Int32Array(c);

    const dx = zeros(wasm, [nb, h, w, c]);
    const dxs = heapF32(wasm, dx);
    const xs = heapF32(wasm, input);
    const dys = heapF32(wasm, dy);
    for (let n = 0; n < nb; n++) {
      for (let y = 0; y < oh; y++) {
        const r0 = Math.max(0, y * sh - top);
        const r1 = Math.min(h, y * sh - top + fh);
        for (let x = 0; x < ow; x++) {
          const c0 = Math.max(0, x * sw - left);
          const c1 = Math.min(w, x * sw - left + fw);
          best.fill(-Infinity);
          at.fill(-1);
          for (let r = r0; r < r1; r++) {
            for (let col = c0; col < c1; col++) {
              const base = ((n * h + r) * w + col) * c;
              for (let k = 0; k < c; k++) {
                const v = xs[base + k];
                if (v > best[k]) {
                  best[k] = v;
                  at[k] = base + k;
                }
              }
            }
          }
          const dyBase = ((n * oh + y) * ow + x) * c;
          for (let k = 0; k < c; k++) if (at[k] >= 0) dxs[at[k]] += dys[dyBase + k];
        }
      }
    }
    return dx;
  };
}
