/**
 * UnsortedSegmentSum (the gradient of gather, hence of every embedding lookup) for the wasm backend,
 * which lacks it.
 *
 * out[s, ...] = sum of x[i, ...] over the positions i whose segment id is s (tf.unsortedSegmentSum);
 * ids outside [0, numSegments) contribute nothing, as in TensorFlow. One pass over x, adding each
 * row into its segment's row, instead of the cpu backend's mask-and-sum per segment.
 */
import * as tf from '../../tf.ts';
import { heapI32, zeros, type Info, type WasmBackend } from './heap.ts';

export const unsortedSegmentSum: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, segmentIds } = inputs as { x: Info; segmentIds: Info };
  const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
  const wasm = backend as WasmBackend;
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new Error(`UnsortedSegmentSum on the wasm backend supports float32 and int32 x, got ${x.dtype}`);
  }
  if (segmentIds.dtype !== 'int32') {
    throw new Error(`UnsortedSegmentSum: segmentIds must be int32, got ${segmentIds.dtype}`);
  }
  const rows = tf.util.sizeFromShape(segmentIds.shape);
  const inner = rows === 0 ? 0 : tf.util.sizeFromShape(x.shape) / rows; // (rows, inner)
  const out = zeros(wasm, [numSegments, ...x.shape.slice(segmentIds.shape.length)], x.dtype);
  const outs = wasm.typedArrayFromHeap(out) as Float32Array | Int32Array;
  const xs = wasm.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const ids = heapI32(wasm, segmentIds);
  for (let i = 0; i < rows; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const src = i * inner;
    const dst = s * inner;
    for (let k = 0; k < inner; k++) outs[dst + k] += xs[src + k];
  }
  return out;
};
