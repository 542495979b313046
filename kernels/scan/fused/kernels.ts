/**
 * The fused scan as two tfjs kernels, `SelectiveScan` and `SelectiveScanGrad`, for the cpu and wasm
 * backends, and the gradient that joins them. Both backends run the same code on the same flat arrays (the
 * cpu backend's Float32Arrays, or views of the tfjs wasm heap): the WebAssembly SIMD scan (wasm-scan.ts) where
 * the engine supports SIMD, else the JS scan (core.ts).
 */
import * as tf from '../../tf.ts';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { chunkCount, scanBackward, scanForward, type ScanProblem } from './core.ts';
import { wasmScan, type ScanEngine } from './wasm-scan.ts';

/** The scan the kernels run. */
const scan: ScanEngine = wasmScan ?? { forward: scanForward, backward: scanBackward };

export const SELECTIVE_SCAN = 'SelectiveScan';
export const SELECTIVE_SCAN_GRAD = 'SelectiveScanGrad';
export const FUSED_BACKENDS = ['cpu', 'wasm'] as const;

/** Inputs in kernel order. An absent optional input (D, z, deltaBias) is a tensor of shape [0]. */
const INPUTS = ['u', 'delta', 'A', 'B', 'C', 'D', 'z', 'deltaBias'] as const;

export interface ScanAttrs {
  softplus: boolean;
  /** Steps per checkpoint (core.checkpointInterval). */
  chunk: number;
}

type Infos = Record<string, tf.TensorInfo>;

/** Where a backend keeps float32 data: allocate outputs, then view any tensor's values as a Float32Array. */
interface Storage {
  allocate(shapes: number[][]): tf.TensorInfo[];
  /** Valid until the next allocate: wasm heap views detach when the heap grows. */
  view(t: tf.TensorInfo): Float32Array;
}

const sizeOf = (shape: number[]) => shape.reduce((p, s) => p * s, 1);

function cpuStorage(backend: MathBackendCPU): Storage {
  return {
    allocate: (shapes) => shapes.map((s) => backend.makeTensorInfo(s, 'float32', new Float32Array(sizeOf(s)))),
    view: (t) => backend.data.get(t.dataId)!.values as Float32Array,
  };
}

function wasmStorage(backend: BackendWasm): Storage {
  return {
    allocate: (shapes) => shapes.map((s) => backend.makeOutput(s, 'float32')),
    view: (t) => backend.typedArrayFromHeap(t) as Float32Array,
  };
}

const groupsOf = (shape: number[]) => (shape.length === 2 ? 0 : shape.length === 3 ? 1 : shape[1]!);
const present = (t: tf.TensorInfo) => sizeOf(t.shape) > 0;

/** The flat problem, viewing the inputs' current storage. Call after every allocate. */
function problem(inputs: Infos, attrs: ScanAttrs, storage: Storage): ScanProblem {
  const [b, d, l] = inputs.u!.shape as [number, number, number];
  const optional = (name: string) => (present(inputs[name]!) ? storage.view(inputs[name]!) : null);
  return {
    b, d, l, n: inputs.A!.shape[1]!,
    bGroups: groupsOf(inputs.B!.shape),
    cGroups: groupsOf(inputs.C!.shape),
    softplus: attrs.softplus,
    chunk: attrs.chunk,
    u: storage.view(inputs.u!), delta: storage.view(inputs.delta!), A: storage.view(inputs.A!),
    B: storage.view(inputs.B!), C: storage.view(inputs.C!),
    D: optional('D'), z: optional('z'), deltaBias: optional('deltaBias'),
  };
}

/** Outputs: y (b, d, l), lastState (b, d, n), checkpoints (b, d, ceil(l / chunk), n). */
function forward(inputs: Infos, attrs: ScanAttrs, storage: Storage): tf.TensorInfo[] {
  const [b, d, l] = inputs.u!.shape as [number, number, number];
  const n = inputs.A!.shape[1]!;
  const outs = storage.allocate([[b, d, l], [b, d, n], [b, d, chunkCount(l, attrs.chunk), n]]);
  const [y, lastState, checkpoints] = outs.map((t) => storage.view(t)) as [Float32Array, Float32Array, Float32Array];
  scan.forward(problem(inputs, attrs, storage), { y, lastState, checkpoints });
  return outs;
}

/** Inputs: the forward's inputs, its checkpoints, dy and dLastState. Outputs: one gradient per forward input. */
function backward(inputs: Infos, attrs: ScanAttrs, storage: Storage): tf.TensorInfo[] {
  const outs = storage.allocate(INPUTS.map((name) => inputs[name]!.shape));
  const g = outs.map((t) => storage.view(t));
  const grads = { u: g[0]!, delta: g[1]!, A: g[2]!, B: g[3]!, C: g[4]!, D: g[5]!, z: g[6]!, deltaBias: g[7]! };
  const p = problem(inputs, attrs, storage);
  scan.backward(p, storage.view(inputs.checkpoints!), storage.view(inputs.dy!), storage.view(inputs.dLast!), {
    ...grads,
    D: p.D && grads.D,
    z: p.z && grads.z,
    deltaBias: p.deltaBias && grads.deltaBias,
  });
  return outs;
}

function register(kernelName: string, run: (inputs: Infos, attrs: ScanAttrs, storage: Storage) => tf.TensorInfo[]): void {
  const storages = { cpu: (b: tf.KernelBackend) => cpuStorage(b as MathBackendCPU), wasm: (b: tf.KernelBackend) => wasmStorage(b as BackendWasm) };
  for (const backendName of FUSED_BACKENDS) {
    if (tf.getKernel(kernelName, backendName)) continue;
    tf.registerKernel({
      kernelName,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) =>
        run(inputs as Infos, attrs as unknown as ScanAttrs, storages[backendName](backend as tf.KernelBackend)),
    });
  }
}

/** Registers both kernels for cpu and wasm and the forward's gradient; safe to call more than once. */
export function registerFusedScan(): void {
  register(SELECTIVE_SCAN, forward);
  register(SELECTIVE_SCAN_GRAD, backward);
  if (tf.getGradient(SELECTIVE_SCAN)) return;
  tf.registerGradient({
    kernelName: SELECTIVE_SCAN,
    inputsToSave: [...INPUTS],
    outputsToSave: [false, false, true],
    gradFunc: (dys, saved, attrs) => {
      const [dy, dLast] = dys as tf.Tensor[];
      const named: Record<string, tf.Tensor> = { checkpoints: saved[INPUTS.length]!, dy: dy!, dLast: dLast! };
      INPUTS.forEach((name, i) => (named[name] = saved[i]!));
      const grads = tf.engine().runKernel(SELECTIVE_SCAN_GRAD, named, attrs) as tf.Tensor[];
      return Object.fromEntries(INPUTS.map((name, i) => [name, () => grads[i]!]));
    },
  });
}

/** Threads the fused kernel of a backend spreads one call over: wasm-scan.ts's on cpu and wasm, else 1. */
export const fusedScanThreads = (backendName: string) =>
  (FUSED_BACKENDS as readonly string[]).includes(backendName) ? (wasmScan?.threads ?? 1) : 1;

/** Whether the fused kernels run on this backend. */
// Other backends (webgpu: kernels/webgpu/scan_kernels.ts) register the same kernel names themselves.
export const fusedSupported = (backendName: string) =>
  (FUSED_BACKENDS as readonly string[]).includes(backendName) || tf.getKernel(SELECTIVE_SCAN, backendName) !== undefined;
