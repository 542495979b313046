/**
 * The `webgpu` compute backend: Dawn in Node (kernels/webgpu/dawn.ts) under TensorFlow.js's WebGPU
 * backend, with the selective-scan kernels of this folder registered on it.
 *
 * The device is requested here rather than by tfjs-backend-webgpu's own factory, so that the limits
 * the WGSL kernels need (workgroup memory, storage buffers per stage, invocations per workgroup) are
 * asked for explicitly, and so the manifest can report exactly what was granted.
 */
/// <reference types="@webgpu/types" />
import * as tf from '@tensorflow/tfjs-core';
import { openAdapter, type DawnBackend } from './dawn.ts';
import { installChunkedTransfers } from './transfer.ts';
import { addNInputLimit, installChunkedAddN } from './add_n.ts';
import { registerScanKernels } from './scan_kernels.ts';
import { setSubgroupWidth } from './capabilities.ts';
import { activeScanTable, bucketOf, setScanTable, type ScanShape, type ScanTable } from './scan_choice.ts';
import { loadScanTable, saveScanTable, tuneScan, tuningFile } from './scan_tuning.ts';
import type { Json } from '../../engine/contract.ts';

/** Limits the kernels depend on; each is requested at the adapter's maximum. */
const REQUESTED_LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxComputeWorkgroupStorageSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
] as const;

const OPTIONAL_FEATURES = ['timestamp-query', 'subgroups', 'shader-f16'] as const;

/** What the manifest records about the adapter (Environment.backend.details). */
export interface WebGPUDetails {
  dawnBackend: DawnBackend;
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for a CPU renderer (llvmpipe): kernels are tested there, never benchmarked. */
  software: boolean;
  features: string[];
  limits: Record<string, number>;
  [key: string]: Json;
}

interface WebGPUState {
  device: GPUDevice;
  details: WebGPUDetails;
}

let state: WebGPUState | null = null;

/** Software renderers Dawn may expose: their timings say nothing about GPUs. */
export function isSoftwareAdapter(info: { vendor: string; device: string; description: string }): boolean {
  return /llvmpipe|lavapipe|swiftshader|softpipe/i.test(`${info.vendor} ${info.device} ${info.description}`);
}

async function requestDevice(adapter: GPUAdapter): Promise<GPUDevice> {
  const requiredLimits: Record<string, number> = {};
  const limits = adapter.limits as unknown as Record<string, number>;
  for (const name of REQUESTED_LIMITS) requiredLimits[name] = limits[name];
  const requiredFeatures = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f)) as GPUFeatureName[];
  return adapter.requestDevice({ requiredLimits, requiredFeatures });
}

function describe(adapter: GPUAdapter, device: GPUDevice, dawnBackend: DawnBackend): WebGPUDetails {
  const info = (adapter as unknown as { info: Record<string, string> }).info;
  const limits: Record<string, number> = {};
  const granted = device.limits as unknown as Record<string, number>;
  for (const name of REQUESTED_LIMITS) limits[name] = granted[name];
  const base = {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
  };
  return {
    dawnBackend,
    ...base,
    software: isSoftwareAdapter(base),
    features: [...device.features].map(String).sort(),
    limits,
  };
}

const DAWN_BACKEND_NAMES: Record<DawnBackend, string> = { vulkan: 'Vulkan', opengles: 'OpenGL ES' };

/**
 * A readable name for provenance notes and logs: "NVIDIA H200 (Vulkan)". Dawn names NVIDIA devices
 * "nvidia-h200" and puts the driver version in `description`; Mesa puts the renderer ("llvmpipe
 * (LLVM 15.0.6, 256 bits)") in `description` or `device`.
 */
export function adapterLabel(d: Pick<WebGPUDetails, 'vendor' | 'device' | 'description' | 'dawnBackend'>): string {
  const vendor = d.vendor.trim();
  const device = d.device.trim();
  let name: string;
  if (vendor && device.toLowerCase().startsWith(`${vendor.toLowerCase()}-`)) {
    name = `${vendor.toUpperCase()} ${device.slice(vendor.length + 1).replace(/-/g, ' ').toUpperCase()}`;
  } else name = device || d.description.trim() || vendor || 'unknown adapter';
  return `${name} (${DAWN_BACKEND_NAMES[d.dawnBackend] ?? d.dawnBackend})`;
}

/**
 * Submits what the tfjs backend has recorded and waits until the GPU has finished it: the end of a
 * timed GPU pass, without reading results back to the host.
 */
export async function settleGpu(): Promise<void> {
  const backend = tf.backend() as unknown as { endComputePassEncoder(): void; submitQueue(): void; commandEncoder: unknown };
  if (backend.commandEncoder) {
    backend.endComputePassEncoder();
    backend.submitQueue();
  }
  await webgpuDevice().queue.onSubmittedWorkDone();
}

/**
 * Opens Dawn, registers the tfjs `webgpu` backend over its device, makes it the active backend and
 * registers the fused selective-scan kernels. Returns null when no adapter exists on this host.
 */
export async function setupWebGPU(): Promise<WebGPUDetails | null> {
  if (state) {
    await tf.setBackend('webgpu');
    return state.details;
  }
  const opened = await openAdapter();
  if (!opened) return null;
  const { gpu, adapter, dawnBackend } = opened;
  // tfjs-backend-webgpu probes `navigator.gpu` when imported; Node 20 has no navigator.
  const g = globalThis as unknown as { navigator?: { gpu?: GPU } };
  if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  g.navigator!.gpu = gpu;
  const device = await requestDevice(adapter);
  const details = describe(adapter, device, dawnBackend);
  const sg = (adapter as unknown as { info: { subgroupMinSize?: number; subgroupMaxSize?: number } }).info;
  setSubgroupWidth(sg.subgroupMinSize, sg.subgroupMaxSize, device.features.has('subgroups'));
  details.subgroupSize = sg.subgroupMinSize === sg.subgroupMaxSize ? (sg.subgroupMinSize ?? null) : null;
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  const info = (adapter as unknown as { info: GPUAdapterInfo }).info;
  // Replace the package's own factory (it would request a second device with other limits).
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => {
    const backend = new WebGPUBackend(device, info);
    installChunkedTransfers(backend, device);
    return backend;
  });
  state = { device, details };
  // The adapter's measured scan table, if one was tuned here before (software renderers are never tuned).
  setScanTable(details.software ? null : loadScanTable(adapterLabel(details)));
  details.scanTable = scanTableProvenance();
  registerScanKernels();
  installChunkedAddN(addNInputLimit(device.limits.maxStorageBuffersPerShaderStage));
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs could not initialise its webgpu backend');
  return details;
}

/** What the manifest records of the scan's measured table: its file, kernels hash and tuned buckets with their choices. */
export function scanTableProvenance(table: ScanTable | null = activeScanTable()): Json {
  if (!table) return null;
  return {
    file: tuningFile(table.adapter).split('/').slice(-2).join('/'),
    kernels: table.kernels,
    buckets: Object.fromEntries(Object.entries(table.entries).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, e]) => [k, { forward: e.forward, backward: e.backward, forwardMs: e.forwardMs, backwardMs: e.backwardMs }])) as unknown as Json,
  };
}

/**
 * Measures the scan's candidates on this adapter for the buckets of `shapes` its cached table lacks,
 * saves the table and makes it the active one; returns the buckets it measured. A software renderer is
 * not tuned (its timings say nothing about GPUs) unless `allowSoftware`.
 */
export async function ensureScanTuned(shapes: ScanShape[], log?: (line: string) => void, allowSoftware = false): Promise<string[]> {
  if (!state) throw new Error('setupWebGPU() has not run');
  if (state.details.software && !allowSoftware) return [];
  const table = activeScanTable() ?? loadScanTable(adapterLabel(state.details));
  const missing = [...new Set(shapes.map(bucketOf))].filter((k) => !table.entries[k]);
  if (missing.length === 0) return [];
  await tuneScan(table, shapes, { settle: settleGpu, log });
  saveScanTable(table);
  setScanTable(table);
  state.details.scanTable = scanTableProvenance(table);
  return missing;
}

/** The device of the registered backend (for benchmarks that run their own WGSL). */
export function webgpuDevice(): GPUDevice {
  if (!state) throw new Error('setupWebGPU() has not run');
  return state.device;
}

/**
 * Destroys the device and drops the GPU object: dawn.node keeps Node alive while a reference to it
 * exists, so processes that used the backend call this before exiting.
 */
export function releaseWebGPU(): void {
  if (!state) return;
  if (tf.findBackend('webgpu')) tf.removeBackend('webgpu');
  state.device.destroy();
  state = null;
  const g = globalThis as unknown as { navigator?: { gpu?: GPU } };
  if (g.navigator) delete g.navigator.gpu;
}
