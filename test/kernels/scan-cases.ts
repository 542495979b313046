/** Seeded random selective-scan problems shared by the scan tests, in tfjs and float64 oracle form. */
import * as tf from '../../kernels/tf.ts';
import type { SelectiveScanInputs } from '../../kernels/index.ts';
import type { OracleInputs } from './scan-oracle.ts';

/** 'shared': (d, n); 'selective': (b, n, l); a number g: grouped (b, g, n, l). */
export type Layout = 'shared' | 'selective' | number;

export interface CaseSpec {
  name: string;
  b: number;
  d: number;
  l: number;
  n: number;
  bLayout: Layout;
  cLayout: Layout;
  D: boolean;
  z: boolean;
  bias: boolean;
  softplus: boolean;
}

/** Covers l = 1, n = 1, d not a multiple of 4, every B/C layout, each optional input on and off, and l past chunk edges. */
export const SCAN_CASES: CaseSpec[] = [
  { name: 'l=1 n=1 shared B/C, nothing optional', b: 1, d: 3, l: 1, n: 1, bLayout: 'shared', cLayout: 'shared', D: false, z: false, bias: false, softplus: false },
  { name: 'selective B/C, D, z, bias, softplus, d=6', b: 2, d: 6, l: 9, n: 4, bLayout: 'selective', cLayout: 'selective', D: true, z: true, bias: true, softplus: true },
  { name: 'grouped B (g=3), selective C, z only', b: 2, d: 6, l: 7, n: 3, bLayout: 3, cLayout: 'selective', D: false, z: true, bias: false, softplus: false },
  { name: 'shared B, grouped C (g=2), D, softplus', b: 1, d: 10, l: 12, n: 5, bLayout: 'shared', cLayout: 2, D: true, z: false, bias: false, softplus: true },
  { name: 'grouped B/C (g=1 as 4-D), n=1, bias', b: 3, d: 5, l: 6, n: 1, bLayout: 1, cLayout: 1, D: true, z: false, bias: true, softplus: false },
  { name: 'n=40 (state loop, not unrolled), shared B, selective C', b: 1, d: 3, l: 70, n: 40, bLayout: 'shared', cLayout: 'selective', D: true, z: false, bias: true, softplus: true },
  { name: 'l=150 past chunk edges, everything on', b: 2, d: 7, l: 150, n: 6, bLayout: 'selective', cLayout: 'selective', D: true, z: true, bias: true, softplus: true },
];

/** mulberry32: a small seeded generator, so every case is the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function layoutShape(layout: Layout, b: number, d: number, n: number, l: number): number[] {
  if (layout === 'shared') return [d, n];
  if (layout === 'selective') return [b, n, l];
  return [b, layout, n, l];
}

const oracleGroups = (layout: Layout) => (layout === 'shared' ? 0 : layout === 'selective' ? 1 : layout);

export interface ScanCase {
  spec: CaseSpec;
  /** Float32-rounded values of every input, by name. */
  values: Record<string, Float32Array>;
  shapes: Record<string, number[]>;
  /** Fresh tensors of the inputs present in this case. */
  tensors(): SelectiveScanInputs;
  oracle: OracleInputs;
  dispose(): void;
}

export function makeCase(spec: CaseSpec, seed = 7): ScanCase {
  const rand = seededRandom(seed);
  const { b, d, l, n } = spec;
  const uniform = (size: number, lo: number, hi: number) => Float32Array.from({ length: size }, () => lo + (hi - lo) * rand());
  const shapes: Record<string, number[]> = {
    u: [b, d, l], delta: [b, d, l], A: [d, n], B: layoutShape(spec.bLayout, b, d, n, l), C: layoutShape(spec.cLayout, b, d, n, l),
  };
  const size = (s: number[]) => s.reduce((p, x) => p * x, 1);
  const values: Record<string, Float32Array> = {
    u: uniform(b * d * l, -1, 1),
    // Without softplus the step must stay positive, as softplus would make it.
    delta: spec.softplus ? uniform(b * d * l, -3, 1) : uniform(b * d * l, 0.01, 0.5),
    A: uniform(d * n, -1, 1.5).map((x) => -Math.exp(x)),
    B: uniform(size(shapes.B!), -1, 1),
    C: uniform(size(shapes.C!), -1, 1),
  };
  if (spec.D) (values.D = uniform(d, -1, 1)), (shapes.D = [d]);
  if (spec.z) (values.z = uniform(b * d * l, -2, 2)), (shapes.z = [b, d, l]);
  if (spec.bias) (values.deltaBias = uniform(d, -1, 0.5)), (shapes.deltaBias = [d]);
  const live: tf.Tensor[] = [];
  const f64 = (name: string) => (values[name] ? Float64Array.from(values[name]!) : undefined);
  return {
    spec,
    values,
    shapes,
    tensors() {
      const out: Record<string, tf.Tensor> = {};
      for (const [name, v] of Object.entries(values)) live.push((out[name] = tf.tensor(v, shapes[name], 'float32')));
      return out as unknown as SelectiveScanInputs;
    },
    oracle: {
      dims: { b, d, l, n },
      u: f64('u')!, delta: f64('delta')!, A: f64('A')!, B: f64('B')!, C: f64('C')!, D: f64('D'), z: f64('z'), deltaBias: f64('deltaBias'),
      bGroups: oracleGroups(spec.bLayout), cGroups: oracleGroups(spec.cLayout), deltaSoftplus: spec.softplus,
    },
    dispose: () => tf.dispose(live.splice(0)),
  };
}

/** max |got - want| / max |want|: the error relative to the tensor's own scale. */
export function normalisedError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) throw new Error(`length ${got.length} vs ${want.length}`);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return err / Math.max(scale, 1e-30);
}
