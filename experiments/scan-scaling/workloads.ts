/**
 * The timed workloads of the scan-scaling experiment: the selective scan (Mamba's S6, any implementation)
 * and causal softmax attention of the same width, each as a forward pass and as forward+backward.
 */
import * as tf from '../../kernels/tf.ts';
import { selectiveScan, type ScanImpl, type SelectiveScanInputs } from '../../kernels/index.ts';

export interface Shape {
  batch: number;
  /** Channels: the scan's d, attention's model width. */
  width: number;
  /** The scan's state size n. */
  dState: number;
}

export type Pass = 'forward' | 'forward+backward';

/**
 * A prepared workload: `run(calls)` does the pass `calls` times back to back and waits for the last one's
 * results (a GPU runs its queue in order, so that is when all are done); `dispose` frees its inputs.
 */
export interface Workload {
  run(calls?: number): Promise<void>;
  dispose(): void;
}

/** Runs `pass` `calls` times; settles the last call's outputs; frees every call's outputs. */
async function repeatPass(calls: number, pass: () => tf.Tensor[], settle: Settle): Promise<void> {
  for (let i = 1; i < calls; i++) tf.dispose(pass());
  const outputs = pass();
  await settle(outputs);
  tf.dispose(outputs);
}

/**
 * Waits until the outputs of a pass are computed. The default reads them back (the CPU backends
 * compute lazily on some paths); a GPU experiment passes one that waits for the device queue instead,
 * so the time is the GPU's, not a readback's.
 */
export type Settle = (outputs: tf.Tensor[]) => Promise<void>;
export const readBack: Settle = async (outputs) => void (await Promise.all(outputs.map((t) => t.data())));

/** Mamba's scan inputs: selective B and C, D, z, deltaBias, softplus (mamba_simple.py's call). */
function scanInputs(shape: Shape, l: number, seed: number): SelectiveScanInputs {
  const { batch: b, width: d, dState: n } = shape;
  const r = (s: number[], lo: number, hi: number, k: number) => tf.randomUniform(s, lo, hi, 'float32', seed * 16 + k);
  return {
    u: r([b, d, l], -1, 1, 1), delta: r([b, d, l], -3, 1, 2), z: r([b, d, l], -2, 2, 3),
    A: tf.tidy(() => tf.neg(tf.exp(r([d, n], -1, 1.5, 4)))),
    B: r([b, n, l], -1, 1, 5), C: r([b, n, l], -1, 1, 6), D: r([d], -1, 1, 7), deltaBias: r([d], -1, 0.5, 8),
    deltaSoftplus: true,
  };
}

export function scanWorkload(impl: ScanImpl, pass: Pass, shape: Shape, l: number, seed: number, settle: Settle = readBack): Workload {
  const x = scanInputs(shape, l, seed);
  const tensors = [x.u, x.delta, x.A, x.B, x.C, x.D!, x.z!, x.deltaBias!];
  const forward = () => [selectiveScan(x, { impl }).y];
  const forwardBackward = () =>
    tf.grads((u, delta, A, B, C, D, z, deltaBias) =>
      tf.sum(selectiveScan({ u, delta, A, B, C, D, z, deltaBias, deltaSoftplus: true }, { impl }).y),
    )(tensors);
  return {
    run: (calls = 1) =>
      repeatPass(calls, pass === 'forward' ? forward : forwardBackward, settle),
    dispose: () => tf.dispose(tensors),
  };
}

/** softmax(q k^T / sqrt(width) + mask) v with a causal mask, one head of the full width. q, k, v: (b, l, width). */
export function causalAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, mask: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(q.shape[2]!)), mask); // (b, l, l)
    return tf.matMul(tf.softmax(scores), v); // (b, l, width)
  });
}

/** 0 on and below the diagonal, -1e9 above it. (l, l) */
function causalMask(l: number): tf.Tensor {
  const m = new Float32Array(l * l);
  for (let i = 0; i < l; i++) m.fill(-1e9, i * l + i + 1, (i + 1) * l);
  return tf.tensor2d(m, [l, l]);
}

export function attentionWorkload(pass: Pass, shape: Shape, l: number, seed: number, settle: Settle = readBack): Workload {
  const r = (k: number) => tf.randomNormal([shape.batch, l, shape.width], 0, 1, 'float32', seed * 16 + k);
  const [q, k, v] = [r(1), r(2), r(3)];
  const mask = causalMask(l);
  const forward = () => [causalAttention(q, k, v, mask)];
  const forwardBackward = () => tf.grads((q, k, v) => tf.sum(causalAttention(q, k, v, mask)))([q, k, v]);
  return {
    run: (calls = 1) => repeatPass(calls, pass === 'forward' ? forward : forwardBackward, settle),
    dispose: () => tf.dispose([q, k, v, mask]),
  };
}
