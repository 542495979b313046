/**
 * The `webgpu` compute backend as kernels/backend sees it: set up, or a clear error naming what is
 * missing. Everything else in this folder is reached through setup.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Environment, Json } from '../../engine/contract.ts';
import { adapterLabel, setupWebGPU } from './setup.ts';

export { adapterLabel, ensureScanTuned, releaseWebGPU, settleGpu, setupWebGPU, webgpuDevice, type WebGPUDetails } from './setup.ts';
export { copyBandwidth } from './bandwidth.ts';

/** Selects the webgpu backend; its details (adapter, limits, features) go into each artifact's manifest. */
export async function setupWebGPUBackend(): Promise<Environment['backend']> {
  const details = await setupWebGPU();
  if (!details) {
    throw new Error(
      `backend 'webgpu' found no WebGPU adapter: on a GPU host it needs the Vulkan loader (libvulkan1) and ` +
        `the GPU's Vulkan driver; on a CPU host Mesa's EGL/GLES (libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri)`,
    );
  }
  return {
    name: 'webgpu',
    version: tf.version_core,
    details: { ...details, adapter: adapterLabel(details), // tfjs-backend-webgpu is pinned to tfjs-core's version (its peer dependency).
      package: `@tensorflow/tfjs-backend-webgpu@${tf.version_core}` } as Record<string, Json>,
  };
}
