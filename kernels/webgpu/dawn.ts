/**
 * Dawn (Chromium's WebGPU implementation) in Node, through the npm package `webgpu`, which ships a
 * prebuilt `dawn.node` for linux-x64.
 *
 * On a GPU host Dawn runs on Vulkan. On a CPU-only host Dawn refuses Mesa's Vulkan CPU driver
 * (lavapipe), but its OpenGL ES path runs on Mesa's llvmpipe through a surfaceless EGL display, in
 * WebGPU's compatibility feature level: that is how CI tests the WGSL kernels.
 */
import { createRequire } from 'node:module';

export type DawnBackend = 'vulkan' | 'opengles';

export interface OpenedAdapter {
  gpu: GPU;
  adapter: GPUAdapter;
  dawnBackend: DawnBackend;
}

/** Order of Dawn backends to try: `WEBGPU_DAWN_BACKEND` pins one (for debugging a host). */
export function dawnBackendOrder(env: NodeJS.ProcessEnv = process.env): DawnBackend[] {
  const pinned = env.WEBGPU_DAWN_BACKEND;
  if (pinned === 'vulkan' || pinned === 'opengles') return [pinned];
  if (pinned) throw new Error(`WEBGPU_DAWN_BACKEND=${pinned}: expected vulkan or opengles`);
  return ['vulkan', 'opengles'];
}

interface DawnModule {
  create(options: string[]): GPU;
  globals: Record<string, unknown>;
}

let dawn: DawnModule | null = null;

/** Loads dawn.node once and installs its GPU* classes (GPUBufferUsage, ...) as globals, as a browser has them. */
export async function loadDawn(): Promise<DawnModule> {
  if (dawn) return dawn;
  const mod = (await import('webgpu')) as unknown as DawnModule;
  Object.assign(globalThis, mod.globals);
  dawn = mod;
  return mod;
}

/** True when the `webgpu` package and its native binary for this platform are installed. */
export function dawnInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('webgpu');
    return true;
  } catch {
    return false;
  }
}

/**
 * Opens the first adapter Dawn gives, trying Vulkan, then OpenGL ES on a surfaceless EGL display.
 * Returns null when there is none (no GPU driver and no Mesa EGL/GLES libraries).
 */
export async function openAdapter(env: NodeJS.ProcessEnv = process.env): Promise<OpenedAdapter | null> {
  const { create } = await loadDawn();
  for (const dawnBackend of dawnBackendOrder(env)) {
    // EGL reads EGL_PLATFORM when Dawn opens its display; without it Mesa looks for X11/Wayland.
    if (dawnBackend === 'opengles') process.env.EGL_PLATFORM ??= 'surfaceless';
    const gpu = create([`backend=${dawnBackend}`]);
    const adapter =
      dawnBackend === 'opengles'
        ? await gpu.requestAdapter({ featureLevel: 'compatibility' } as GPURequestAdapterOptions)
        : await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (adapter) return { gpu, adapter, dawnBackend };
  }
  return null;
}
