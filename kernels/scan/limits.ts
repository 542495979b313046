/**
 * What one selectiveScan call may ask of a backend: every tensor it makes must be indexable by tfjs, and on the
 * wasm backend everything it holds at once must fit the 32-bit WebAssembly heap. Checked from the shapes alone,
 * before any memory is taken, so an oversized call fails with the limit named instead of a RangeError from inside.
 */
import type { ScanDims } from './shapes.ts';

/** Elements a tensor may have: tfjs indexes flat storage with 32-bit signed integers. */
export const MAX_TENSOR_ELEMENTS = 2 ** 31 - 1;
/** Bytes of the wasm backend's heap (and of the fused scan's own module memory): 65536 pages of 64 KiB. */
export const WASM_MEMORY_BYTES = 2 ** 32;

/** Steps per chunk of the chunked scan (chunked.ts DEFAULT_CHUNK), whose (b, d, chunk, n) tensors are its largest. */
const CHUNKED_STEPS = 128;

type Impl = 'reference' | 'chunked' | 'fused';

interface Planned {
  name: string;
  shape: number[];
}

const elements = (shape: number[]) => shape.reduce((p, s) => p * s, 1);

/** The tensors a call makes besides its inputs: the outputs and the implementation's largest intermediate. */
function madeBy(impl: Impl, { b, d, l, n }: ScanDims): Planned[] {
  const outputs: Planned[] = [
    { name: 'y (b, d, l)', shape: [b, d, l] },
    { name: 'lastState (b, d, n)', shape: [b, d, n] },
  ];
  if (impl === 'chunked') return [...outputs, { name: 'the chunked scan\'s states (b, d, chunk, n)', shape: [b, d, Math.min(CHUNKED_STEPS, l), n] }];
  if (impl === 'fused') {
    const chunk = Math.max(64, n); // fused/core.ts checkpointInterval
    return [...outputs, { name: 'the fused scan\'s checkpoints (b, d, ceil(l / chunk), n)', shape: [b, d, Math.ceil(l / chunk), n] }];
  }
  return [...outputs, { name: 'the reference scan\'s states (b, d, l * n)', shape: [b, d, l * n] }];
}

/**
 * Throws `selectiveScan: ...` naming the first tensor over MAX_TENSOR_ELEMENTS or, on a GPU, over the device's
 * largest storage buffer (`gpuBufferBytes`, from the device's limits), or, on the wasm backend, the bytes over
 * WASM_MEMORY_BYTES. `inputSizes` are the element counts of the inputs given.
 */
export function checkScanLimits(dims: ScanDims, impl: Impl, backendName: string, inputSizes: number[], gpuBufferBytes?: number): void {
  const planned = madeBy(impl, dims);
  for (const { name, shape } of planned) {
    const count = elements(shape);
    if (count > MAX_TENSOR_ELEMENTS)
      throw new Error(`selectiveScan: ${name} = [${shape}] would have ${count} elements, more than the 2^31 - 1 a tensor can hold`);
    if (gpuBufferBytes !== undefined && 4 * count > gpuBufferBytes)
      throw new Error(`selectiveScan: ${name} = [${shape}] would take ${4 * count} bytes, more than the ${gpuBufferBytes} of the ${backendName} device's maxStorageBufferBindingSize`);
  }
  if (backendName === 'wasm') {
    const bytes = 4 * (inputSizes.reduce((s, x) => s + x, 0) + planned.reduce((s, p) => s + elements(p.shape), 0));
    if (bytes > WASM_MEMORY_BYTES)
      throw new Error(`selectiveScan: the inputs and outputs of this call take ${bytes} bytes, more than the 4 GiB (2^32 bytes) the wasm backend's memory can hold`);
  }
}
