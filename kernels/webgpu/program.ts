/**
 * Running hand-written WGSL on the tfjs webgpu backend: any number of input and output tensors, one
 * uniform block of u32 parameters, recorded into the backend's own command stream so that ordering
 * with tfjs ops, buffer reuse and deferred submission behave as for tfjs' own kernels
 * (mirrors WebGPUBackend.recordAndSubmit of tfjs-backend-webgpu 4.22).
 */
/// <reference types="@webgpu/types" />
import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';

interface BackendInternals {
  device: GPUDevice;
  queue: GPUQueue;
  tensorMap: { get(dataId: object): { resource: unknown } };
  bufferManager: { acquireBuffer(size: number, usage: number): GPUBuffer };
  uniformPendingDisposal: GPUBuffer[];
  commandQueueOwnedIds: WeakSet<object>;
  computePassEncoder: GPUComputePassEncoder | null;
  commandEncoder: GPUCommandEncoder;
  dispatchCountInPass: number;
  uploadToGPU(dataId: object): void;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

export interface WgslProgram {
  /** Cache key: identical code compiles once per device. */
  code: string;
  inputs: tf.TensorInfo[];
  outputs: tf.TensorInfo[];
  /** u32 values of the shader's `Params` struct, in field order. */
  params: number[];
  workgroups: [number, number, number];
}

const pipelines = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

function pipelineFor(device: GPUDevice, code: string): GPUComputePipeline {
  let cache = pipelines.get(device);
  if (!cache) pipelines.set(device, (cache = new Map()));
  let pipeline = cache.get(code);
  if (!pipeline) {
    const module = device.createShaderModule({ code });
    pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    cache.set(code, pipeline);
  }
  return pipeline;
}

/** Allocates a float32 output tensor on the GPU (uninitialised). */
/** Bytes of workgroup memory a generated shader declares (its `var<workgroup>` f32 arrays). */
export function workgroupBytes(code: string): number {
  let words = 0;
  for (const m of code.matchAll(/var<workgroup> \w+: array<f32, (\d+)>/g)) words += Number(m[1]);
  return 4 * words;
}

export function allocate(backend: WebGPUBackend, shape: number[]): tf.TensorInfo {
  const info = backend.makeTensorInfo(shape, 'float32');
  if (tf.util.sizeFromShape(shape) > 0) (backend as unknown as BackendInternals).uploadToGPU(info.dataId);
  return info;
}

export function runWgsl(backend: WebGPUBackend, program: WgslProgram): void {
  const b = backend as unknown as BackendInternals;
  const tensors = [...program.inputs, ...program.outputs];
  for (const t of tensors) b.uploadToGPU(t.dataId);
  const pipeline = pipelineFor(b.device, program.code);
  // At least 16 bytes: a uniform binding's minimum size on some devices.
  const words = new Uint32Array(Math.max(4, Math.ceil(program.params.length / 4) * 4));
  words.set(program.params);
  const uniform = b.bufferManager.acquireBuffer(words.byteLength, GPUBufferUsage.COPY_DST | GPUBufferUsage.UNIFORM);
  b.queue.writeBuffer(uniform, 0, words);
  b.uniformPendingDisposal.push(uniform);
  const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: uniform } }];
  tensors.forEach((t, i) => {
    entries.push({ binding: i + 1, resource: { buffer: b.tensorMap.get(t.dataId).resource as GPUBuffer } });
    b.commandQueueOwnedIds.add(t.dataId);
  });
  const bindGroup = b.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  b.ensureCommandEncoderReady();
  if (!b.computePassEncoder) b.computePassEncoder = b.commandEncoder.beginComputePass({});
  b.computePassEncoder.setPipeline(pipeline);
  b.computePassEncoder.setBindGroup(0, bindGroup);
  b.computePassEncoder.dispatchWorkgroups(...program.workgroups);
  b.dispatchCountInPass++;
  if ((tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE') as number) <= b.dispatchCountInPass) {
    b.endComputePassEncoder();
    b.submitQueue();
  }
}
