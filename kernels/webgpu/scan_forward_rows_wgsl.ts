/**
 * The fused selective-scan forward with one invocation per (row, chunk) and no workgroup memory
 * (selective_scan_fwd_kernel.cuh semantics, reference/mamba-medmamba.md sections 6-7).
 *
 * Each invocation owns one (b, d) row and all n of its states in registers, and walks its row four
 * steps at a time: u, delta, z (and grouped B/C) are read as vec4 when rows are 4-aligned (l % 4 == 0),
 * y is written as vec4. B and C rows are shared by all channels of a batch entry, so neighbouring
 * invocations read the same words (broadcast loads). With no workgroup memory and no barriers,
 * occupancy depends on registers alone: on the H200 the tiled forward's time grew with its workgroup
 * memory.
 *
 * When b * d rows are too few to fill the GPU, l is split into chunks (Mamba's chunked scan,
 * csrc/selective_scan, with the chunks in parallel instead of in sequence):
 *   pass 'ends':   each chunk scanned from a zero state; its end state (n) and its sum of delta go out;
 *   pass 'output': each chunk's entering state is the carry over the earlier chunks'
 *                  h <- exp(A * sum delta) h + end (the decay of a chunk is exp(A sum delta) since the
 *                  step decays multiply), then the chunk is scanned again writing y, checkpoints and,
 *                  for the last chunk, the last state.
 * One chunk needs only the output pass.
 */
import { CHECKPOINT, unroll, WGSL_HELPERS, type ScanConfig } from './scan_layout.ts';

export const ROWS_PARAMS = ['d', 'l', 'checkpoints', 'bGroups', 'cGroups', 'rowsPerBGroup', 'rowsPerCGroup', 'rows', 'chunkLength', 'chunks'] as const;

/** Invocations per workgroup: consecutive rows, so B/C reads of a workgroup mostly coincide. */
export const ROWS_WORKGROUP = 64;

export type RowsPass = 'ends' | 'output';

export function rowsInputNames(c: ScanConfig, pass: RowsPass, chunked: boolean): string[] {
  if (pass === 'ends') return ['u', 'delta', 'A', 'B', ...(c.hasBias ? ['deltaBias'] : [])];
  return [
    'u', 'delta', 'A', 'B', 'C',
    ...(c.hasD ? ['D'] : []), ...(c.hasZ ? ['z'] : []), ...(c.hasBias ? ['deltaBias'] : []),
    ...(chunked ? ['hEnd', 'dtSum'] : []),
  ];
}

export function rowsOutputNames(pass: RowsPass, save: boolean): string[] {
  return pass === 'ends' ? ['hEndOut', 'dtSumOut'] : ['yOut', 'lastState', ...(save ? ['checkpoints'] : [])];
}

/**
 * `save`: write checkpoints (output pass). `chunked`: the output pass starts from the carried state of
 * the earlier chunks (hEnd, dtSum of the 'ends' pass) instead of zero.
 */
export function rowsForwardShader(c: ScanConfig, pass: RowsPass, save: boolean, chunked: boolean): string {
  const N = c.n;
  const out = pass === 'output';
  // vec4 access needs every row (and chunk) to start on a 16-byte boundary.
  const v4 = c.l % 4 === 0;
  const rowArrays = new Set(['u', 'delta', 'z', 'yOut']);
  const bGrouped = c.bGroups > 0;
  const cGrouped = c.cGroups > 0;
  if (v4 && bGrouped) rowArrays.add('B');
  if (v4 && cGrouped) rowArrays.add('C');
  const type = (name: string) => (v4 && rowArrays.has(name) ? 'array<vec4<f32>>' : 'array<f32>');
  const inputs = rowsInputNames(c, pass, chunked);
  const outputs = rowsOutputNames(pass, save);
  const bindings = [
    ...inputs.map((name, i) => `@group(0) @binding(${i + 1}) var<storage, read> ${name}: ${type(name)};`),
    ...outputs.map((name, i) => `@group(0) @binding(${inputs.length + i + 1}) var<storage, read_write> ${name}: ${type(name)};`),
  ].join('\n');
  // Four steps t..t+3 of a row starting at word `base`; past the row's end the last word is repeated
  // (its steps are masked below).
  const load4 = (name: string, base: string) =>
    v4
      ? `${name}[(${base} + t) / 4u]`
      : `vec4<f32>(${[0, 1, 2, 3].map((k) => `${name}[${base} + min(t + ${k}u, p.l - 1u)]`).join(', ')})`;
  const Bv = (j: number) => (bGrouped ? `bq${j}` : `vec4<f32>(Bs${j})`);
  const Cv = (j: number) => (cGrouped ? `cq${j}` : `vec4<f32>(Cs${j})`);
  const steps = [0, 1, 2, 3];
  return /* wgsl */ `
struct Params { ${ROWS_PARAMS.map((f) => `${f}: u32`).join(', ')} }
@group(0) @binding(0) var<uniform> p: Params;
${bindings}
${WGSL_HELPERS}
const LOG2E = 1.4426950408889634;

@compute @workgroup_size(${ROWS_WORKGROUP}, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x;                 // (b, d) row
  if (r >= p.rows) { return; }
  let chunk = gid.y;
  let bi = r / p.d;
  let ch = r % p.d;
  let t0 = chunk * p.chunkLength;
  let t1 = min(p.l, t0 + p.chunkLength);
  let rowBase = r * p.l;
  ${c.hasBias ? 'let bias = deltaBias[ch];' : ''}
  ${out && c.hasD ? 'let Dc = D[ch];' : ''}
  let bBase = (bi * p.bGroups + ch / p.rowsPerBGroup) * ${N}u * p.l;
  ${out ? `let cBase = (bi * p.cGroups + ch / p.rowsPerCGroup) * ${N}u * p.l;` : ''}
${unroll(N, (j) => `  let A2${j} = A[ch * ${N}u + ${j}u] * LOG2E;\n  var h${j} = 0.0;`)}
${bGrouped ? '' : unroll(N, (j) => `  let Bs${j} = B[ch * ${N}u + ${j}u];`)}
${out && !cGrouped ? unroll(N, (j) => `  let Cs${j} = C[ch * ${N}u + ${j}u];`) : ''}
${out && chunked ? `  for (var k = 0u; k < chunk; k = k + 1u) {
    let e = r * p.chunks + k;
    let s = dtSum[e];
${unroll(N, (j) => `    h${j} = exp2(s * A2${j}) * h${j} + hEnd[e * ${N}u + ${j}u];`)}
  }` : ''}
  ${out ? '' : 'var dsum = 0.0;'}
  for (var t = t0; t < t1; t = t + 4u) {
${out && save ? `    if (t % ${CHECKPOINT}u == 0u) {
      let ck = ((bi * p.checkpoints + t / ${CHECKPOINT}u) * ${N}u) * p.d + ch;
${unroll(N, (j) => `      checkpoints[ck + ${j}u * p.d] = h${j};`)}
    }` : ''}
    let uq = ${load4('u', 'rowBase')};
    var dq = ${load4('delta', 'rowBase')}${c.hasBias ? ' + vec4<f32>(bias)' : ''};
    ${c.softplus ? `dq = vec4<f32>(${steps.map((k) => `softplus(dq[${k}])`).join(', ')});` : ''}
    ${v4 ? '' : `dq = select(vec4<f32>(0.0), dq, vec4<u32>(t, t + 1u, t + 2u, t + 3u) < vec4<u32>(t1));`}
    let duq = dq * uq;
    ${out ? 'var yq = vec4<f32>(0.0);' : 'dsum = dsum + dq.x + dq.y + dq.z + dq.w;'}
${unroll(N, (j) => `    {
${bGrouped ? `      let bq${j} = ${load4('B', `bBase + ${j}u * p.l`)};` : ''}
${out && cGrouped ? `      let cq${j} = ${load4('C', `cBase + ${j}u * p.l`)};` : ''}
      let bj = ${Bv(j)};
${out ? `      let cj = ${Cv(j)};` : ''}
${steps.map((k) => `      h${j} = exp2(dq[${k}] * A2${j}) * h${j} + duq[${k}] * bj[${k}];${out ? ` yq[${k}] = yq[${k}] + h${j} * cj[${k}];` : ''}`).join('\n')}
    }`)}
${out ? `    ${c.hasD ? 'yq = yq + uq * Dc;' : ''}
    ${c.hasZ ? `let zq = ${load4('z', 'rowBase')};\n    yq = yq * zq / (vec4<f32>(1.0) + exp(-zq));` : ''}
    ${v4 ? 'yOut[(rowBase + t) / 4u] = yq;' : steps.map((k) => `if (t + ${k}u < t1) { yOut[rowBase + t + ${k}u] = yq[${k}]; }`).join('\n    ')}` : ''}
  }
${out ? `  if (t1 == p.l) {
${unroll(N, (j) => `    lastState[r * ${N}u + ${j}u] = h${j};`)}
  }` : `  let e = r * p.chunks + chunk;
  dtSumOut[e] = dsum;
${unroll(N, (j) => `  hEndOut[e * ${N}u + ${j}u] = h${j};`)}`}
}
`;
}
