/**
 * The wasm backend's training kernels: the four it lacks (so conv, depthwise/separable conv and
 * embedding layers can train), the matmul fast path (so backprop's transposed products run on
 * XNNPACK), the conv2d input gradient as an XNNPACK convolution and a one-pass max-pool gradient.
 * Registered with tfjs-core's kernel registry for backendName 'wasm'.
 *
 * `registerWasmTrainingKernels()` is idempotent: each kernel function it installs carries a marker,
 * and a kernel that already carries it is left alone (also across duplicate module instances).
 * `unregisterWasmTrainingKernels()` restores the registry as it was (benchmarks compare the two).
 * A kernel the wasm package registers itself in a later version is kept, not replaced.
 */
import * as tf from '../../tf.ts';
import { fastBatchMatMul } from './BatchMatMul.ts';
import { conv2DBackpropFilter } from './Conv2DBackpropFilter.ts';
import { fastConv2DBackpropInput } from './Conv2DBackpropInput.ts';
import { depthwiseConv2dNativeBackpropFilter } from './DepthwiseConv2dNativeBackpropFilter.ts';
import { depthwiseConv2dNativeBackpropInput } from './DepthwiseConv2dNativeBackpropInput.ts';
import { fastFusedMatMul } from './_FusedMatMul.ts';
import { fastMaxPoolGrad } from './MaxPoolGrad.ts';
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
export const WRAPPED_KERNELS = ['BatchMatMul', '_FusedMatMul', 'Conv2DBackpropInput', 'MaxPoolGrad'] as const;

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

/** Register the added kernels and the matmul fast path for the wasm backend (idempotent). */
export function registerWasmTrainingKernels(): void {
  const matMul = tf.getKernel('BatchMatMul', BACKEND);
  if (matMul == null) throw new Error('wasm backend: BatchMatMul is not registered; import @tensorflow/tfjs-backend-wasm first');
  // The filter gradient calls the backend's own matmul: its untransposed batch-1 case is XNNPACK.
  const originalMatMul = isOurs(matMul) ? replaced.get('BatchMatMul')?.kernelFunc : matMul.kernelFunc;
  if (originalMatMul == null) throw new Error('wasm backend: the original BatchMatMul kernel was lost');

  const added: Record<(typeof ADDED_KERNELS)[number], tf.KernelFunc> = {
    Conv2DBackpropFilter: conv2DBackpropFilter({ matMul: originalMatMul }),
    DepthwiseConv2dNativeBackpropFilter: depthwiseConv2dNativeBackpropFilter,
    DepthwiseConv2dNativeBackpropInput: depthwiseConv2dNativeBackpropInput,
    UnsortedSegmentSum: unsortedSegmentSum,
  };
  for (const name of ADDED_KERNELS) {
    const existing = tf.getKernel(name, BACKEND);
    if (existing == null) install(name, added[name], undefined);
  }
  const wrappers: Record<(typeof WRAPPED_KERNELS)[number], (orig: tf.KernelFunc) => tf.KernelFunc> = {
    BatchMatMul: fastBatchMatMul,
    _FusedMatMul: fastFusedMatMul,
    Conv2DBackpropInput: fastConv2DBackpropInput,
    MaxPoolGrad: fastMaxPoolGrad,
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
