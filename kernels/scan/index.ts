/**
 * `selectiveScan`: one entry point for Mamba's selective scan (selective_scan_ref semantics,
 * reference/mamba-medmamba.md section 6) over interchangeable implementations.
 */
import * as tf from '../tf.ts';
import { fusedSupported, selectiveScanFused } from './fused/index.ts';

export { fusedScanThreads } from './fused/index.ts';
import { selectiveScanChunked } from './chunked.ts';
import { selectiveScanReference } from './reference.ts';
import type { SelectiveScanInputs, SelectiveScanOptions, SelectiveScanResult } from './types.ts';

export type { SelectiveScanInputs, SelectiveScanOptions, SelectiveScanResult, ScanImpl } from './types.ts';

/** The implementation `auto` runs on a backend: the fused kernel where registered (cpu, wasm), else the composite. */
export function autoScanImpl(backendName: string): 'fused' | 'chunked' {
  return fusedSupported(backendName) ? 'fused' : 'chunked';
}

/**
 * y = selective_scan(u, delta, A, B, C, D, z, deltaBias, deltaSoftplus), and h_L when `returnLastState`.
 * Shapes: u, delta, z (b, d, l); A (d, n); B, C (d, n) | (b, n, l) | (b, g, n, l); D, deltaBias (d).
 * Differentiable with tf.grad / tf.grads with respect to every input tensor.
 */
export function selectiveScan(inputs: SelectiveScanInputs, options: SelectiveScanOptions = {}): SelectiveScanResult {
  const impl = options.impl ?? 'auto';
  switch (impl) {
    case 'auto':
      return autoScanImpl(tf.getBackend()) === 'fused' ? selectiveScanFused(inputs) : selectiveScanChunked(inputs);
    case 'reference':
      return selectiveScanReference(inputs);
    case 'fused':
      if (!fusedSupported(tf.getBackend())) throw new Error(`selectiveScan: no fused kernel for backend '${tf.getBackend()}'`);
      return selectiveScanFused(inputs);
    case 'chunked':
      return selectiveScanChunked(inputs);
    default:
      throw new Error(`selectiveScan: unknown implementation '${impl satisfies never}'`);
  }
}
