/**
 * Running the same computation on two backends and comparing the results: how the wasm kernels are
 * tested against the cpu backend (the reference implementation of every tfjs kernel).
 */
import * as tf from '../tf.ts';

/** A tensor's contents, detached from any backend. */
export interface HostTensor {
  shape: number[];
  values: Float32Array | Int32Array | Uint8Array;
}

/**
 * Run `f` on backend `name` (already registered and set up) inside a tidy, read every returned
 * tensor back, dispose them, and restore the previous backend. `f` must build its inputs itself
 * (for example from HostTensors with `fromHost`) so nothing crosses backends.
 */
export function runOn(name: string, f: () => tf.Tensor | tf.Tensor[]): HostTensor[] {
  const previous = tf.getBackend() as string | undefined;
  void tf.setBackend(name);
  try {
    // Switching to an initialised backend happens synchronously; one still loading would not be in
    // effect yet, and `f` would silently run elsewhere.
    if (tf.getBackend() !== name) throw new Error(`backend '${name}' is not initialised: await setupBackend('${name}') first`);
    const outs = tf.tidy(f);
    const list = Array.isArray(outs) ? outs : [outs];
    const host = list.map((t) => ({ shape: t.shape.slice(), values: t.dataSync() as HostTensor['values'] }));
    tf.dispose(list);
    return host;
  } finally {
    if (previous != null) void tf.setBackend(previous);
  }
}

/** A tensor on the current backend with the given contents. */
export function fromHost(t: HostTensor, dtype: tf.DataType = t.values instanceof Int32Array ? 'int32' : 'float32'): tf.Tensor {
  return tf.tensor(t.values, t.shape, dtype);
}

/** Seeded normal values as host data (drawn on the cpu backend, so identical for every backend). */
export function randomHost(shape: number[], seed: number): HostTensor {
  return runOn('cpu', () => tf.randomNormal(shape, 0, 1, 'float32', seed))[0];
}

/** max |a - b| / max |b|: the error relative to the reference's scale (0 when both are all zero). */
export function relativeError(a: HostTensor, reference: HostTensor): number {
  if (a.shape.join() !== reference.shape.join()) {
    throw new Error(`shape [${a.shape}] differs from the reference's [${reference.shape}]`);
  }
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.values.length; i++) {
    diff = Math.max(diff, Math.abs(a.values[i] - reference.values[i]));
    scale = Math.max(scale, Math.abs(reference.values[i]));
  }
  return scale === 0 ? diff : diff / scale;
}
