import { describe, expect, it } from 'vitest';
import * as tf from '../../kernels/tf.ts';
import { selectiveScan } from '../../kernels/index.ts';
import { chunkCount, scanBackward, scanForward, scratchTally, type ScanProblem } from '../../kernels/scan/fused/core.ts';
import { makeCase, seededRandom, type CaseSpec } from './scan-cases.ts';

/** The core's problem in float64, from a case's float32 values, with a small checkpoint interval. */
function float64Problem(spec: CaseSpec, chunk: number): ScanProblem {
  const c = makeCase(spec, 3);
  const groups = (layout: CaseSpec['bLayout']) => (layout === 'shared' ? 0 : layout === 'selective' ? 1 : layout);
  const f64 = (name: string) => (c.values[name] ? Float64Array.from(c.values[name]!) : null);
  return {
    b: spec.b, d: spec.d, l: spec.l, n: spec.n, bGroups: groups(spec.bLayout), cGroups: groups(spec.cLayout),
    softplus: spec.softplus, chunk,
    u: f64('u')!, delta: f64('delta')!, A: f64('A')!, B: f64('B')!, C: f64('C')!, D: f64('D'), z: f64('z'), deltaBias: f64('deltaBias'),
  };
}

/** loss = sum(W * y) + sum(V * lastState), computed by the fused forward in float64. */
function loss(p: ScanProblem, W: Float64Array, V: Float64Array): number {
  const { b, d, l, n, chunk } = p;
  const out = { y: new Float64Array(b * d * l), lastState: new Float64Array(b * d * n), checkpoints: new Float64Array(b * d * chunkCount(l, chunk) * n) };
  scanForward(p, out);
  let s = 0;
  out.y.forEach((v, i) => (s += v * W[i]!));
  out.lastState.forEach((v, i) => (s += v * V[i]!));
  return s;
}

const FD_CASES: CaseSpec[] = [
  { name: 'grouped B (g=2), selective C, everything on', b: 2, d: 4, l: 11, n: 3, bLayout: 2, cLayout: 'selective', D: true, z: true, bias: true, softplus: true },
  { name: 'shared B/C, no options', b: 1, d: 3, l: 9, n: 2, bLayout: 'shared', cLayout: 'shared', D: false, z: false, bias: false, softplus: false },
  { name: 'n=33 state loop, selective B, shared C, z', b: 1, d: 2, l: 6, n: 33, bLayout: 'selective', cLayout: 'shared', D: true, z: true, bias: false, softplus: true },
];

describe('fused backward against float64 central differences', () => {
  for (const spec of FD_CASES) {
    it(spec.name, () => {
      const p = float64Problem(spec, 4); // 4 steps per checkpoint, so the reverse pass crosses chunk edges
      const { b, d, l, n } = p;
      const rand = seededRandom(5);
      const W = Float64Array.from({ length: b * d * l }, () => rand() * 2 - 1);
      const V = Float64Array.from({ length: b * d * n }, () => rand() * 2 - 1);
      const checkpoints = new Float64Array(b * d * chunkCount(l, p.chunk) * n);
      scanForward(p, { y: new Float64Array(b * d * l), lastState: new Float64Array(b * d * n), checkpoints });
      const like = (x: Float64Array | Float32Array | null) => (x ? new Float64Array(x.length) : null);
      const grads = { u: like(p.u)!, delta: like(p.delta)!, A: like(p.A)!, B: like(p.B)!, C: like(p.C)!, D: like(p.D), z: like(p.z), deltaBias: like(p.deltaBias) };
      scanBackward(p, checkpoints, W, V, grads);
      const eps = 1e-6;
      for (const name of ['u', 'delta', 'A', 'B', 'C', 'D', 'z', 'deltaBias'] as const) {
        const x = p[name];
        const g = grads[name];
        if (!x || !g) continue;
        let worst = 0;
        const scale = Math.max(...Array.from(g, Math.abs), 1e-12);
        for (let i = 0; i < x.length; i++) {
          const keep = x[i]!;
          x[i] = keep + eps;
          const up = loss(p, W, V);
          x[i] = keep - eps;
          const down = loss(p, W, V);
          x[i] = keep;
          worst = Math.max(worst, Math.abs((up - down) / (2 * eps) - g[i]!) / scale);
        }
        expect(worst, `d${name}`).toBeLessThan(1e-6);
      }
    });
  }
});

/** Bytes the fused forward+backward adds at its peak: tensors (tf.profile) plus the kernel's scratch arrays. */
async function fusedPeakBytes(spec: CaseSpec): Promise<number> {
  const c = makeCase(spec);
  const x = c.tensors();
  const startBytes = tf.memory().numBytes;
  scratchTally.bytes = 0;
  const profile = await tf.profile(() => {
    const g = tf.grads((u: tf.Tensor, delta: tf.Tensor, A: tf.Tensor, B: tf.Tensor, C: tf.Tensor) =>
      tf.sum(selectiveScan({ ...x, u, delta, A, B, C, deltaSoftplus: true }, { impl: 'fused' }).y))([x.u, x.delta, x.A, x.B, x.C]);
    tf.dispose(g);
  });
  c.dispose();
  return profile.peakBytes - startBytes + scratchTally.bytes;
}

describe('fused forward+backward memory', () => {
  it.each(['cpu', 'wasm'])('grows with b*d*l + b*n*l, not b*d*l*n, on %s', async (backend) => {
    await tf.setBackend(backend);
    const spec = (n: number): CaseSpec => ({ name: 'memory', b: 1, d: 64, l: 256, n, bLayout: 'selective', cLayout: 'selective', D: true, z: true, bias: true, softplus: true });
    const small = await fusedPeakBytes(spec(16));
    const large = await fusedPeakBytes(spec(64));
    // One float32 (b, d, l, n) tensor at n = 64 is 4 MiB; the whole fused pass stays well under half of it, plus
    // the three (b, d, l) tensors of the contract's all-or-nothing NaN check (kernels/scan/contract.ts).
    expect(large).toBeLessThan((64 * 256 * 64 * 4) / 2 + 3 * (64 * 256 * 4));
    // Quadrupling n would quadruple any b*d*l*n term; here only the b*n*l terms (B, C and their gradients) grow.
    expect(large / small).toBeLessThan(2.5);
  });
});
