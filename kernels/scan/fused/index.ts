/** The fused selective scan behind the common signature (see core.ts for the algorithm). */
import * as tf from '../../tf.ts';
import { scanDims } from '../shapes.ts';
import type { SelectiveScanInputs, SelectiveScanResult } from '../types.ts';
import { checkpointInterval } from './core.ts';
import { registerFusedScan, SELECTIVE_SCAN, type ScanAttrs } from './kernels.ts';

export { fusedScanThreads, fusedSupported } from './kernels.ts';

/** selective_scan_ref semantics through the `SelectiveScan` kernel of the active (cpu or wasm) backend. */
export function selectiveScanFused(inputs: SelectiveScanInputs): SelectiveScanResult {
  const { n } = scanDims(inputs);
  registerFusedScan();
  // Absent optional inputs travel as empty tensors, so the kernel's inputs (and gradients) have fixed names.
  const empties: tf.Tensor[] = [];
  const orEmpty = (t: tf.Tensor | undefined) => t ?? empties[empties.push(tf.tensor1d([], 'float32')) - 1]!;
  const attrs: ScanAttrs = { softplus: inputs.deltaSoftplus ?? false, chunk: checkpointInterval(n) };
  const kernelInputs = {
    u: inputs.u, delta: inputs.delta, A: inputs.A, B: inputs.B, C: inputs.C,
    D: orEmpty(inputs.D), z: orEmpty(inputs.z), deltaBias: orEmpty(inputs.deltaBias),
  };
  const [y, lastState, checkpoints] = tf.engine().runKernel(SELECTIVE_SCAN, kernelInputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
  // The gradient keeps its own references to what it saved.
  tf.dispose([checkpoints!, ...empties]);
  if (inputs.returnLastState) return { y: y!, lastState: lastState! };
  lastState!.dispose();
  return { y: y! };
}
