/**
 * Host <-> GPU transfers for the tfjs webgpu backend, in bounded pieces.
 *
 * tfjs-backend-webgpu uploads a tensor through one mapped-at-creation staging buffer as large as the
 * tensor and reads it back through one mapped buffer as large again. On the H200 (Vulkan) mapping a
 * single buffer of 32 MB or more killed the process inside Dawn, while storage buffers of any size
 * worked; so uploads go through `queue.writeBuffer` in pieces and readbacks through one reused
 * staging buffer of CHUNK_BYTES, copied and mapped piece by piece.
 */
/// <reference types="@webgpu/types" />
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';

/** Largest single host-visible mapping or write: well under the size that failed. */
export const CHUNK_BYTES = 8 * 1024 * 1024;

interface TensorData {
  values: ArrayLike<number> | null;
  dtype: string;
  shape: number[];
  resource: unknown;
}

/** The backend internals this module relies on (tfjs-backend-webgpu 4.22). */
interface BackendInternals {
  tensorMap: { get(dataId: object): TensorData };
  bufferManager: {
    acquireBuffer(size: number, usage: number, mappedAtCreation?: boolean, reuse?: boolean): GPUBuffer;
    releaseBuffer(buffer: GPUBuffer, reuse?: boolean): void;
  };
  uploadToGPU(dataId: object): void;
  getBufferData(buffer: GPUBuffer): Promise<ArrayBuffer>;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  commandEncoder: GPUCommandEncoder;
}

/** Writes `bytes` into `buffer` at offset 0 in pieces of at most CHUNK_BYTES. */
export function writeInChunks(queue: GPUQueue, buffer: GPUBuffer, bytes: ArrayBufferView): void {
  for (let off = 0; off < bytes.byteLength; off += CHUNK_BYTES) {
    const len = Math.min(CHUNK_BYTES, bytes.byteLength - off);
    queue.writeBuffer(buffer, off, bytes.buffer, bytes.byteOffset + off, len);
  }
}

function asGpuWords(td: TensorData): ArrayBufferView | null {
  const v = td.values!;
  if (td.dtype === 'float32') return v instanceof Float32Array ? v : Float32Array.from(v);
  if (td.dtype === 'int32' || td.dtype === 'bool') return v instanceof Int32Array ? v : Int32Array.from(v);
  return null;
}

/** Replaces the backend's upload and readback paths with chunked ones. */
export function installChunkedTransfers(backend: WebGPUBackend, device: GPUDevice): void {
  const b = backend as unknown as BackendInternals;
  const originalUpload = b.uploadToGPU.bind(b);

  b.uploadToGPU = (dataId: object) => {
    const td = b.tensorMap.get(dataId);
    if (td.resource != null || td.values == null) return originalUpload(dataId);
    const words = asGpuWords(td);
    if (!words || words.byteLength === 0) return originalUpload(dataId);
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const buffer = b.bufferManager.acquireBuffer(words.byteLength, usage);
    writeInChunks(device.queue, buffer, words);
    td.values = null;
    td.resource = buffer;
  };

  b.getBufferData = async (buffer: GPUBuffer) => {
    const size = buffer.size;
    const out = new ArrayBuffer(size);
    const stagingSize = Math.min(size, CHUNK_BYTES);
    const staging = b.bufferManager.acquireBuffer(stagingSize, GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ);
    try {
      for (let off = 0; off < size; off += stagingSize) {
        const len = Math.min(stagingSize, size - off);
        b.ensureCommandEncoderReady();
        b.endComputePassEncoder();
        b.commandEncoder.copyBufferToBuffer(buffer, off, staging, 0, len);
        b.submitQueue();
        await staging.mapAsync(GPUMapMode.READ, 0, len);
        new Uint8Array(out, off, len).set(new Uint8Array(staging.getMappedRange(0, len)));
        staging.unmap();
      }
    } finally {
      b.bufferManager.releaseBuffer(staging);
    }
    return out;
  };
}
