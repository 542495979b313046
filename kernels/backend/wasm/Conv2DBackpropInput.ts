/**
 * Conv2DBackpropInput (the input gradient of conv2d / conv1d) for the wasm backend, on conv.wasm's
 * threads (simd/ops.ts: each input pixel gathers the output-gradient pixels its filter taps reached in
 * the forward pass, times the filter with its channel axes swapped). The backend's own kernel is a
 * scalar C++ loop (in the convnet of bench/backend.bench.ts it was the largest kernel of a training
 * step); it still takes NCHW layouts and other dtypes.
 */
import * as tf from '../../tf.ts';
import { alloc, heapF32, type Info, type WasmBackend } from './heap.ts';
import { simdModule } from './simd/module.ts';
import { conv2dBackpropInput } from './simd/ops.ts';

export function threadedConv2DBackpropInput(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { dy, filter } = args.inputs as { dy: Info; filter: Info };
    const a = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
    const wasm = args.backend as WasmBackend;
    const mod = simdModule();
    if (mod == null || a.dataFormat === 'NCHW' || dy.dtype !== 'float32' || filter.dtype !== 'float32') return original(args);
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
    const out = alloc(wasm, a.inputShape);
    conv2dBackpropInput(mod, info, heapF32(wasm, dy), heapF32(wasm, filter), heapF32(wasm, out));
    return out;
  };
}
