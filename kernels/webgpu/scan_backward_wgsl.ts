/**
 * WGSL for the fused selective-scan backward (selective_scan_bwd_kernel.cuh semantics,
 * reference/mamba-medmamba.md sections 6-7). Blocks of CHECKPOINT steps are walked in reverse; in each
 * the states are recomputed from the forward's checkpoint (keeping the state entering every sub-chunk
 * of S steps in registers), then each sub-chunk is recomputed once more with its step factors and the
 * reverse scan g_t = C_t dy_t + a_{t+1} g_{t+1} runs over it. No (b, d, l, n) tensor is stored.
 *
 * Parallel along l: the grid's z dimension splits l into chunks (whole CHECKPOINT blocks) run side by
 * side. The reverse scan's carry g entering a chunk from the right is linear in what lies to its right:
 * the 'ends' pass (backwardEndsShader) scans each chunk's adjoint from zero, giving its end G_k and its
 * sum of delta; the carry pass (backwardCarryShader) carries dLast leftwards over the chunks,
 * g <- exp(A sum delta_j) g + G_j, recording the g entering each; the main pass starts chunk k there.
 *
 * Outputs: du, ddelta, dz (when z is present) (b, d, l); rowPart (b, chunks, d, n + 2) holding dA, dD
 * and ddeltaBias per batch entry and chunk; bcPart holding dB then dC as per-workgroup partial sums
 * (grouped projections, (b, blocks, n, l)) or per-batch-and-chunk partial sums (shared projections,
 * (b, chunks, d, n)).
 */
import { CHECKPOINT, unroll, WGSL_HELPERS, type ScanConfig, type Tiling } from './scan_layout.ts';
import { FORWARD_PARAMS } from './scan_forward_wgsl.ts';

export function backwardInputNames(c: ScanConfig): string[] {
  return [
    'u', 'delta', 'A', 'B', 'C',
    ...(c.hasD ? ['D'] : []), ...(c.hasZ ? ['z'] : []), ...(c.hasBias ? ['deltaBias'] : []),
    'checkpoints', 'dy', 'dLast',
  ];
}

/** The backward's inputs when l is split into chunks: dLast gives way to each chunk's carried-in adjoint gIn (rows, chunks, n). */
export const chunkedBackwardInputNames = (c: ScanConfig) => backwardInputNames(c).map((name) => (name === 'dLast' ? 'gIn' : name));

export const BACKWARD_CARRY_PARAMS = ['d', 'rows', 'chunks'] as const;

/**
 * The carry between the backward's chunks: one invocation per ((b, d) row, state) walks the chunks
 * from the last to the first, gIn_k = g, then g <- exp(A sum delta_k) g + gEnd_k, starting from dLast.
 */
export function backwardCarryShader(n: number): string {
  return /* wgsl */ `
struct Params { ${BACKWARD_CARRY_PARAMS.map((f) => `${f}: u32`).join(', ')} }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> gEnd: array<f32>;
@group(0) @binding(3) var<storage, read> dtSum: array<f32>;
@group(0) @binding(4) var<storage, read> dLast: array<f32>;
@group(0) @binding(5) var<storage, read_write> gIn: array<f32>;
const LOG2E = 1.4426950408889634;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= p.rows * ${n}u) { return; }
  let r = i / ${n}u;
  let j = i % ${n}u;
  let A2 = A[(r % p.d) * ${n}u + j] * LOG2E;
  var g = dLast[i];
  for (var k = p.chunks; k > 0u; k = k - 1u) {
    let e = r * p.chunks + k - 1u;
    gIn[e * ${n}u + j] = g;
    g = exp2(dtSum[e] * A2) * g + gEnd[e * ${n}u + j];
  }
}
`;
}

/** Uniforms of the backward: the forward's, the offset of dC in bcPart, the chunking of l. */
export const BACKWARD_PARAMS = [...FORWARD_PARAMS, 'cOffset', 'chunkLength', 'chunks'] as const;

export function backwardEndsInputNames(c: ScanConfig): string[] {
  return ['delta', 'A', 'C', ...(c.hasZ ? ['z'] : []), ...(c.hasBias ? ['deltaBias'] : []), 'dy'];
}

export const BACKWARD_ENDS_PARAMS = ['d', 'l', 'cGroups', 'rowsPerCGroup', 'rows', 'chunkLength', 'chunks'] as const;
export const BACKWARD_ENDS_WORKGROUP = 64;

/**
 * The backward's 'ends' pass: one invocation per ((b, d) row, chunk) with the n adjoint states in
 * registers, walking its chunk in reverse from a zero carry, g <- exp(dt A) (g + C gy) with
 * gy = dy * silu(z); writes gEnd (rows, chunks, n) and the chunk's sum of delta (rows, chunks).
 */
export function backwardEndsShader(c: ScanConfig): string {
  const N = c.n;
  const inputs = backwardEndsInputNames(c);
  const outputs = ['gEndOut', 'dtSumOut'];
  const bindings = [
    ...inputs.map((name, i) => `@group(0) @binding(${i + 1}) var<storage, read> ${name}: array<f32>;`),
    ...outputs.map((name, i) => `@group(0) @binding(${inputs.length + i + 1}) var<storage, read_write> ${name}: array<f32>;`),
  ].join('\n');
  const cGrouped = c.cGroups > 0;
  return /* wgsl */ `
struct Params { ${BACKWARD_ENDS_PARAMS.map((f) => `${f}: u32`).join(', ')} }
@group(0) @binding(0) var<uniform> p: Params;
${bindings}
${WGSL_HELPERS}
const LOG2E = 1.4426950408889634;

@compute @workgroup_size(${BACKWARD_ENDS_WORKGROUP}, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x;
  if (r >= p.rows) { return; }
  let chunk = gid.y;
  let bi = r / p.d;
  let ch = r % p.d;
  let t0 = chunk * p.chunkLength;
  let t1 = min(p.l, t0 + p.chunkLength);
  let rowBase = r * p.l;
  let cBase = (bi * p.cGroups + ch / p.rowsPerCGroup) * ${N}u * p.l;
  ${c.hasBias ? 'let bias = deltaBias[ch];' : ''}
${unroll(N, (j) => `  let A2${j} = A[ch * ${N}u + ${j}u] * LOG2E;\n  var g${j} = 0.0;`)}
${cGrouped ? '' : unroll(N, (j) => `  let Cs${j} = C[ch * ${N}u + ${j}u];`)}
  var dsum = 0.0;
  for (var t = t1; t > t0; t = t - 1u) {
    let idx = rowBase + t - 1u;
    var dt = delta[idx]${c.hasBias ? ' + bias' : ''};
    ${c.softplus ? 'dt = softplus(dt);' : ''}
    let gy = dy[idx]${c.hasZ ? ' * silu(z[idx])' : ''};
    dsum = dsum + dt;
${unroll(N, (j) => `    g${j} = exp2(dt * A2${j}) * (g${j} + ${cGrouped ? `C[cBase + ${j}u * p.l + t - 1u]` : `Cs${j}`} * gy);`)}
  }
  let e = r * p.chunks + chunk;
  dtSumOut[e] = dsum;
${unroll(N, (j) => `  gEndOut[e * ${N}u + ${j}u] = g${j};`)}
}
`;
}

export function backwardShader(c: ScanConfig, t: Tiling, chunked = false): string {
  const { S, NS, rows } = t;
  const N = c.n;
  const CK = CHECKPOINT;
  const SC = S; // steps per sub-chunk: one per invocation of a row in the reduction phase
  const NSUB = CK / SC;
  const P = CK + 1;
  const inputs = chunked ? chunkedBackwardInputNames(c) : backwardInputNames(c);
  const outputs = ['duOut', 'ddeltaOut', ...(c.hasZ ? ['dzOut'] : []), 'rowPart', 'bcPart'];
  const bindings = [
    ...inputs.map((name, i) => `@group(0) @binding(${i + 1}) var<storage, read> ${name}: array<f32>;`),
    ...outputs.map((name, i) => `@group(0) @binding(${inputs.length + i + 1}) var<storage, read_write> ${name}: array<f32>;`),
  ].join('\n');
  const bGrouped = c.bGroups > 0;
  const cGrouped = c.cGroups > 0;
  const anyGrouped = bGrouped || cGrouped;
  const Bv = (j: number, step: string) => (bGrouped ? `sB[(s * ${NS}u + ${j}u) * ${CK}u + ${step}]` : `Bs${j}`);
  const Cv = (j: number, step: string) => (cGrouped ? `sC[(s * ${NS}u + ${j}u) * ${CK}u + ${step}]` : `Cs${j}`);
  const loadProjection = (name: string, smem: string, groupsField: string, rowsField: string) => `
    {
      let base = (bi * p.${groupsField} + row0 / p.${rowsField}) * ${N}u * p.l;
      for (var i = flat; i < ${N * CK}u; i = i + ${32 * S}u) {
        let tt = t0 + i % ${CK}u;
        var v = 0.0;
        if (tt < p.l) { v = ${name}[base + (i / ${CK}u) * p.l + tt]; }
        ${smem}[i] = v;
      }
    }`;

  // One sub-chunk q (steps q*SC .. q*SC+SC-1 of the block): recompute, then reverse.
  const subChunk = (q: number) => {
    const lines: string[] = [`    // sub-chunk ${q}`, `    {`];
    for (let k = 0; k < SC; k++) {
      const step = `${q * SC + k}u`;
      lines.push(`      let dt${k} = sDt[lane * ${P}u + ${step}];`);
      lines.push(`      let uu${k} = sU[lane * ${P}u + ${step}];`);
      lines.push(`      var yp${k} = 0.0;`);
      for (let j = 0; j < NS; j++) {
        const prev = k === 0 ? `hq${q}_${j}` : `h${k - 1}_${j}`;
        lines.push(`      let a${k}_${j} = exp2(dt${k} * A2${j});`);
        lines.push(`      let h${k}_${j} = a${k}_${j} * ${prev} + dt${k} * uu${k} * ${Bv(j, step)};`);
        lines.push(`      yp${k} = yp${k} + h${k}_${j} * ${Cv(j, step)};`);
      }
      lines.push(`      sPy[(s * ${SC}u + ${k}u) * 32u + lane] = yp${k};`);
    }
    for (let k = SC - 1; k >= 0; k--) {
      const step = `${q * SC + k}u`;
      lines.push(`      {`);
      lines.push(`        let gy = sG[lane * ${P}u + ${step}];`);
      lines.push(`        var pu = 0.0;`);
      lines.push(`        var pdt = 0.0;`);
      for (let j = 0; j < NS; j++) {
        const prev = k === 0 ? `hq${q}_${j}` : `h${k - 1}_${j}`;
        const nIdx = `(s * ${NS}u + ${j}u)`;
        lines.push(`        g${j} = g${j} + ${Cv(j, step)} * gy;`);
        if (cGrouped) lines.push(`        sBC[((${N}u + ${nIdx}) * ${SC}u + ${k}u) * 32u + lane] = h${k}_${j} * gy;`);
        else lines.push(`        dCs${j} = dCs${j} + h${k}_${j} * gy;`);
        lines.push(`        let gb${j} = g${j} * dt${k} * uu${k};`);
        if (bGrouped) lines.push(`        sBC[(${nIdx} * ${SC}u + ${k}u) * 32u + lane] = gb${j};`);
        else lines.push(`        dBs${j} = dBs${j} + gb${j};`);
        lines.push(`        pu = pu + g${j} * dt${k} * ${Bv(j, step)};`);
        lines.push(`        let ga${j} = g${j} * ${prev} * a${k}_${j};`);
        lines.push(`        pdt = pdt + g${j} * uu${k} * ${Bv(j, step)} + ga${j} * A${j};`);
        lines.push(`        dA${j} = dA${j} + ga${j} * dt${k};`);
        lines.push(`        g${j} = a${k}_${j} * g${j};`);
      }
      lines.push(`        sPu[(s * ${SC}u + ${k}u) * 32u + lane] = pu;`);
      lines.push(`        sPdt[(s * ${SC}u + ${k}u) * 32u + lane] = pdt;`);
      lines.push(`      }`);
    }
    lines.push(`    }`);
    lines.push(`    workgroupBarrier();`);
    lines.push(`    reduceSubChunk(bi, row0, wg.x, flat, t0, ${q * SC}u);`);
    lines.push(`    workgroupBarrier();`);
    return lines.join('\n');
  };

  return /* wgsl */ `
struct Params { ${BACKWARD_PARAMS.map((f) => `${f}: u32`).join(', ')} }
@group(0) @binding(0) var<uniform> p: Params;
${bindings}
${WGSL_HELPERS}
const LOG2E = 1.4426950408889634;
var<workgroup> sDt: array<f32, ${32 * P}>;   // (row, step) of the block
var<workgroup> sU: array<f32, ${32 * P}>;
var<workgroup> sG: array<f32, ${32 * P}>;    // dy * silu(z): the gradient reaching the scan output
${bGrouped ? `var<workgroup> sB: array<f32, ${N * CK}>;` : ''}
${cGrouped ? `var<workgroup> sC: array<f32, ${N * CK}>;` : ''}
var<workgroup> sPy: array<f32, ${S * SC * 32}>;  // (state group, step, row) partial sums
var<workgroup> sPu: array<f32, ${Math.max(S * SC * 32, 64)}>;
var<workgroup> sPdt: array<f32, ${Math.max(S * SC * 32, 64)}>;
${anyGrouped ? `var<workgroup> sBC: array<f32, ${2 * N * SC * 32}>;  // (dB | dC, state, step, row)` : ''}
var<private> accD: f32;
var<private> accBias: f32;

// Sums the sub-chunk's partials over state groups (per row and step) and over rows (dB, dC per state
// and step), and writes du, ddelta, dz. Invocation (r = flat / S, k = flat % S) owns row r, step k.
fn reduceSubChunk(bi: u32, row0: u32, block: u32, flat: u32, t0: u32, k0: u32) {
  let r = flat / ${S}u;
  let k = flat % ${S}u;
  let rr = row0 + r;
  let tt = t0 + k0 + k;
  if (r < ${rows}u && rr < p.d && tt < p.l) {
    var du = 0.0;
    var ddt = 0.0;
    var yp = 0.0;
    for (var x = 0u; x < ${S}u; x = x + 1u) {
      let at = (x * ${SC}u + k) * 32u + r;
      du = du + sPu[at];
      ddt = ddt + sPdt[at];
      yp = yp + sPy[at];
    }
    let idx = (bi * p.d + rr) * p.l + tt;
    let uu = sU[r * ${P}u + k0 + k];
    let gy = sG[r * ${P}u + k0 + k];
    ${c.hasD ? 'du = du + D[rr] * gy; yp = yp + D[rr] * uu; accD = accD + gy * uu;' : ''}
    ${c.hasZ ? `{
      let zv = z[idx];
      let sg = 1.0 / (1.0 + exp(-zv));
      dzOut[idx] = dy[idx] * yp * sg * (1.0 + zv * (1.0 - sg));
    }` : ''}
    ${c.softplus ? `{
      let pre = delta[idx]${c.hasBias ? ' + deltaBias[rr]' : ''};
      if (pre <= 20.0) { ddt = ddt / (1.0 + exp(-pre)); }
    }` : ''}
    duOut[idx] = du;
    ddeltaOut[idx] = ddt;
    accBias = accBias + ddt;
  }
  ${anyGrouped ? `
  for (var i = flat; i < ${2 * N * SC}u; i = i + ${32 * S}u) {
    let w = i / ${N * SC}u;
    let nn = (i / ${SC}u) % ${N}u;
    let step = t0 + k0 + i % ${SC}u;
    let grouped = (${bGrouped ? 'true' : 'false'} && w == 0u) || (${cGrouped ? 'true' : 'false'} && w == 1u);
    if (grouped && step < p.l) {
      var acc = 0.0;
      // Rotated start: neighbouring invocations read distinct banks.
      for (var x = 0u; x < ${rows}u; x = x + 1u) { acc = acc + sBC[i * 32u + (x + i) % ${rows}u]; }
      bcPart[w * p.cOffset + ((bi * p.blocks + block) * ${N}u + nn) * p.l + step] = acc;
    }
  }` : ''}
}

@compute @workgroup_size(32, ${S}, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let lane = lid.x;
  let s = lid.y;
  let flat = s * 32u + lane;
  let bi = wg.y;
  let chunk = wg.z;
  let row0 = wg.x * ${rows}u;
  let row = row0 + lane;
  let live = lane < ${rows}u && row < p.d;
  let rowc = select(row0, row, live);
  let part = bi * p.chunks + chunk;  // (batch entry, chunk) of this workgroup's partial sums
  accD = 0.0;
  accBias = 0.0;
${unroll(NS, (j) => `  let A${j} = A[rowc * ${N}u + s * ${NS}u + ${j}u];
  let A2${j} = A${j} * LOG2E;
  var g${j} = select(0.0, ${chunked ? `gIn[((bi * p.d + rowc) * p.chunks + chunk) * ${N}u` : `dLast[(bi * p.d + rowc) * ${N}u`} + s * ${NS}u + ${j}u], live);
  var dA${j} = 0.0;`)}
${bGrouped ? '' : unroll(NS, (j) => `  let Bs${j} = B[rowc * ${N}u + s * ${NS}u + ${j}u];\n  var dBs${j} = 0.0;`)}
${cGrouped ? '' : unroll(NS, (j) => `  let Cs${j} = C[rowc * ${N}u + s * ${NS}u + ${j}u];\n  var dCs${j} = 0.0;`)}
${unroll(NSUB, (q) => unroll(NS, (j) => `  var hq${q}_${j} = 0.0;`))}
  let blocksL = (p.l + ${CK}u - 1u) / ${CK}u;
  let blkLo = chunk * (p.chunkLength / ${CK}u);
  let blkHi = min(blocksL, blkLo + p.chunkLength / ${CK}u);
  for (var blk = blkHi; blk > blkLo; blk = blk - 1u) {
    let t0 = (blk - 1u) * ${CK}u;
    for (var i = flat; i < ${32 * CK}u; i = i + ${32 * S}u) {
      let r = i / ${CK}u;
      let tt = t0 + i % ${CK}u;
      let rr = row0 + r;
      var dt = 0.0;
      var uu = 0.0;
      var gy = 0.0;
      if (r < ${rows}u && rr < p.d && tt < p.l) {
        let idx = (bi * p.d + rr) * p.l + tt;
        dt = delta[idx]${c.hasBias ? ' + deltaBias[rr]' : ''};
        ${c.softplus ? 'dt = softplus(dt);' : ''}
        uu = u[idx];
        gy = dy[idx]${c.hasZ ? ' * silu(z[idx])' : ''};
      }
      sDt[r * ${P}u + i % ${CK}u] = dt;
      sU[r * ${P}u + i % ${CK}u] = uu;
      sG[r * ${P}u + i % ${CK}u] = gy;
    }
${bGrouped ? loadProjection('B', 'sB', 'bGroups', 'rowsPerBGroup') : ''}
${cGrouped ? loadProjection('C', 'sC', 'cGroups', 'rowsPerCGroup') : ''}
    workgroupBarrier();
    // Recompute the block from its checkpoint; keep the state entering each sub-chunk.
    {
      let ck = ((bi * p.checkpoints + blk - 1u) * ${N}u + s * ${NS}u) * p.d + rowc;
${unroll(NS, (j) => `      var h${j} = select(0.0, checkpoints[ck + ${j}u * p.d], live);`)}
${unroll(NSUB, (q) => `${unroll(NS, (j) => `      hq${q}_${j} = h${j};`)}
      for (var t = ${q * SC}u; t < ${q * SC + SC}u; t = t + 1u) {
        let dt = sDt[lane * ${P}u + t];
        let du = dt * sU[lane * ${P}u + t];
${unroll(NS, (j) => `        h${j} = exp2(dt * A2${j}) * h${j} + du * ${Bv(j, 't')};`)}
      }`)}
    }
${Array.from({ length: NSUB }, (_, i) => subChunk(NSUB - 1 - i)).join('\n')}
  }
  if (live) {
    let base = (part * p.d + row) * ${N + 2}u + s * ${NS}u;
${unroll(NS, (j) => `    rowPart[base + ${j}u] = dA${j};`)}
${bGrouped ? '' : unroll(NS, (j) => `    bcPart[(part * p.d + row) * ${N}u + s * ${NS}u + ${j}u] = dBs${j};`)}
${cGrouped ? '' : unroll(NS, (j) => `    bcPart[p.cOffset + (part * p.d + row) * ${N}u + s * ${NS}u + ${j}u] = dCs${j};`)}
  }
  // dD and ddeltaBias: sum the per-invocation accumulators of each row.
  sPu[(flat % ${S}u) * 32u + flat / ${S}u] = accD;
  sPdt[(flat % ${S}u) * 32u + flat / ${S}u] = accBias;
  workgroupBarrier();
  if (flat < ${rows}u && row0 + flat < p.d) {
    var sumD = 0.0;
    var sumBias = 0.0;
    for (var x = 0u; x < ${S}u; x = x + 1u) { sumD = sumD + sPu[x * 32u + flat]; sumBias = sumBias + sPdt[x * 32u + flat]; }
    let base = (part * p.d + row0 + flat) * ${N + 2}u;
    rowPart[base + ${N}u] = sumD;
    rowPart[base + ${N + 1}u] = sumBias;
  }
}
`;
}
