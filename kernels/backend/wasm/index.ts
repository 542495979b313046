/**
 * The wasm backend's training kernels: the four it lacks (so conv, depthwise/separable conv and
 * embedding layers can train); convolutions and matmuls on worker threads (simd/: conv.wasm, the
 * same bits for any thread count), where the backend's own run on one thread, or as scalar loops
 * for backprop's transposed products and the conv2d input gradient; a one-pass max-pool gradient; and
 * sums over leading axes (bias gradients) without the backend's transpose.
 * Registered with tfjs-core's kernel registry for backendName 'wasm'.
 *
 * `registerWasmTrainingKernels()` is idempotent: each kernel function it installs carries a marker,
 * and a kernel that already carries it is left alone (also across duplicate module instances).
 * `unregisterWasmTrainingKernels()` restores the registry as it was (benchmarks compare the two).
 * A kernel the wasm package registers itself in a later version is kept, not replaced.
 */
import * as tf from '../../tf.ts';
import { threadedBatchMatMul } from './BatchMatMul.ts';
import { threadedConv2D } from './Conv2D.ts';
import { threadedConv2DBackpropFilter } from './Conv2DBackpropFilter.ts';
import { threadedConv2DBackpropInput } from './Conv2DBackpropInput.ts';
import { depthwiseConv2dNativeBackpropFilter } from './DepthwiseConv2dNativeBackpropFilter.ts';
import { depthwiseConv2dNativeBackpropInput } from './DepthwiseConv2dNativeBackpropInput.ts';
import { threadedDepthwiseConv2dNative } from './DepthwiseConv2dNative.ts';
import { threadedFusedMatMul } from './_FusedMatMul.ts';
import { fastMaxPoolGrad } from './MaxPoolGrad.ts';
import { fastSum } from './Sum.ts';
import { unsortedSegmentSum } from './UnsortedSegmentSum.ts';

const BACKEND = 'wasm';
const MARK = Symbol.for('mamba-report/kernels/backend/wasm');

/** Kernels this module adds because the wasm backend has none. */
export const ADDED_KERNELS = [
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'UnsortedSegmentSum',
] as const;
/** Kernels of the wasm backend this module replaces with faster ones (each falls back to the original). */
export const WRAPPED_KERNELS = ['BatchMatMul', '_FusedMatMul', 'Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'DepthwiseConv2dNative', 'MaxPoolGrad', 'Sum'] as const;

type Marked = tf.KernelFunc & { [MARK]?: true };

/**
 * What each installed kernel replaced (undefined: nothing was registered), to undo it. Kept beside
 * the kernel registry (which is global too), so a second instance of this module sees it.
 */
const replaced = ((globalThis as Record<symbol, unknown>)[Symbol.for('mamba-report/kernels/backend/wasm/replaced')] ??=
  new Map()) as Map<string, tf.KernelConfig | undefined>;

function isOurs(config: tf.KernelConfig | undefined): boolean {
  return config != null && (config.kernelFunc as Marked)[MARK] === true;
}

function install(kernelName: string, kernelFunc: tf.KernelFunc, previous: tf.KernelConfig | undefined): void {
  (kernelFunc as Marked)[MARK] = true;
  if (previous != null) tf.unregisterKernel(kernelName, BACKEND);
  tf.registerKernel({
    kernelName,
    backendName: BACKEND,
    kernelFunc,
    // The wrapped kernels still need the original's setup (its cwrap of the C++ function) when the
    // backend is (re)initialised after this registration.
    setupFunc: previous?.setupFunc,
    disposeFunc: previous?.disposeFunc,
  });
  replaced.set(kernelName, previous);
}

/** Register the added and the threaded kernels for the wasm backend (idempotent). */
export function registerWasmTrainingKernels(): void {
  const added: Record<(typeof ADDED_KERNELS)[number], tf.KernelFunc> = {
    Conv2DBackpropFilter: threadedConv2DBackpropFilter,
    DepthwiseConv2dNativeBackpropFilter: depthwiseConv2dNativeBackpropFilter,
    DepthwiseConv2dNativeBackpropInput: depthwiseConv2dNativeBackpropInput,
    UnsortedSegmentSum: unsortedSegmentSum,
  };
  for (const name of ADDED_KERNELS) {
    const existing = tf.getKernel(name, BACKEND);
    if (existing == null) install(name, added[name], undefined);
  }
  const wrappers: Record<(typeof WRAPPED_KERNELS)[number], (orig: tf.KernelFunc) => tf.KernelFunc> = {
    BatchMatMul: threadedBatchMatMul,
    _FusedMatMul: threadedFusedMatMul,
    Conv2D: threadedConv2D,
    FusedConv2D: threadedConv2D,
    Conv2DBackpropInput: threadedConv2DBackpropInput,
    DepthwiseConv2dNative: threadedDepthwiseConv2dNative,
    MaxPoolGrad: fastMaxPoolGrad,
    Sum: fastSum,
  };
  for (const name of WRAPPED_KERNELS) {
    const existing = tf.getKernel(name, BACKEND);
    if (existing == null) throw new Error(`wasm backend: ${name} is not registered`);
    if (!isOurs(existing)) install(name, wrappers[name](existing.kernelFunc), existing);
  }
}

/** Undo `registerWasmTrainingKernels`: the wasm backend's own kernels as they were. */
export function unregisterWasmTrainingKernels(): void {
  for (const [name, previous] of replaced) {
    if (isOurs(tf.getKernel(name, BACKEND))) tf.unregisterKernel(name, BACKEND);
    if (previous != null) tf.registerKernel(previous);
  }
  replaced.clear();
}
