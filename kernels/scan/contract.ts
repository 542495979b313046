/**
 * The parts of selectiveScan's contract that hold for every implementation alike (kernels/README.md, "The
 * contract"), so that no implementation meets a case the others treat differently:
 * - zero-size dimensions give correctly shaped results without running any implementation (emptyScan);
 * - overflow gives NaN throughout: a decay exp(delta * A) over the float32 range poisons A (guardDecays), and a
 *   result with any Inf or NaN left in it becomes NaN everywhere (allOrNothing). Implementations overflow in
 *   different places (the chunked scan multiplies up to 128 decays before it adds, the reference and the fused
 *   scan go step by step, the JS fallback keeps its state in float64), so only "all NaN" is the same for all.
 */
import * as tf from '../tf.ts';
import { skipAndGate } from './reference.ts';
import type { ScanDims } from './shapes.ts';
import type { SelectiveScanInputs, SelectiveScanResult } from './types.ts';

/** The input tensors present, in a fixed order. */
const present = (x: SelectiveScanInputs): tf.Tensor[] =>
  [x.u, x.delta, x.A, x.B, x.C, x.D, x.z, x.deltaBias].filter((t): t is tf.Tensor => t !== undefined);

/**
 * `value(...)` as an op of `connect` whose gradient is `grad(dy)` for the first and zero for the rest: keeps
 * every input connected to the output, so tf.grads with respect to any of them answers instead of throwing.
 */
function op(connect: tf.Tensor[], value: () => tf.Tensor, firstGrad?: (dy: tf.Tensor) => tf.Tensor): tf.Tensor {
  const f = tf.customGrad((...args: unknown[]) => {
    const xs = args.slice(0, connect.length) as tf.Tensor[];
    return {
      value: value(),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) =>
        xs.map((x, i) => (i === 0 && firstGrad ? firstGrad(dy as tf.Tensor) : tf.zerosLike(x))),
    };
  });
  return f(...connect);
}

export const isEmpty = ({ b, d, l, n }: ScanDims) => b === 0 || d === 0 || l === 0 || n === 0;

/**
 * The result when b, d, l or n is 0, as selective_scan_ref defines it: no state, so y = (u * D) * silu(z)
 * ((b, d, l), empty unless only n is 0) and lastState = zeros (b, d, n) (the state before any step).
 * Gradients: those of the skip and gate for u, D and z, zero for the rest.
 */
export function emptyScan(inputs: SelectiveScanInputs, { b, d, l, n }: ScanDims): SelectiveScanResult {
  return tf.tidy(() => {
    const inputsList = present(inputs);
    const none = op(inputsList, () => tf.zeros([b, d, l])); // (b, d, l)
    // Only n = 0 leaves y non-empty. An empty y skips the skip and gate: tfjs's broadcast gradients over empty
    // axes fail on l = 0 and read uninitialised memory on wasm, and every gradient is zero anyway.
    const y = b * d * l > 0 ? skipAndGate(none, inputs) : none;
    if (!inputs.returnLastState) return { y };
    return { y, lastState: op(inputsList, () => tf.zeros([b, d, n])) }; // (b, d, n)
  });
}

/** ln of the largest float32: exp(x) overflows float32 for x above it. */
export const MAX_EXPONENT = Math.log(3.4028234663852886e38);

/**
 * A, or A filled with NaN when some decay exp(delta_eff * A) overflows float32 (the largest delta_eff * A over
 * (b, d, l, n) is above MAX_EXPONENT). Found per channel from the extremes of delta_eff over (b, l) and of A
 * over n (softplus is monotonic, so the extremes of delta + deltaBias carry through it): two reductions over
 * (b, d, l) and no read back to the host, so the scan stays asynchronous on a GPU. The gradient with respect
 * to A passes straight through; the check itself has none.
 */
export function guardDecays(inputs: SelectiveScanInputs): tf.Tensor {
  const { A, delta, deltaBias } = inputs;
  return op([A], () =>
    tf.tidy(() => {
      let hi = tf.max(tf.max(delta, 2), 0); // (d)
      let lo = tf.min(tf.min(delta, 2), 0); // (d)
      if (deltaBias) [hi, lo] = [tf.add(hi, deltaBias), tf.add(lo, deltaBias)];
      if (inputs.deltaSoftplus) [hi, lo] = [tf.softplus(hi), tf.softplus(lo)];
      const aHi = tf.max(A, 1); // (d)
      const aLo = tf.min(A, 1); // (d)
      const exponent = tf.max(tf.stack([tf.mul(hi, aHi), tf.mul(hi, aLo), tf.mul(lo, aHi), tf.mul(lo, aLo)])); // ()
      return tf.add(A, tf.where(tf.greater(exponent, MAX_EXPONENT), tf.scalar(NaN), tf.scalar(0)));
    }), (dy) => dy);
}

/**
 * The result unchanged when every element of it is finite, else NaN everywhere, gradients included: sum(x * 0)
 * is 0 for finite x and NaN as soon as one element is Inf or NaN, so adding it costs two passes over y and no
 * read back. (A finite result only turns -0 into +0.)
 */
export function allOrNothing(result: SelectiveScanResult): SelectiveScanResult {
  const outputs = [result.y, ...(result.lastState ? [result.lastState] : [])];
  // Off the gradient's path: only the poisoned outputs below are, and their gradient is written out.
  const p = tf.tidy(() => tf.addN(outputs.map((t) => tf.sum(tf.mul(t, 0))))); // () 0 or NaN
  // NaN gradients for a NaN result, whatever each implementation's backward makes of Inf.
  const poisoned = tf.customGrad((...args: unknown[]) => {
    const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([p]); // kept for the backward pass, which runs after the tidy that made p
    return { value: tf.add(x, p), gradFunc: (dy: tf.Tensor | tf.Tensor[], [saved]: tf.Tensor[]) => tf.add(dy as tf.Tensor, saved!) };
  }) as (x: tf.Tensor) => tf.Tensor;
  const y = poisoned(result.y);
  return result.lastState ? { y, lastState: poisoned(result.lastState) } : { y };
}
