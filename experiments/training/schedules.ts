/**
 * Learning-rate schedules: functions of the 1-based optimisation step.
 * - constant(lr): the original image recipe (Adam at 1e-4 throughout).
 * - warmupInverseSqrt(peak, warmup): Vaswani et al. 2017 / fairseq's inverse_sqrt, linear warmup from
 *   peak / warmup at step 1 to peak at step `warmup`, then peak sqrt(warmup / step).
 * - linearDecay(peak, total, finalFraction): from peak at step 1 down to peak * finalFraction at step
 *   `total` (the selective copying study's, defined beside the project's Adam).
 */
export { linearDecay } from '../models/train.ts';
export type Schedule = (step: number) => number;

export function constant(lr: number): Schedule {
  if (!(lr > 0)) throw new Error(`constant schedule: learning rate must be positive, got ${lr}`);
  return () => lr;
}

export function warmupInverseSqrt(peak: number, warmup: number): Schedule {
  if (!(peak > 0)) throw new Error(`warmupInverseSqrt: peak must be positive, got ${peak}`);
  if (!(Number.isInteger(warmup) && warmup >= 1)) throw new Error(`warmupInverseSqrt: warmup must be an integer >= 1, got ${warmup}`);
  return (step) => (step <= warmup ? (peak * step) / warmup : peak * Math.sqrt(warmup / step));
}
