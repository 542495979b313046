/**
 * A strided sum: out[p, q] = sum_k in[offset + p*sp + q*sq + k*sk], for p < P, q < Q, k < K.
 * Folds the backward's per-workgroup and per-batch partial sums into the gradients' shapes.
 */
export interface StridedSumSpec {
  P: number;
  Q: number;
  K: number;
  offset: number;
  sp: number;
  sq: number;
  sk: number;
}

const WORKGROUP = 256;
const MAX_GROUPS_X = 65535;

export function stridedSumShader(): string {
  return /* wgsl */ `
struct Params { P: u32, Q: u32, K: u32, offset: u32, sp: u32, sq: u32, sk: u32, perRow: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let o = gid.y * p.perRow + gid.x;
  if (gid.x >= p.perRow || o >= p.P * p.Q) { return; }
  let pi = o / p.Q;
  let qi = o % p.Q;
  var base = p.offset + pi * p.sp + qi * p.sq;
  var acc = 0.0;
  for (var k = 0u; k < p.K; k = k + 1u) { acc = acc + src[base]; base = base + p.sk; }
  dst[o] = acc;
}
`;
}

/** Params and a 2-D grid for `stridedSumShader` (outputs beyond 65535 workgroups wrap onto y). */
export function stridedSum(_shape: number[], s: StridedSumSpec): { params: number[]; workgroups: [number, number, number] } {
  const total = s.P * s.Q;
  const groups = Math.max(1, Math.ceil(total / WORKGROUP));
  const gx = Math.min(groups, MAX_GROUPS_X);
  const gy = Math.ceil(groups / gx);
  return { params: [s.P, s.Q, s.K, s.offset, s.sp, s.sq, s.sk, gx * WORKGROUP], workgroups: [gx, gy, 1] };
}
