/** Forward, last state and every input gradient of one implementation, for comparison with another. */
import * as tf from '../../kernels/tf.ts';
import { selectiveScan, type ScanImpl, type SelectiveScanInputs } from '../../kernels/index.ts';
import { seededRandom, type ScanCase } from './scan-cases.ts';

export interface ScanOutputs {
  y: Float32Array;
  lastState: Float32Array;
  /** Input name -> gradient of the test loss. */
  grads: Record<string, Float32Array>;
}

/**
 * Runs `impl` on a case. The loss sum(W * y) + sum(V * lastState) with fixed random W, V sends a gradient
 * through both outputs. Checks that every tensor it made is released again.
 */
export function runImpl(c: ScanCase, impl: ScanImpl): ScanOutputs {
  const start = tf.memory().numTensors;
  const inputs = c.tensors();
  const names = Object.keys(c.values);
  const rand = seededRandom(99);
  const { b, d, l, n } = c.spec;
  const W = tf.tensor(Float32Array.from({ length: b * d * l }, () => rand() * 2 - 1), [b, d, l]);
  const V = tf.tensor(Float32Array.from({ length: b * d * n }, () => rand() * 2 - 1), [b, d, n]);
  const scan = (xs: tf.Tensor[]) => {
    const named = Object.fromEntries(names.map((name, i) => [name, xs[i]!])) as unknown as SelectiveScanInputs;
    return selectiveScan({ ...named, deltaSoftplus: c.spec.softplus, returnLastState: true }, { impl });
  };
  const given = inputs as unknown as Record<string, tf.Tensor>;
  const forward = scan(names.map((name) => given[name]!));
  const gradTensors = tf.grads((...xs: tf.Tensor[]) => {
    const out = scan(xs);
    return tf.add(tf.sum(tf.mul(out.y, W)), tf.sum(tf.mul(out.lastState!, V)));
  })(names.map((name) => given[name]!));
  const result: ScanOutputs = {
    y: forward.y.dataSync() as Float32Array,
    lastState: forward.lastState!.dataSync() as Float32Array,
    grads: Object.fromEntries(names.map((name, i) => [name, gradTensors[i]!.dataSync() as Float32Array])),
  };
  tf.dispose([forward.y, forward.lastState!, ...gradTensors, W, V]);
  c.dispose();
  const leaked = tf.memory().numTensors - start;
  if (leaked !== 0) throw new Error(`${impl} leaked ${leaked} tensors`);
  return result;
}
