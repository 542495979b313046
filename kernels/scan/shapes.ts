/**
 * Shape checking for the selective scan, and the index arithmetic that lets every implementation treat
 * the three layouts of B and C (time-invariant, selective, grouped) the same way.
 */
import type { SelectiveScanInputs } from './types.ts';

/**
 * How B (or C) is laid out. `shared`: (d, n), one matrix for every batch and step.
 * `grouped`: (b, g, n, l) with channel c reading group floor(c / (d / g)); the selective (b, n, l) layout is g = 1.
 */
export type ProjectionLayout = { kind: 'shared' } | { kind: 'grouped'; groups: number };

export interface ScanDims {
  b: number;
  d: number;
  l: number;
  n: number;
  layoutB: ProjectionLayout;
  layoutC: ProjectionLayout;
}

function fail(message: string): never {
  throw new Error(`selectiveScan: ${message}`);
}

function projectionLayout(name: string, shape: number[], dims: { b: number; d: number; l: number; n: number }): ProjectionLayout {
  const { b, d, l, n } = dims;
  const same = (expected: number[]) => shape.length === expected.length && shape.every((s, i) => s === expected[i]);
  if (same([d, n])) return { kind: 'shared' };
  if (same([b, n, l])) return { kind: 'grouped', groups: 1 };
  if (shape.length === 4 && shape[0] === b && shape[2] === n && shape[3] === l) {
    const g = shape[1]!;
    if (g < 1 || d % g !== 0) fail(`${name} has ${g} groups, which do not divide d = ${d}`);
    return { kind: 'grouped', groups: g };
  }
  return fail(`${name} has shape [${shape}]; expected (d, n) = [${d},${n}], (b, n, l) = [${b},${n},${l}] or (b, g, n, l)`);
}

/** Validates every input's shape and dtype against u and A, and names the layouts of B and C. */
export function scanDims(inputs: SelectiveScanInputs): ScanDims {
  const { u, delta, A, B, C, D, z, deltaBias } = inputs;
  if (u.rank !== 3) fail(`u must be (b, d, l), got [${u.shape}]`);
  if (A.rank !== 2) fail(`A must be (d, n), got [${A.shape}]`);
  const [b, d, l] = u.shape as [number, number, number];
  const n = A.shape[1]!;
  if (A.shape[0] !== d) fail(`A has ${A.shape[0]} rows, u has d = ${d}`);
  const sameAs = (name: string, shape: number[], expected: number[]) => {
    if (shape.length !== expected.length || shape.some((s, i) => s !== expected[i]))
      fail(`${name} has shape [${shape}], expected [${expected}]`);
  };
  sameAs('delta', delta.shape, [b, d, l]);
  if (z) sameAs('z', z.shape, [b, d, l]);
  if (D) sameAs('D', D.shape, [d]);
  if (deltaBias) sameAs('deltaBias', deltaBias.shape, [d]);
  for (const [name, t] of Object.entries({ u, delta, A, B, C, D, z, deltaBias })) {
    if (t && t.dtype !== 'float32') fail(`${name} must be float32, got ${t.dtype}`);
  }
  const dims = { b, d, l, n };
  return { ...dims, layoutB: projectionLayout('B', B.shape, dims), layoutC: projectionLayout('C', C.shape, dims) };
}
