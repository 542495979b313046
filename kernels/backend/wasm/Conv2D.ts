/**
 * Conv2D and FusedConv2D (conv2d + bias + activation) for the wasm backend, on conv.wasm's threads
 * (simd/): the backend's own kernels are XNNPACK on one thread. NHWC float32 only; other layouts, dtypes
 * and the prelu activation go to the backend's kernel.
 */
import * as tf from '../../tf.ts';
import { applyEpilogue, epilogueSupported } from './epilogue.ts';
import { alloc, heapF32, type Info, type WasmBackend } from './heap.ts';
import { simdModule } from './simd/module.ts';
import { conv2d } from './simd/ops.ts';

type ConvAttrs = tf.Conv2DAttrs & Partial<tf.FusedConv2DAttrs>;

function convInfo(x: Info, filter: Info, a: ConvAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    a.strides,
    a.dilations,
    a.pad,
    a.dimRoundingMode,
    false,
    'channelsLast',
  );
}

export function threadedConv2D(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x, filter, bias } = args.inputs as { x: Info; filter: Info; bias?: Info };
    const a = args.attrs as unknown as ConvAttrs;
    const wasm = args.backend as WasmBackend;
    const mod = simdModule();
    const co = filter.shape[3]!;
    if (mod == null || a.dataFormat === 'NCHW' || x.dtype !== 'float32' || filter.dtype !== 'float32' || x.shape.length !== 4) return original(args);
    if (!epilogueSupported(a.activation, bias?.shape ?? null, co) || args.inputs.preluActivationWeights != null) return original(args);
    const info = convInfo(x, filter, a);
    const out = alloc(wasm, info.outShape);
    const y = heapF32(wasm, out);
    conv2d(mod, info, heapF32(wasm, x), heapF32(wasm, filter), y);
    if (bias != null || (a.activation != null && a.activation !== 'linear')) {
      applyEpilogue(y, co, { bias: bias == null ? null : heapF32(wasm, bias), activation: a.activation, leakyreluAlpha: a.leakyreluAlpha });
    }
    return out;
  };
}
