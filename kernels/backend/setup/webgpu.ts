/** The webgpu backend: Dawn through the `webgpu` package, with the WGSL selective-scan kernels (kernels/webgpu/). */
import type { BackendInfo } from '../index.ts';
import { setupWebGPUBackend } from '../../webgpu/index.ts';

export const setup = (): Promise<BackendInfo> => setupWebGPUBackend();
