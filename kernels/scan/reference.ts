/**
 * The reference selective scan: Mamba's `selective_scan_ref` (mamba_ssm/ops/selective_scan_interface.py;
 * reference/mamba-medmamba.md section 6) written as a loop over the l time steps of TensorFlow.js ops and
 * differentiated by tfjs itself. It is the ground truth the fused and chunked scans are tested against,
 * and the "standard scan" baseline of the benchmarks. It materialises (b, d, n) tensors per step, so l of them.
 */
import * as tf from '../tf.ts';
import { scanDims, type ProjectionLayout } from './shapes.ts';
import type { SelectiveScanInputs, SelectiveScanResult } from './types.ts';

/** delta + deltaBias, then softplus when asked: the discretisation step of every implementation. (b, d, l) */
export function effectiveDelta(inputs: SelectiveScanInputs): tf.Tensor {
  const d = inputs.u.shape[1]!;
  let delta = inputs.delta;
  if (inputs.deltaBias) delta = tf.add(delta, tf.reshape(inputs.deltaBias, [d, 1]));
  if (inputs.deltaSoftplus) delta = tf.softplus(delta);
  return delta;
}

/** Final gate and skip: out = (y + u * D) * silu(z). y, u, z: (b, d, l); D: (d). */
export function skipAndGate(y: tf.Tensor, inputs: SelectiveScanInputs): tf.Tensor {
  const d = inputs.u.shape[1]!;
  let out = y;
  if (inputs.D) out = tf.add(out, tf.mul(inputs.u, tf.reshape(inputs.D, [d, 1])));
  if (inputs.z) out = tf.mul(out, tf.mul(inputs.z, tf.sigmoid(inputs.z)));
  return out;
}

/** A time-varying projection as a 4-D tensor; selective (b, n, l) is one group. -> (b, g, n, l) */
export function asGrouped(x: tf.Tensor): tf.Tensor {
  return x.rank === 4 ? x : tf.expandDims(x, 1);
}

/** The l time slices of a (..., l) tensor as a list, each with the time axis dropped. */
function timeSlices(x: tf.Tensor): tf.Tensor[] {
  // tfjs's Unpack gradient fails for a single output (it receives one dy, not a list), so l = 1 is a reshape.
  if (x.shape[x.rank - 1] === 1) return [tf.reshape(x, x.shape.slice(0, -1))];
  const perm = [x.rank - 1, ...Array.from({ length: x.rank - 1 }, (_, i) => i)];
  return tf.unstack(tf.transpose(x, perm), 0);
}

/** Per-step input term delta_t * u_t * B_t, broadcast over the layouts. dtu: (b, d); B_t: (d, n) or (b, g, n). -> (b, d, n) */
function inputTerm(dtu: tf.Tensor, Bt: tf.Tensor, layout: ProjectionLayout, dims: { b: number; d: number; n: number }): tf.Tensor {
  const { b, d, n } = dims;
  if (layout.kind === 'shared') return tf.mul(tf.reshape(dtu, [b, d, 1]), tf.reshape(Bt, [1, d, n]));
  const g = layout.groups;
  const grouped = tf.mul(tf.reshape(dtu, [b, g, d / g, 1]), tf.reshape(Bt, [b, g, 1, n])); // (b, g, d/g, n)
  return tf.reshape(grouped, [b, d, n]);
}

/** Per-step readout y_t = sum_n h_t * C_t. h: (b, d, n); C_t: (d, n) or (b, g, n). -> (b, d) */
function readout(h: tf.Tensor, Ct: tf.Tensor, layout: ProjectionLayout, dims: { b: number; d: number; n: number }): tf.Tensor {
  const { b, d, n } = dims;
  if (layout.kind === 'shared') return tf.sum(tf.mul(h, tf.reshape(Ct, [1, d, n])), -1);
  const g = layout.groups;
  const grouped = tf.sum(tf.mul(tf.reshape(h, [b, g, d / g, n]), tf.reshape(Ct, [b, g, 1, n])), -1); // (b, g, d/g)
  return tf.reshape(grouped, [b, d]);
}

/** selective_scan_ref as a sequential loop of tfjs ops over the l steps. */
export function selectiveScanReference(inputs: SelectiveScanInputs): SelectiveScanResult {
  const dims = scanDims(inputs);
  const { b, d, l, n, layoutB, layoutC } = dims;
  return tf.tidy(() => {
    const delta = effectiveDelta(inputs); // (b, d, l)
    const deltaSteps = timeSlices(delta); // l x (b, d)
    const dtuSteps = timeSlices(tf.mul(delta, inputs.u)); // l x (b, d)
    const bSteps = layoutB.kind === 'shared' ? null : timeSlices(asGrouped(inputs.B)); // l x (b, g, n)
    const cSteps = layoutC.kind === 'shared' ? null : timeSlices(asGrouped(inputs.C)); // l x (b, g, n)
    const A = tf.reshape(inputs.A, [1, d, n]);
    let h: tf.Tensor = tf.zeros([b, d, n]);
    const ys: tf.Tensor[] = [];
    for (let t = 0; t < l; t++) {
      const decay = tf.exp(tf.mul(tf.reshape(deltaSteps[t]!, [b, d, 1]), A)); // (b, d, n)
      h = tf.add(tf.mul(decay, h), inputTerm(dtuSteps[t]!, bSteps?.[t] ?? inputs.B, layoutB, dims));
      ys.push(readout(h, cSteps?.[t] ?? inputs.C, layoutC, dims)); // (b, d)
    }
    const y = skipAndGate(tf.stack(ys, 2), inputs); // (b, d, l)
    return inputs.returnLastState ? { y, lastState: h } : { y };
  });
}
