/**
 * A scalar float64 transcription of Mamba's selective_scan_ref (reference/mamba-medmamba.md section 6),
 * independent of tfjs and of the kernels under test: the oracle of the scan tests.
 */
export interface OracleInputs {
  dims: { b: number; d: number; l: number; n: number };
  u: Float64Array; // (b, d, l)
  delta: Float64Array; // (b, d, l)
  A: Float64Array; // (d, n)
  /** (d, n) when groups is 0, else (b, groups, n, l). */
  B: Float64Array;
  bGroups: number;
  C: Float64Array;
  cGroups: number;
  D?: Float64Array; // (d)
  z?: Float64Array; // (b, d, l)
  deltaBias?: Float64Array; // (d)
  deltaSoftplus: boolean;
}

export function oracleScan(x: OracleInputs): { y: Float64Array; lastState: Float64Array } {
  const { b, d, l, n } = x.dims;
  const y = new Float64Array(b * d * l);
  const last = new Float64Array(b * d * n);
  const proj = (m: Float64Array, groups: number, bi: number, di: number, ni: number, t: number) =>
    groups === 0 ? m[di * n + ni]! : m[((bi * groups + Math.floor(di / (d / groups))) * n + ni) * l + t]!;
  for (let bi = 0; bi < b; bi++)
    for (let di = 0; di < d; di++) {
      const h = new Float64Array(n);
      for (let t = 0; t < l; t++) {
        const i = (bi * d + di) * l + t;
        let dt = x.delta[i]! + (x.deltaBias ? x.deltaBias[di]! : 0);
        if (x.deltaSoftplus) dt = Math.log(1 + Math.exp(dt));
        let acc = 0;
        for (let k = 0; k < n; k++) {
          h[k] = Math.exp(dt * x.A[di * n + k]!) * h[k]! + dt * proj(x.B, x.bGroups, bi, di, k, t) * x.u[i]!;
          acc += h[k]! * proj(x.C, x.cGroups, bi, di, k, t);
        }
        let out = acc + (x.D ? x.D[di]! * x.u[i]! : 0);
        if (x.z) out *= x.z[i]! / (1 + Math.exp(-x.z[i]!));
        y[i] = out;
      }
      last.set(h, (bi * d + di) * n);
    }
  return { y, lastState: last };
}
