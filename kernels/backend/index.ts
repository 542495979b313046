/**
 * Compute backends: choosing one (cheap, no TensorFlow.js import) and preparing it (heavy).
 *
 *     const name = resolveBackend(requested);     // engine process, for cache keys: a few ms
 *     const info = await setupBackend(name);      // once per run, before the experiment's code
 *
 * `setupBackend('wasm')` selects the wasm backend and registers its training kernels
 * (kernels/backend/wasm/): the default backend. 'cpu' is tfjs' pure-JS backend, 'tensorflow' the
 * native binding (@tensorflow/tfjs-node-gpu, else @tensorflow/tfjs-node), 'webgpu' the WebGPU
 * backend of kernels/webgpu/.
 * The engine reads the BACKEND environment variable and passes the name; nothing here reads it.
 */
import type { BackendName, Environment } from '../../engine/contract.ts';

export { findNativeTensorflow, NATIVE_PACKAGES, resolveBackend, type NativeTensorflow } from './resolve.ts';

/** What `setupBackend` reports: the manifest's `environment.backend`. */
export type BackendInfo = Environment['backend'];

/** Select and prepare backend `name` for this process (loads TensorFlow.js on first call). */
export async function setupBackend(name: BackendName): Promise<BackendInfo> {
  const { setupBackend: setup } = await import('./setup.ts');
  return setup(name);
}
