/**
 * The initialisers the image models add to init.ts's: timm's trunc_normal_ (what VSSM._init_weights
 * gives every nn.Linear) and PyTorch's kaiming_normal_(mode='fan_out', nonlinearity='relu') (what it
 * gives every nn.Conv2d, and what torchvision's ResNet gives its convolutions). Seeded, row-major
 * Float32Arrays like init.ts.
 */
import type { Rng } from './rng.ts';

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * N(0, std^2) truncated to [lo, hi] by redrawing (timm's trunc_normal_ defaults: lo = -2, hi = 2
 * in absolute units, which for std 0.02 cuts nothing measurable; kept for fidelity).
 */
export function truncNormal(shape: readonly number[], std: number, rng: Rng, lo = -2, hi = 2): Float32Array {
  const out = new Float32Array(size(shape));
  for (let i = 0; i < out.length; i++) {
    let v = rng.normal() * std;
    while (v < lo || v > hi) v = rng.normal() * std;
    out[i] = v;
  }
  return out;
}

/**
 * kaiming_normal_(mode='fan_out', nonlinearity='relu'): N(0, 2 / fan_out), with PyTorch's fan_out of
 * a conv weight (co, ci/groups, kh, kw) = co * kh * kw (groups do not divide it).
 */
export function kaimingNormalFanOut(shape: readonly number[], fanOut: number, rng: Rng): Float32Array {
  const std = Math.sqrt(2 / fanOut);
  const out = new Float32Array(size(shape));
  for (let i = 0; i < out.length; i++) out[i] = rng.normal() * std;
  return out;
}
