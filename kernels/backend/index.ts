/**
 * Compute backends: choosing one (cheap, no TensorFlow.js import) and preparing it (heavy).
 *
 *     const name = resolveBackend(requested);     // engine process, for cache keys: a few ms
 *     const info = await setupBackend(name);      // once per run, before the experiment's code
 *
 * Each backend is prepared by its own module, setup/<name>.ts: 'wasm' selects the wasm backend and
 * registers its training kernels (kernels/backend/wasm/): the default backend. 'cpu' is tfjs' pure-JS
 * backend, 'tensorflow' the native binding (@tensorflow/tfjs-node-gpu, else @tensorflow/tfjs-node),
 * 'webgpu' the WebGPU backend of kernels/webgpu/. The engine adds the import graph of the one a run uses
 * to the run's cache key (and only that one), so editing the WebGPU kernels reruns only the experiments
 * on WebGPU. The module is loaded by a computed URL for that reason: a literal import would put every
 * backend in every key.
 * The engine reads the BACKEND environment variable and passes the name; nothing here reads it.
 */
import { BACKENDS, type BackendName, type Environment } from '../../engine/contract.ts';

export { findNativeTensorflow, NATIVE_PACKAGES, resolveBackend, type NativeTensorflow } from './resolve.ts';

/** What `setupBackend` reports: the manifest's `environment.backend`. */
export type BackendInfo = Environment['backend'];

/** Select and prepare backend `name` for this process (loads TensorFlow.js on first call). */
export async function setupBackend(name: BackendName): Promise<BackendInfo> {
  if (!(BACKENDS as readonly string[]).includes(name)) throw new Error(`unknown backend '${name as string}'`);
  const module = new URL(`./setup/${name}.ts`, import.meta.url).href;
  const { setup } = (await import(module)) as { setup(): Promise<BackendInfo> };
  return setup();
}
