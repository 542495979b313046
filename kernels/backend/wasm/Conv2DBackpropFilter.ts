/**
 * Conv2DBackpropFilter (the filter gradient of conv2d / conv1d) for the wasm backend, which lacks it.
 *
 * dW[fh, fw, ci, co] = sum over (n, oh, ow) of x[n, oh*sh + fh - top, ow*sw + fw - left, ci] * dy[n, oh, ow, co]
 * (the same sum as tfjs-backend-cpu's conv2DBackpropFilter), computed as one matrix product
 * colsT @ dy: colsT (fh*fw*ci, n*oh*ow) is the transposed im2col patch matrix, written here in JS,
 * and the product runs on the backend's XNNPACK matmul. Images are processed in chunks so that
 * colsT stays under CHUNK_FLOATS; the chunks' products are summed.
 * Chosen over a direct JS loop on the heap, which bench/backend.bench.ts measures beside it
 * ("conv2d 3x3 filter gradient": 7-14x slower).
 */
import * as tf from '../../tf.ts';
import { convGeometry } from './conv_info.ts';
import { alloc, callKernel, free, heapF32, type Info, type WasmBackend } from './heap.ts';

/** Largest patch matrix built at once (floats): 16M floats = 64 MB of wasm heap. */
const CHUNK_FLOATS = 16 * 1024 * 1024;

/** Write colsT (p, r) for images [n0, n0 + count): p = (fh, fw, ci), r = (n, oh, ow); zeros where padded. */
function im2colT(
  x: Float32Array,
  colsT: Float32Array,
  info: tf.backend_util.Conv2DInfo,
  n0: number,
  count: number,
): void {
  const { inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const r = count * oh * ow;
  for (let i = 0; i < fh; i++) {
    for (let j = 0; j < fw; j++) {
      for (let c = 0; c < ci; c++) {
        const row = ((i * fw + j) * ci + c) * r;
        let col = 0;
        for (let n = n0; n < n0 + count; n++) {
          for (let y = 0; y < oh; y++) {
            const iy = y * sh + i - top;
            if (iy < 0 || iy >= h) {
              colsT.fill(0, row + col, row + col + ow);
              col += ow;
              continue;
            }
            const xRow = (n * h + iy) * w;
            for (let xo = 0; xo < ow; xo++, col++) {
              const ix = xo * sw + j - left;
              colsT[row + col] = ix < 0 || ix >= w ? 0 : x[(xRow + ix) * ci + c];
            }
          }
        }
      }
    }
  }
}

/** `matMul`: the backend's own BatchMatMul; `chunkFloats`: the patch-matrix budget (tests shrink it). */
export function conv2DBackpropFilter({ matMul, chunkFloats = CHUNK_FLOATS }: { matMul: tf.KernelFunc; chunkFloats?: number }): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
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
    const { batchSize: nb, outHeight: oh, outWidth: ow, outChannels: co } = info;
    const p = info.filterHeight * info.filterWidth * info.inChannels;
    const perImage = p * oh * ow;
    const chunk = Math.max(1, Math.min(nb, Math.floor(chunkFloats / Math.max(1, perImage))));

    const dW = alloc(wasm, [info.filterHeight, info.filterWidth, info.inChannels, co]);
    if (perImage === 0 || co === 0) {
      heapF32(wasm, dW).fill(0);
      return dW;
    }
    const mm = { transposeA: false, transposeB: false };
    for (let n0 = 0; n0 < nb; n0 += chunk) {
      const count = Math.min(chunk, nb - n0);
      const r = count * oh * ow;
      const colsT = alloc(wasm, [1, p, r]);
      // A fresh copy of this chunk's dy rows, never an alias of dy: XNNPACK caches the packed right
      // operand under the tensor id, and dy's id may be cached elsewhere with another 2-D shape.
      const dyChunk = alloc(wasm, [1, r, co]);
      heapF32(wasm, dyChunk).set(heapF32(wasm, dy).subarray(n0 * oh * ow * co, (n0 + count) * oh * ow * co));
      im2colT(heapF32(wasm, x), heapF32(wasm, colsT), info, n0, count);
      const part = callKernel(matMul, wasm, { a: colsT, b: dyChunk }, mm); // (1, p, co)
      if (n0 === 0) {
        heapF32(wasm, dW).set(heapF32(wasm, part));
      } else {
        const acc = heapF32(wasm, dW);
        const add = heapF32(wasm, part);
        for (let i = 0; i < acc.length; i++) acc[i] += add[i];
      }
      free(wasm, part, colsT, dyChunk);
    }
    return dW;
  };
}
