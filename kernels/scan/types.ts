/**
 * The selective scan's public types: the inputs and outputs of Mamba's `selective_scan_ref`
 * (mamba_ssm/ops/selective_scan_interface.py; reference/mamba-medmamba.md section 6).
 */
import type { Tensor } from '../tf.ts';

export interface SelectiveScanInputs {
  /** Input sequence. (b, d, l) */
  u: Tensor;
  /** Step sizes before bias and softplus. (b, d, l) */
  delta: Tensor;
  /** State matrix, real. (d, n) */
  A: Tensor;
  /** Input projection: (d, n) time-invariant, (b, n, l) selective, or (b, g, n, l) grouped. */
  B: Tensor;
  /** Output projection, same three layouts as B (chosen independently). */
  C: Tensor;
  /** Skip connection weight. (d) */
  D?: Tensor;
  /** Gate: the output is multiplied by silu(z). (b, d, l) */
  z?: Tensor;
  /** Added to delta before the softplus. (d) */
  deltaBias?: Tensor;
  /** Apply softplus to delta (+ deltaBias). Default false, as in selective_scan_ref. */
  deltaSoftplus?: boolean;
  /** Also return the final state h_L. Default false. */
  returnLastState?: boolean;
}

export interface SelectiveScanResult {
  /** (b, d, l) */
  y: Tensor;
  /** h_L, present when returnLastState was set. (b, d, n) */
  lastState?: Tensor;
}

export type ScanImpl = 'auto' | 'reference' | 'fused' | 'chunked';

export interface SelectiveScanOptions {
  /** Which implementation runs; `auto` picks fused where the active backend has the kernel, else chunked. */
  impl?: ScanImpl;
}
