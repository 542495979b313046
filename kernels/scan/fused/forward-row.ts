/**
 * The forward scan of one (b, d) row, specialised to the state size n. For n <= UNROLL_MAX the n state values
 * and A values live in local variables of a function generated for that n (they stay in registers, which a
 * loop over a small array does not achieve in V8); larger n runs a plain loop over arrays.
 */
import type { Vec } from './core.ts';

/** One row's scan over all l steps. `h` holds the state in and out; checkpoints get the state entering each chunk. */
export type ForwardRow = (
  h: Float64Array, // (n) state, updated in place
  a: Float64Array, // (n) the row's A
  u: Vec, delta: Vec, B: Vec, C: Vec, z: Vec | null, y: Vec, checkpoints: Vec,
  row: number, // offset of the row in u, delta, z, y
  l: number,
  bias: number, skip: number, softplus: boolean,
  bBase: number, bStep: number, cBase: number, cStep: number, // where the row's B/C values start, and their stride per step
  ckBase: number, chunk: number,
) => void;

export const UNROLL_MAX = 32;

const PARAMS = ['h', 'a', 'u', 'delta', 'B', 'C', 'z', 'y', 'checkpoints', 'row', 'l', 'bias', 'skip', 'softplus', 'bBase', 'bStep', 'cBase', 'cStep', 'ckBase', 'chunk'];

/** The step's shared prologue and epilogue around the state update `update` (softplus as in core.softplus). */
function stepSource(update: string, saveCheckpoint: string): string {
  return `
  for (let t = 0; t < l; t++) {
    if (t % chunk === 0) { const ck = ckBase + (t / chunk) * n; ${saveCheckpoint} }
    const raw = delta[row + t] + bias;
    const dt = softplus ? (raw > 20 ? raw : Math.log1p(Math.exp(raw))) : raw;
    const ut = u[row + t];
    const dtu = dt * ut;
    const bo = bBase + t * bStep;
    const co = cBase + t * cStep;
    let acc = 0;
    ${update}
    let yt = acc + skip * ut;
    if (z !== null) { const zt = z[row + t]; yt *= zt / (1 + Math.exp(-zt)); }
    y[row + t] = yt;
  }`;
}

function unrolledSource(n: number): string {
  const ks = Array.from({ length: n }, (_, k) => k);
  return `const n = ${n};
  ${ks.map((k) => `let h${k} = h[${k}]; const a${k} = a[${k}];`).join(' ')}
  ${stepSource(
    ks.map((k) => `h${k} = Math.exp(dt * a${k}) * h${k} + dtu * B[bo + ${k}]; acc += h${k} * C[co + ${k}];`).join('\n    '),
    ks.map((k) => `checkpoints[ck + ${k}] = h${k};`).join(' '),
  )}
  ${ks.map((k) => `h[${k}] = h${k};`).join(' ')}`;
}

const loopSource = `const n = h.length;
  ${stepSource(
    'for (let k = 0; k < n; k++) { const hk = Math.exp(dt * a[k]) * h[k] + dtu * B[bo + k]; h[k] = hk; acc += hk * C[co + k]; }',
    'for (let k = 0; k < n; k++) checkpoints[ck + k] = h[k];',
  )}`;

const cache = new Map<number, ForwardRow>();

/** The row scanner for state size n (generated once per n and reused). */
export function forwardRow(n: number): ForwardRow {
  const key = n <= UNROLL_MAX ? n : 0;
  let fn = cache.get(key);
  if (!fn) {
    fn = new Function(...PARAMS, key === 0 ? loopSource : unrolledSource(n)) as ForwardRow;
    cache.set(key, fn);
  }
  return fn;
}
