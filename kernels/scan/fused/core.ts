/**
 * The fused selective scan on flat arrays: the arithmetic of Mamba's CUDA kernel
 * (csrc/selective_scan/selective_scan_fwd_kernel.cuh and _bwd_kernel.cuh; reference/mamba-medmamba.md
 * section 7) for one CPU thread. Each (b, d) row keeps its n-vector of state in a small local array, so the
 * (b, d, l, n) tensors of selective_scan_ref are never built. The forward pass saves the state entering every
 * chunk of `chunk` steps; the backward pass walks the chunks in reverse, recomputes the states inside a chunk
 * from its checkpoint, and runs the reverse scan g_t = C_t dy_t + a_{t+1} g_{t+1}, producing every input
 * gradient in the one pass.
 *
 * Works on Float32Array and Float64Array alike: the kernels run it where WebAssembly SIMD is missing (else the
 * same algorithm in wasm/scan.c, through wasm-scan.ts), and the tests use it in float64 as the oracle of the
 * finite-difference check and of the SIMD scan.
 */

import { forwardRow } from './forward-row.ts';

export type Vec = Float32Array | Float64Array;

export interface ScanProblem {
  b: number;
  d: number;
  l: number;
  n: number;
  /** 0: B is (d, n); g >= 1: B is (b, g, n, l). Same for C. */
  bGroups: number;
  cGroups: number;
  softplus: boolean;
  /** Steps per checkpoint. */
  chunk: number;
  u: Vec; // (b, d, l)
  delta: Vec; // (b, d, l)
  A: Vec; // (d, n)
  B: Vec;
  C: Vec;
  D: Vec | null; // (d)
  z: Vec | null; // (b, d, l)
  deltaBias: Vec | null; // (d)
}

export interface ForwardOutputs {
  y: Vec; // (b, d, l)
  lastState: Vec; // (b, d, n)
  checkpoints: Vec; // (b, d, ceil(l / chunk), n): state entering each chunk
}

export interface Gradients {
  u: Vec; // (b, d, l)
  delta: Vec; // (b, d, l)
  A: Vec; // (d, n)
  B: Vec; // B's shape
  C: Vec; // C's shape
  D: Vec | null; // (d)
  z: Vec | null; // (b, d, l)
  deltaBias: Vec | null; // (d)
}

/**
 * Steps per checkpoint: the saved states take b*d*ceil(l/K)*n values, at most b*d*l (the size of u) when K >= n,
 * and a chunk's recomputed states ((K+1)*n values, twice) stay in the first-level cache. 64 keeps the
 * checkpoints at a quarter of u for Mamba's n = 16.
 */
export function checkpointInterval(n: number): number {
  return Math.max(64, n);
}

/**
 * Scratch memory of the fused scan since the last reset (`scratchTally.bytes = 0`): the bytes the JS scan
 * allocated, plus the largest extent of the SIMD scan's linear memory that one call used (that memory is
 * reused from call to call, so its peak, not its sum, is what the scan holds). The memory test reads it.
 */
export const scratchTally = {
  js: 0,
  wasmPeak: 0,
  get bytes(): number {
    return this.js + this.wasmPeak;
  },
  set bytes(value: number) {
    this.js = value;
    this.wasmPeak = 0;
  },
  /** Records one call's use of the SIMD scan's memory. */
  wasmCall(bytes: number): void {
    this.wasmPeak = Math.max(this.wasmPeak, bytes);
  },
};

function f64(size: number): Float64Array {
  scratchTally.js += size * 8;
  return new Float64Array(size);
}

export const chunkCount = (l: number, chunk: number) => Math.ceil(l / chunk);

/** softplus(x) = log(1 + e^x), exact to float precision and without overflow. */
export const softplus = (x: number) => (x > 20 ? x : Math.log1p(Math.exp(x)));
/** d softplus / dx = sigmoid(x); 1 where softplus is the identity. */
const softplusGrad = (x: number) => (x > 20 ? 1 : 1 / (1 + Math.exp(-x)));

/**
 * A grouped projection (b, g, n, l) copied to time-major (b, g, l, n), so a step reads its n values
 * contiguously. A (d, n) projection is returned as is. The copy holds b*g*l*n values.
 */
function timeMajor(x: Vec, p: ScanProblem, groups: number): Vec {
  if (groups === 0) return x;
  const { b, n, l } = p;
  const out = new (x.constructor as Float64ArrayConstructor)(x.length);
  scratchTally.js += out.byteLength;
  for (let bg = 0; bg < b * groups; bg++) {
    const base = bg * n * l;
    for (let k = 0; k < n; k++) for (let t = 0; t < l; t++) out[base + t * n + k] = x[base + k * l + t]!;
  }
  return out;
}

/** Inverse of timeMajor: writes `src` (b, g, l, n) into `out` (b, g, n, l). */
function fromTimeMajor(src: Float64Array, out: Vec, p: ScanProblem, groups: number): void {
  const { b, n, l } = p;
  for (let bg = 0; bg < b * groups; bg++) {
    const base = bg * n * l;
    for (let k = 0; k < n; k++) for (let t = 0; t < l; t++) out[base + k * l + t] = src[base + t * n + k]!;
  }
}

/** Where a row's projection values start and how far they move per step, for a (b, d) row. */
function projectionCursor(groups: number, p: ScanProblem, bi: number, di: number): { base: number; step: number } {
  if (groups === 0) return { base: di * p.n, step: 0 };
  const group = Math.floor(di / (p.d / groups));
  return { base: (bi * groups + group) * p.l * p.n, step: p.n };
}

/** y = selective_scan(...), the final state, and the chunk checkpoints. */
export function scanForward(p: ScanProblem, out: ForwardOutputs): void {
  const { b, d, l, n, chunk, softplus: useSoftplus, u, delta, A, D, z, deltaBias } = p;
  const B = timeMajor(p.B, p, p.bGroups); // (b, g, l, n) or (d, n)
  const C = timeMajor(p.C, p, p.cGroups);
  const { y, lastState, checkpoints } = out;
  const nChunks = chunkCount(l, chunk);
  const h = f64(n); // the row's state
  const a = f64(n); // the row's A
  const scanRow = forwardRow(n);
  for (let bi = 0; bi < b; bi++) {
    for (let di = 0; di < d; di++) {
      const bc = projectionCursor(p.bGroups, p, bi, di);
      const cc = projectionCursor(p.cGroups, p, bi, di);
      for (let k = 0; k < n; k++) a[k] = A[di * n + k]!;
      h.fill(0);
      scanRow(
        h, a, u, delta, B, C, z, y, checkpoints, (bi * d + di) * l, l,
        deltaBias ? deltaBias[di]! : 0, D ? D[di]! : 0, useSoftplus,
        bc.base, bc.step, cc.base, cc.step, (bi * d + di) * nChunks * n, chunk,
      );
      lastState.set(h, (bi * d + di) * n);
    }
  }
}

/**
 * Gradients of sum(dy * y) + sum(dLast * lastState) with respect to every input, in one reverse pass per row.
 * `grads` arrays are overwritten.
 */
export function scanBackward(p: ScanProblem, checkpoints: Vec, dy: Vec, dLast: Vec | null, grads: Gradients): void {
  const { b, d, l, n, chunk, softplus: useSoftplus, u, delta, A, D, z, deltaBias } = p;
  const B = timeMajor(p.B, p, p.bGroups);
  const C = timeMajor(p.C, p, p.cGroups);
  // Projection gradients accumulate over the channels of a group (or over batch and time when shared).
  const dB = f64(grads.B.length); // time-major like B
  const dC = f64(grads.C.length);
  const dA = f64(d * n);
  const nChunks = chunkCount(l, chunk);
  const hs = f64((chunk + 1) * n); // slot 0: the checkpoint; slot j+1: h at step t0+j
  const decays = f64(chunk * n); // exp(dt * A) at each step of the chunk
  const dts = f64(chunk);
  const raws = f64(chunk);
  const accs = f64(chunk); // sum_n h C: y before skip and gate
  const g = f64(n); // dL/dh carried backwards, already multiplied by the next step's decay
  const a = f64(n);
  for (let bi = 0; bi < b; bi++) {
    for (let di = 0; di < d; di++) {
      const row = (bi * d + di) * l;
      const bias = deltaBias ? deltaBias[di]! : 0;
      const skip = D ? D[di]! : 0;
      const bc = projectionCursor(p.bGroups, p, bi, di);
      const cc = projectionCursor(p.cGroups, p, bi, di);
      const ckRow = (bi * d + di) * nChunks * n;
      for (let k = 0; k < n; k++) a[k] = A[di * n + k]!;
      if (dLast) for (let k = 0; k < n; k++) g[k] = dLast[(bi * d + di) * n + k]!;
      else g.fill(0);
      let dSkip = 0;
      let dBias = 0;
      for (let c = nChunks - 1; c >= 0; c--) {
        const t0 = c * chunk;
        const steps = Math.min(chunk, l - t0);
        // Recompute the chunk's states from its checkpoint.
        for (let k = 0; k < n; k++) hs[k] = checkpoints[ckRow + c * n + k]!;
        for (let j = 0; j < steps; j++) {
          const t = t0 + j;
          const raw = delta[row + t]! + bias;
          const dt = useSoftplus ? softplus(raw) : raw;
          const dtu = dt * u[row + t]!;
          const bo = bc.base + t * bc.step;
          const co = cc.base + t * cc.step;
          const prev = j * n;
          const cur = prev + n;
          let acc = 0;
          for (let k = 0; k < n; k++) {
            const ak = Math.exp(dt * a[k]!);
            const hk = ak * hs[prev + k]! + dtu * B[bo + k]!;
            decays[prev + k] = ak;
            hs[cur + k] = hk;
            acc += hk * C[co + k]!;
          }
          raws[j] = raw;
          dts[j] = dt;
          accs[j] = acc;
        }
        // Reverse scan over the chunk.
        for (let j = steps - 1; j >= 0; j--) {
          const t = t0 + j;
          const ut = u[row + t]!;
          const dt = dts[j]!;
          const dtu = dt * ut;
          let gy = dy[row + t]!;
          if (z) {
            const zt = z[row + t]!;
            const s = 1 / (1 + Math.exp(-zt));
            grads.z![row + t] = gy * (accs[j]! + skip * ut) * s * (1 + zt * (1 - s));
            gy *= zt * s;
          }
          dSkip += gy * ut;
          const bo = bc.base + t * bc.step;
          const co = cc.base + t * cc.step;
          const prev = j * n;
          const cur = prev + n;
          let sumGB = 0; // sum_n g_n B_n: the input term's share of du and d(dt)
          let sumDecay = 0; // sum_n dL/d(dt A_n) A_n: the decay's share of d(dt)
          for (let k = 0; k < n; k++) {
            const gk = g[k]! + gy * C[co + k]!;
            dC[co + k] += gy * hs[cur + k]!;
            dB[bo + k] += gk * dtu;
            sumGB += gk * B[bo + k]!;
            const ak = decays[prev + k]!;
            const dLogDecay = gk * hs[prev + k]! * ak;
            sumDecay += dLogDecay * a[k]!;
            dA[di * n + k] += dLogDecay * dt;
            g[k] = gk * ak;
          }
          grads.u[row + t] = gy * skip + dt * sumGB;
          const gdt = (sumDecay + ut * sumGB) * (useSoftplus ? softplusGrad(raws[j]!) : 1);
          grads.delta[row + t] = gdt;
          dBias += gdt;
        }
      }
      if (grads.D) grads.D[di] = (bi === 0 ? 0 : grads.D[di]!) + dSkip;
      if (grads.deltaBias) grads.deltaBias[di] = (bi === 0 ? 0 : grads.deltaBias[di]!) + dBias;
    }
  }
  grads.A.set(dA);
  if (p.bGroups === 0) grads.B.set(dB);
  else fromTimeMajor(dB, grads.B, p, p.bGroups);
  if (p.cGroups === 0) grads.C.set(dC);
  else fromTimeMajor(dC, grads.C, p, p.cGroups);
}
