/**
 * WGSL for the fused selective-scan forward (selective_scan_fwd_kernel.cuh semantics,
 * reference/mamba-medmamba.md sections 6-7): discretisation, scan, C contraction, D skip and z gate in
 * one pass; only y (b, d, l), the last state and the state every CHECKPOINT steps reach memory.
 *
 * Bindings: 0 params (uniform); inputs u, delta, A, B, C, then D, z, deltaBias when present;
 * outputs y, lastState, checkpoints.
 */
import { CHECKPOINT, FORWARD_TILE, unroll, WGSL_HELPERS, type ScanConfig, type Tiling } from './scan_layout.ts';

export const FORWARD_PARAMS = ['d', 'l', 'checkpoints', 'bGroups', 'cGroups', 'rowsPerBGroup', 'rowsPerCGroup', 'blocks'] as const;

export function forwardInputNames(c: ScanConfig): string[] {
  return ['u', 'delta', 'A', 'B', 'C', ...(c.hasD ? ['D'] : []), ...(c.hasZ ? ['z'] : []), ...(c.hasBias ? ['deltaBias'] : [])];
}

/** `save`: write the checkpoints the backward needs (skipped when no gradient is being recorded). */
export interface ForwardShape {
  /** Steps per tile (a multiple of `unroll`). */
  tile: number;
  /** Steps per iteration of the scan loop: independent exponentials of several steps can overlap. */
  unroll: number;
}

export function forwardShader(c: ScanConfig, t: Tiling, save = true, shape: ForwardShape = { tile: FORWARD_TILE, unroll: 1 }): string {
  const { S, NS, rows } = t;
  const N = c.n;
  const TL = shape.tile;
  const U = shape.unroll;
  const P = TL + 1; // row pitch: lanes read rows of the tile, a padded pitch keeps them in distinct banks
  const inputs = forwardInputNames(c);
  const outputs = ['yOut', 'lastState', ...(save ? ['checkpoints'] : [])];
  const bindings = [
    ...inputs.map((name, i) => `@group(0) @binding(${i + 1}) var<storage, read> ${name}: array<f32>;`),
    ...outputs.map((name, i) => `@group(0) @binding(${inputs.length + i + 1}) var<storage, read_write> ${name}: array<f32>;`),
  ].join('\n');
  const bGrouped = c.bGroups > 0;
  const cGrouped = c.cGroups > 0;
  // Projection value of state j of this invocation at tile step t.
  const Bv = (j: number) => (bGrouped ? `sB[(s * ${NS}u + ${j}u) * ${TL}u + t]` : `Bs${j}`);
  const Cv = (j: number) => (cGrouped ? `sC[(s * ${NS}u + ${j}u) * ${TL}u + t]` : `Cs${j}`);
  const loadProjection = (name: string, smem: string, groupsField: string, rowsField: string) => `
    {
      let base = (bi * p.${groupsField} + row0 / p.${rowsField}) * ${N}u * p.l;
      for (var i = flat; i < ${N * TL}u; i = i + ${32 * S}u) {
        let tt = t0 + i % ${TL}u;
        var v = 0.0;
        if (tt < p.l) { v = ${name}[base + (i / ${TL}u) * p.l + tt]; }
        ${smem}[i] = v;
      }
    }`;
  // One scan step at tile position `at`: states of this invocation, partial y to workgroup memory.
  const step = (at: string) => `    {
      let t = ${at};
${save ? `      if ((t0 + t) % ${CHECKPOINT}u == 0u && live && t0 + t < p.l) {
        let ck = ((bi * p.checkpoints + (t0 + t) / ${CHECKPOINT}u) * ${N}u + s * ${NS}u) * p.d + row;
${unroll(NS, (j) => `        checkpoints[ck + ${j}u * p.d] = h${j};`)}
      }` : ''}
      let dt = sDt[lane * ${P}u + t];
      let du = sDu[lane * ${P}u + t];
      var y = 0.0;
${unroll(NS, (j) => `      h${j} = exp2(dt * A2${j}) * h${j} + du * ${Bv(j)};\n      y = y + h${j} * ${Cv(j)};`)}
      sY[(s * ${TL}u + t) * 33u + lane] = y;
    }`;
  return /* wgsl */ `
struct Params { ${FORWARD_PARAMS.map((f) => `${f}: u32`).join(', ')} }
@group(0) @binding(0) var<uniform> p: Params;
${bindings}
${WGSL_HELPERS}
const LOG2E = 1.4426950408889634;
var<workgroup> sDt: array<f32, ${32 * P}>;     // (row, step): delta after bias and softplus
var<workgroup> sDu: array<f32, ${32 * P}>;     // (row, step): delta * u
${bGrouped ? `var<workgroup> sB: array<f32, ${N * TL}>;` : ''}  // (state, step)
${cGrouped ? `var<workgroup> sC: array<f32, ${N * TL}>;` : ''}
var<workgroup> sY: array<f32, ${S * TL * 33}>;  // (state group, step, row; padded pitch 33): partial sums of h . C

@compute @workgroup_size(32, ${S}, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let lane = lid.x;
  let s = lid.y;
  let flat = s * 32u + lane;
  let bi = wg.y;
  let row0 = wg.x * ${rows}u;
  let row = row0 + lane;
  let live = lane < ${rows}u && row < p.d;
  let rowc = select(row0, row, live);
${unroll(NS, (j) => `  let A2${j} = A[rowc * ${N}u + s * ${NS}u + ${j}u] * LOG2E;\n  var h${j} = 0.0;`)}
${bGrouped ? '' : unroll(NS, (j) => `  let Bs${j} = B[rowc * ${N}u + s * ${NS}u + ${j}u];`)}
${cGrouped ? '' : unroll(NS, (j) => `  let Cs${j} = C[rowc * ${N}u + s * ${NS}u + ${j}u];`)}
  for (var t0 = 0u; t0 < p.l; t0 = t0 + ${TL}u) {
    for (var i = flat; i < ${32 * TL}u; i = i + ${32 * S}u) {
      let r = i / ${TL}u;
      let tt = t0 + i % ${TL}u;
      let rr = row0 + r;
      var dt = 0.0;
      var du = 0.0;
      if (r < ${rows}u && rr < p.d && tt < p.l) {
        let idx = (bi * p.d + rr) * p.l + tt;
        dt = delta[idx]${c.hasBias ? ' + deltaBias[rr]' : ''};
        ${c.softplus ? 'dt = softplus(dt);' : ''}
        du = dt * u[idx];
      }
      sDt[r * ${P}u + i % ${TL}u] = dt;
      sDu[r * ${P}u + i % ${TL}u] = du;
    }
${bGrouped ? loadProjection('B', 'sB', 'bGroups', 'rowsPerBGroup') : ''}
${cGrouped ? loadProjection('C', 'sC', 'cGroups', 'rowsPerCGroup') : ''}
    workgroupBarrier();
    for (var t0s = 0u; t0s < ${TL}u; t0s = t0s + ${U}u) {
${unroll(U, (k) => step(`t0s + ${k}u`))}
    }
    workgroupBarrier();
    for (var i = flat; i < ${32 * TL}u; i = i + ${32 * S}u) {
      let r = i / ${TL}u;
      let t = i % ${TL}u;
      let rr = row0 + r;
      let tt = t0 + t;
      if (r < ${rows}u && rr < p.d && tt < p.l) {
        var y = 0.0;
        for (var q = 0u; q < ${S}u; q = q + 1u) { y = y + sY[(q * ${TL}u + t) * 33u + r]; }
        let idx = (bi * p.d + rr) * p.l + tt;
        ${c.hasD ? 'y = y + u[idx] * D[rr];' : ''}
        ${c.hasZ ? 'y = y * silu(z[idx]);' : ''}
        yOut[idx] = y;
      }
    }
  }
  if (live) {
    let base = (bi * p.d + row) * ${N}u + s * ${NS}u;
${unroll(NS, (j) => `    lastState[base + ${j}u] = h${j};`)}
  }
}
`;
}
