/**
 * `selectiveScan`: one entry point for Mamba's selective scan (selective_scan_ref semantics,
 * reference/mamba-medmamba.md section 6) over interchangeable implementations.
 */
import * as tf from '../tf.ts';
import { fusedSupported, selectiveScanFused } from './fused/index.ts';

export { fusedScanThreads } from './fused/index.ts';
import { selectiveScanChunked } from './chunked.ts';
import { selectiveScanReference } from './reference.ts';
import { allOrNothing, emptyScan, guardDecays, isEmpty } from './contract.ts';
import { checkScanLimits } from './limits.ts';
import { scanDims } from './shapes.ts';
import type { ScanImpl, SelectiveScanInputs, SelectiveScanOptions, SelectiveScanResult } from './types.ts';

export type { SelectiveScanInputs, SelectiveScanOptions, SelectiveScanResult, ScanImpl } from './types.ts';

/** The implementation `auto` runs on a backend: the fused kernel where registered (cpu, wasm), else the composite. */
export function autoScanImpl(backendName: string): 'fused' | 'chunked' {
  return fusedSupported(backendName) ? 'fused' : 'chunked';
}

type Concrete = 'reference' | 'fused' | 'chunked';

/** The implementation a call runs, or a `selectiveScan:` error for an unknown name or a backend without the fused kernel. */
function concreteImpl(impl: ScanImpl, backendName: string): Concrete {
  switch (impl) {
    case 'auto':
      return autoScanImpl(backendName);
    case 'reference':
    case 'chunked':
      return impl;
    case 'fused':
      if (!fusedSupported(backendName)) throw new Error(`selectiveScan: no fused kernel for backend '${backendName}'`);
      return impl;
    default:
      throw new Error(`selectiveScan: unknown implementation '${impl satisfies never}'`);
  }
}

/** The largest storage buffer of the active backend's GPU device (tfjs-backend-webgpu keeps it as `device`), if any. */
function gpuBufferBytes(): number | undefined {
  const device = (tf.backend() as unknown as { device?: { limits?: { maxStorageBufferBindingSize?: number } } }).device;
  return device?.limits?.maxStorageBufferBindingSize;
}

const RUN: Record<Concrete, (inputs: SelectiveScanInputs) => SelectiveScanResult> = {
  reference: selectiveScanReference,
  fused: selectiveScanFused,
  chunked: selectiveScanChunked,
};

/**
 * y = selective_scan(u, delta, A, B, C, D, z, deltaBias, deltaSoftplus), and h_L when `returnLastState`.
 * Shapes: u, delta, z (b, d, l); A (d, n); B, C (d, n) | (b, n, l) | (b, g, n, l); D, deltaBias (d).
 * Differentiable with tf.grad / tf.grads with respect to every input tensor.
 * The contract every implementation keeps (kernels/README.md): shapes, dtypes and sizes checked here, once,
 * with `selectiveScan: ...` errors; zero-size dimensions give empty (or zero-state) results; overflow (a
 * decay or a state past the float32 range) gives NaN throughout.
 */
export function selectiveScan(inputs: SelectiveScanInputs, options: SelectiveScanOptions = {}): SelectiveScanResult {
  const backendName = tf.getBackend();
  const impl = concreteImpl(options.impl ?? 'auto', backendName);
  const dims = scanDims(inputs);
  const sizes = [inputs.u, inputs.delta, inputs.A, inputs.B, inputs.C, inputs.D, inputs.z, inputs.deltaBias].map((t) => t?.size ?? 0);
  checkScanLimits(dims, impl, backendName, sizes, gpuBufferBytes());
  if (isEmpty(dims)) return emptyScan(inputs, dims);
  return tf.tidy(() => {
    const { y, lastState } = allOrNothing(RUN[impl]({ ...inputs, A: guardDecays(inputs) }));
    return lastState ? { y, lastState } : { y };
  });
}
