/**
 * Conv2DBackpropInput (the input gradient of conv2d / conv1d) for the wasm backend, as a forward
 * convolution on XNNPACK instead of the backend's scalar C++ loop (in the convnet of
 * bench/backend.bench.ts that loop was the largest kernel of a training step).
 *
 * The input gradient of a convolution is the convolution of the stride-dilated gradient with the
 * spatially flipped filter whose channel axes are swapped (the transposed convolution):
 *   dx = conv2d(dilate(dy, strides), W'), W'[i, j, co, ci] = W[fh-1-i, fw-1-j, ci, co],
 * with padding fh-1-top above and whatever restores the input height below (likewise for width).
 * Layouts other than NHWC, and explicit paddings so large that the restoring padding would be
 * negative, go to the backend's own kernel.
 */
import * as tf from '../../tf.ts';
import { alloc, callKernel, free, heapF32, wasmKernel, zeros, type Info, type WasmBackend } from './heap.ts';

/** W (fh, fw, ci, co) -> W' (fh, fw, co, ci), flipped in both spatial axes. */
function flippedTransposedFilter(backend: WasmBackend, filter: Info): Info {
  const [fh, fw, ci, co] = filter.shape as [number, number, number, number];
  const out = alloc(backend, [fh, fw, co, ci]);
  const w = heapF32(backend, filter);
  const o = heapF32(backend, out);
  for (let i = 0; i < fh; i++) {
    for (let j = 0; j < fw; j++) {
      const src = ((fh - 1 - i) * fw + (fw - 1 - j)) * ci * co;
      const dst = (i * fw + j) * co * ci;
      for (let c = 0; c < ci; c++) for (let k = 0; k < co; k++) o[dst + k * ci + c] = w[src + c * co + k];
    }
  }
  return out;
}

/** dy (n, oh, ow, c) spread onto a zero grid (n, (oh-1)*sh+1, (ow-1)*sw+1, c). */
function dilate(backend: WasmBackend, dy: Info, sh: number, sw: number): Info {
  const [n, oh, ow, c] = dy.shape as [number, number, number, number];
  const dh = (oh - 1) * sh + 1;
  const dw = (ow - 1) * sw + 1;
  const out = zeros(backend, [n, dh, dw, c]);
  const src = heapF32(backend, dy);
  const dst = heapF32(backend, out);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        const s = ((b * oh + y) * ow + x) * c;
        dst.set(src.subarray(s, s + c), ((b * dh + y * sh) * dw + x * sw) * c);
      }
    }
  }
  return out;
}

export function fastConv2DBackpropInput(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { dy, filter } = args.inputs as { dy: Info; filter: Info };
    const a = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
    const wasm = args.backend as WasmBackend;
    if (a.dataFormat === 'NCHW' || dy.dtype !== 'float32' || filter.dtype !== 'float32') return original(args);
    const info = tf.backend_util.computeConv2DInfo(
      a.inputShape,
      filter.shape as [number, number, number, number],
      a.strides,
      1,
      a.pad,
      a.dimRoundingMode,
      false,
      'channelsLast',
    );
    const { inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, filterHeight: fh, filterWidth: fw } = info;
    const { strideHeight: sh, strideWidth: sw } = info;
    const top = fh - 1 - info.padInfo.top;
    const left = fw - 1 - info.padInfo.left;
    const bottom = h + fh - 1 - ((oh - 1) * sh + 1) - top;
    const right = w + fw - 1 - ((ow - 1) * sw + 1) - left;
    if (top < 0 || left < 0 || bottom < 0 || right < 0) return original(args);

    const grid = sh === 1 && sw === 1 ? dy : dilate(wasm, dy, sh, sw);
    const flipped = flippedTransposedFilter(wasm, filter);
    try {
      return callKernel(
        wasmKernel('Conv2D'),
        wasm,
        { x: grid, filter: flipped },
        {
          strides: 1,
          dilations: 1,
          pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
          dataFormat: 'NHWC',
        } as unknown as tf.NamedAttrMap,
      );
    } finally {
      free(wasm, flipped);
      if (grid !== dy) free(wasm, grid);
    }
  };
}
