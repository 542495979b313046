/**
 * AddN within the adapter's storage-buffer limit.
 *
 * tfjs-backend-webgpu's AddN binds every input, and the output, as a storage buffer of one shader
 * stage. An adapter grants a fixed number of those per stage (`maxStorageBuffersPerShaderStage`: 16 on
 * llvmpipe, 8 is the WebGPU minimum), so summing more tensors than that in one call (a gradient clip
 * over all of a model's gradients does) fails to build its pipeline and leaves NaN behind. This wraps
 * the package's kernel: calls within the limit go straight to it; larger ones are summed in groups
 * that fit, then the group sums are summed the same way. The order of additions is fixed by the
 * input order and the limit, so a result is the same from run to run on one adapter.
 */
import * as tf from '@tensorflow/tfjs-core';

const BACKEND = 'webgpu';

type KernelFunc = tf.KernelConfig['kernelFunc'];
type DisposableBackend = { disposeData(dataId: object, force?: boolean): boolean };

/** The groups a sum of `count` tensors is split into when at most `maxInputs` fit one call: [start, end) pairs. */
export function addNGroups(count: number, maxInputs: number): Array<[number, number]> {
  if (!(Number.isInteger(maxInputs) && maxInputs >= 2)) throw new Error(`addNGroups: maxInputs must be an integer >= 2, got ${maxInputs}`);
  const groups: Array<[number, number]> = [];
  for (let start = 0; start < count; start += maxInputs) groups.push([start, Math.min(count, start + maxInputs)]);
  return groups;
}

/** Inputs one AddN call may bind on a device granting `maxStorageBuffers` per stage (one goes to the output). */
export function addNInputLimit(maxStorageBuffers: number): number {
  return Math.max(2, maxStorageBuffers - 1);
}

/**
 * Replaces the webgpu AddN kernel by one that sums at most `maxInputs` tensors per call. Idempotent:
 * a second call re-wraps the package's kernel with the new limit.
 */
export function installChunkedAddN(maxInputs: number): void {
  const registered = tf.getKernel(tf.AddN, BACKEND);
  if (!registered) throw new Error('installChunkedAddN: the webgpu backend has no AddN kernel to wrap');
  const original: KernelFunc = (registered.kernelFunc as KernelFunc & { original?: KernelFunc }).original ?? registered.kernelFunc;
  const chunked: KernelFunc = (args) => {
    let inputs = args.inputs as unknown as tf.TensorInfo[];
    if (inputs.length <= maxInputs) return original(args);
    const backend = args.backend as unknown as DisposableBackend;
    const made: tf.TensorInfo[] = [];
    while (inputs.length > maxInputs) {
      inputs = addNGroups(inputs.length, maxInputs).map(([start, end]) => {
        if (end - start === 1) return inputs[start]!;
        const sum = original({ ...args, inputs: inputs.slice(start, end) as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo;
        made.push(sum);
        return sum;
      });
    }
    const result = original({ ...args, inputs: inputs as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo;
    for (const t of made) backend.disposeData(t.dataId);
    return result;
  };
  tf.unregisterKernel(tf.AddN, BACKEND);
  tf.registerKernel({ kernelName: tf.AddN, backendName: BACKEND, kernelFunc: Object.assign(chunked, { original }) });
}
