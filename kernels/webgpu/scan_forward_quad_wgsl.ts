/**
 * The fused selective-scan forward with the n states of a channel split over S adjacent invocations
 * (a quad for S = 4), tiles of the sequence staged through small vec4 workgroup arrays, and the next
 * tile's global loads issued before the current tile is scanned (selective_scan_fwd_kernel.cuh
 * semantics, reference/mamba-medmamba.md sections 6-7; its chunk loop with a register prefetch).
 *
 * Workgroup: R channels x S state lanes (lane = S * channel + g), NS = n / S states per lane.
 * Per tile of T steps (K = T / 4 vec4 per row):
 *   prepare  lane g of a channel owns the vec4 columns k = m * S + g of the tile (m < T / (4 S)): it
 *            discretises them once (bias, softplus, delta * u), keeps u * D and silu(z) in registers
 *            for its epilogue, and writes delta and delta * u to workgroup memory; B and C tiles
 *            (shared by the workgroup's channels) go in transposed, (step, state), for vec4 reads;
 *   prefetch the next tile's u, delta, z, B, C into registers;
 *   scan     every lane advances its NS states over the T steps and writes its partial h . C sums;
 *   epilogue lane g sums the S partials of its own columns, adds u * D, gates, and writes y as vec4.
 * Each element is discretised once, every global access is a coalesced vec4 (rows 4-aligned), and the
 * tile's global latency overlaps the previous tile's scan instead of stalling it.
 *
 * Parallel along l (few (b, d) rows): the grid's z dimension splits l into chunks of a multiple of the
 * tile and of CHECKPOINT steps, run in two passes (Mamba's chunked scan, with the chunks side by side):
 *   'ends'    each chunk scanned from a zero state, reading only u, delta and B: its end state (n per
 *             row) and its sum of delta go out;
 *   'output'  each chunk's entering state is the carry over the earlier chunks,
 *             h <- exp(A * sum delta) h + end (a chunk's decay is exp(A sum delta): the step decays
 *             multiply), then the chunk is scanned again writing y, checkpoints and, for the last
 *             chunk, the last state.
 */
import { CHECKPOINT, unroll, WGSL_HELPERS, type ScanConfig } from './scan_layout.ts';
import { FORWARD_PARAMS, forwardInputNames } from './scan_forward_wgsl.ts';

export interface QuadShape {
  /** Channels per workgroup (a power of two; every workgroup's channels share one B and one C group). */
  rows: number;
  /** State lanes per channel (divides n). */
  split: number;
  /** Steps per tile (a multiple of 4 * split). */
  tile: number;
}

/**
 * Defaults measured on the H200 (kernels/webgpu/measured/h200-webgpu-quad.txt, n = 16): 32 channels and
 * tiles of 16 steps; of the shapes swept (16-64 channels, split 1-4, tiles 8-32) this was best or
 * within 3% of best at every size of 16K rows or more.
 */
export const QUAD_SHAPE: QuadShape = { rows: 32, split: 2, tile: 16 };

/**
 * From this many (b, d) rows the quad forward is the default (measured on the H200: b 4, d 4096, l 16384:
 * 39.1% of copy bandwidth against 13.6% for the rows forward; b 8, d 4096, l 8192: 44.4% against 18.0%
 * for the tiled forward). Below it the rows forward splits l into chunks run in parallel, which the
 * quad forward cannot: at b 1, d 512, l 65536 it took 1.8 ms against the quad forward's 3.7 ms. Row
 * counts between 512 and 16K were not measured.
 */
export const QUAD_MIN_ROWS = 16384;

/**
 * State lanes per channel for `rows` (b, d) rows: enough for about 64K invocations, at least 2 and at
 * most 4. On the H200 split 2 was faster from 32K rows (44.4% against 39.1% at b 8, d 4096, l 8192),
 * split 4 at 16K rows (39.1% against 35.2% at b 4, d 4096, l 16384).
 */
export const quadSplit = (rows: number) => Math.min(4, Math.max(2, 2 ** Math.ceil(Math.log2(65536 / Math.max(1, rows)))));

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** The shape actually used for `c`: split reduced until it divides n, rows until it divides each group's channels. */
export function quadShape(c: ScanConfig, want: QuadShape = QUAD_SHAPE): QuadShape {
  let split = want.split;
  while (split > 1 && c.n % split !== 0) split /= 2;
  let rows = want.rows;
  for (const g of [c.bGroups, c.cGroups]) if (g > 1) rows = gcd(rows, c.d / g);
  const tile = Math.max(want.tile, 4 * split);
  return { rows, split, tile: Math.ceil(tile / (4 * split)) * 4 * split };
}

export type QuadPass = 'ends' | 'output';

/** Uniforms of the quad shader: the forward's, then the chunking of l. */
export const QUAD_PARAMS = [...FORWARD_PARAMS, 'chunkLength', 'chunks'] as const;

export function quadInputNames(c: ScanConfig, pass: QuadPass, chunked: boolean): string[] {
  if (pass === 'ends') return ['u', 'delta', 'A', 'B', ...(c.hasBias ? ['deltaBias'] : [])];
  return [...forwardInputNames(c), ...(chunked ? ['hEnd', 'dtSum'] : [])];
}

export function quadOutputNames(pass: QuadPass, save: boolean): string[] {
  return pass === 'ends' ? ['hEndOut', 'dtSumOut'] : ['yOut', 'lastState', ...(save ? ['checkpoints'] : [])];
}

/** Steps a chunk's length is a multiple of: whole tiles, and whole checkpoint intervals. */
export const quadChunkAlign = (shape: QuadShape) => Math.max(shape.tile, CHECKPOINT);

/**
 * `pass`: 'output' (y, last state, checkpoints when `save`) or 'ends' (chunk end states and delta sums);
 * `chunked`: the output pass starts each chunk from the carry of the earlier chunks' ends.
 */
export function quadForwardShader(c: ScanConfig, shape: QuadShape, save: boolean, pass: QuadPass = 'output', chunked = false): string {
  const { rows: R, split: S, tile: T } = shape;
  const out = pass === 'output';
  const N = c.n;
  const NS = N / S;
  const K = T / 4; // vec4 columns per row and tile
  const M = K / S; // columns per lane
  const PK = K + 1; // row pitch in vec4: consecutive channels fall in distinct banks
  const N4 = Math.ceil(N / 4); // vec4 per step of a B/C tile
  const v4 = c.l % 4 === 0;
  const bGrouped = c.bGroups > 0;
  const cGrouped = out && c.cGroups > 0;
  const hasZ = out && c.hasZ;
  const hasD = out && c.hasD;
  const rowArrays = new Set(['u', 'delta', 'z', 'yOut', ...(bGrouped ? ['B'] : []), ...(cGrouped ? ['C'] : [])]);
  const type = (name: string) => (v4 && rowArrays.has(name) ? 'array<vec4<f32>>' : 'array<f32>');
  const inputs = quadInputNames(c, pass, chunked);
  const outputs = quadOutputNames(pass, out && save);
  const bindings = [
    ...inputs.map((name, i) => `@group(0) @binding(${i + 1}) var<storage, read> ${name}: ${type(name)};`),
    ...outputs.map((name, i) => `@group(0) @binding(${inputs.length + i + 1}) var<storage, read_write> ${name}: ${type(name)};`),
  ].join('\n');
  // Four steps of a row from word `base` at step `ts` (a multiple of 4), clamped inside the row (steps
  // past l are masked after loading).
  const load4 = (name: string, base: string, ts: string) =>
    v4
      ? `${name}[(${base}) / 4u + min(${ts}, p.l - 4u) / 4u]`
      : `vec4<f32>(${[0, 1, 2, 3].map((k) => `${name}[${base} + min(${ts} + ${k}u, p.l - 1u)]`).join(', ')})`;
  // Cooperative B/C tile items: item i -> state i / K, column i % K.
  const projItems = N * K;
  const projPer = Math.ceil(projItems / (R * S));
  const projLoads = (name: string, grouped: boolean, base: string, next: string) =>
    grouped
      ? unroll(projPer, (q) => `    ${name}q${q} = ${load4(name, `${base} + min(lid.x + ${q * R * S}u, ${projItems - 1}u) / ${K}u * p.l`, `${next} + (lid.x + ${q * R * S}u) % ${K}u * 4u`)};`)
      : '';
  const projStores = (name: string, grouped: boolean) =>
    grouped
      ? unroll(projPer, (q) => `    {
      let i = lid.x + ${q * R * S}u;
      if (i < ${projItems}u) {
        let j = i / ${K}u;
        let k = i % ${K}u;
${unroll(4, (s) => `        s${name}[(k * 4u + ${s}u) * ${N4}u + j / 4u][j % 4u] = ${name}q${q}[${s}];`)}
      }
    }`)
      : '';
  const rowLoads = (next: string) =>
    unroll(M, (m) => `    {
      let ts = ${next} + (${m * S}u + g) * 4u;
      uq${m} = ${load4('u', 'rowBase', 'ts')};
      dq${m} = ${load4('delta', 'rowBase', 'ts')};
      ${hasZ ? `zq${m} = ${load4('z', 'rowBase', 'ts')};` : ''}
    }`);
  // Projection values of this lane's states at tile step t: a vec4 per 4 states when NS % 4 == 0.
  const projRead = (name: string, grouped: boolean, t: number) => {
    if (!grouped) return '';
    if (NS % 4 === 0) return unroll(NS / 4, (v) => `        let ${name.toLowerCase()}v${v} = s${name}[${t * N4}u + g * ${NS / 4}u + ${v}u];`);
    return unroll(NS, (j) => `        let ${name.toLowerCase()}s${j} = s${name}[${t * N4}u + (g * ${NS}u + ${j}u) / 4u][(g * ${NS}u + ${j}u) % 4u];`);
  };
  const projVal = (name: string, grouped: boolean, j: number) =>
    !grouped ? `${name}s${j}` : NS % 4 === 0 ? `${name.toLowerCase()}v${Math.floor(j / 4)}[${j % 4}]` : `${name.toLowerCase()}s${j}`;
  const ckEvery = Math.min(T, CHECKPOINT);
  const step = (t: number) => `      {
${out && save && t % ckEvery === 0 ? `        if ((t0 + ${t}u) % ${CHECKPOINT}u == 0u && live && t0 + ${t}u < p.l) {
          let ck = ((bi * p.checkpoints + (t0 + ${t}u) / ${CHECKPOINT}u) * ${N}u + g * ${NS}u) * p.d + row;
${unroll(NS, (j) => `          checkpoints[ck + ${j}u * p.d] = h${j};`)}
        }` : ''}
        let dt = dt4[${t % 4}];
        let du = du4[${t % 4}];
${projRead('B', bGrouped, t)}
${projRead('C', cGrouped, t)}
${out ? '        var y = 0.0;' : '        dsum = dsum + dt;'}
${unroll(NS, (j) => `        h${j} = exp2(dt * A2${j}) * h${j} + du * ${projVal('B', bGrouped, j)};${out ? `\n        y = y + h${j} * ${projVal('C', cGrouped, j)};` : ''}`)}
        ${out ? `yp[${t % 4}] = y;` : ''}
      }`;
  const scanColumn = (k: number) => `    {
      let dt4 = sDt[c * ${PK}u + ${k}u];
      let du4 = sDu[c * ${PK}u + ${k}u];
      ${out ? 'var yp = vec4<f32>(0.0);' : ''}
${unroll(4, (s) => step(4 * k + s))}
      ${out ? `sY[(c * ${S}u + g) * ${PK}u + ${k}u] = yp;` : ''}
    }`;
  const decl = (names: string[], count: number) => names.map((n) => unroll(count, (q) => `  var ${n}${q} = vec4<f32>(0.0);`)).join('\n');
  return /* wgsl */ `
struct Params { ${QUAD_PARAMS.map((f) => `${f}: u32`).join(', ')} }
@group(0) @binding(0) var<uniform> p: Params;
${bindings}
${WGSL_HELPERS}
const LOG2E = 1.4426950408889634;
var<workgroup> sDt: array<vec4<f32>, ${R * PK}>;      // (channel, column): delta after bias and softplus
var<workgroup> sDu: array<vec4<f32>, ${R * PK}>;      // (channel, column): delta * u
${out ? `var<workgroup> sY: array<vec4<f32>, ${R * S * PK}>;   // (channel, lane, column): partial sums of h . C` : ''}
${bGrouped ? `var<workgroup> sB: array<vec4<f32>, ${T * N4}>;  // (step, state / 4)` : ''}
${cGrouped ? `var<workgroup> sC: array<vec4<f32>, ${T * N4}>;` : ''}

@compute @workgroup_size(${R * S}, 1, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let c = lid.x / ${S}u;
  let g = lid.x % ${S}u;
  let bi = wg.y;
  let chunk = wg.z;
  let c0 = chunk * p.chunkLength;
  let c1 = min(p.l, c0 + p.chunkLength);
  let row0 = wg.x * ${R}u;
  let row = row0 + c;
  let live = row < p.d;
  let rowc = select(row0, row, live);
  let rowBase = (bi * p.d + rowc) * p.l;
  let bBase = (bi * p.bGroups + row0 / p.rowsPerBGroup) * ${N}u * p.l;
  let cBase = (bi * p.cGroups + row0 / p.rowsPerCGroup) * ${N}u * p.l;
  ${c.hasBias ? 'let bias = deltaBias[rowc];' : ''}
  ${hasD ? 'let Dc = D[rowc];' : ''}
${unroll(NS, (j) => `  let A2${j} = A[rowc * ${N}u + g * ${NS}u + ${j}u] * LOG2E;\n  var h${j} = 0.0;`)}
${bGrouped ? '' : unroll(NS, (j) => `  let Bs${j} = B[rowc * ${N}u + g * ${NS}u + ${j}u];`)}
${!out || cGrouped ? '' : unroll(NS, (j) => `  let Cs${j} = C[rowc * ${N}u + g * ${NS}u + ${j}u];`)}
${decl(['uq', 'dq', ...(hasZ ? ['zq'] : [])], M)}
${decl([...(bGrouped ? ['Bq'] : []), ...(cGrouped ? ['Cq'] : [])], projPer)}
${out ? unroll(M, (m) => `  var gate${m} = vec4<f32>(1.0);\n  var skip${m} = vec4<f32>(0.0);`) : '  var dsum = 0.0;'}
  let rowE = (bi * p.d + rowc) * p.chunks;
${out && chunked ? `  for (var k = 0u; k < chunk; k = k + 1u) {
    let s = dtSum[rowE + k];
${unroll(NS, (j) => `    h${j} = exp2(s * A2${j}) * h${j} + hEnd[(rowE + k) * ${N}u + g * ${NS}u + ${j}u];`)}
  }` : ''}
  {
    let next = c0;
${rowLoads('next')}
${projLoads('B', bGrouped, 'bBase', 'next')}
${projLoads('C', cGrouped, 'cBase', 'next')}
  }
  for (var t0 = c0; t0 < c1; t0 = t0 + ${T}u) {
${unroll(M, (m) => `    {
      let ts = t0 + (${m * S}u + g) * 4u;
      var dq = dq${m}${c.hasBias ? ' + vec4<f32>(bias)' : ''};
      ${c.softplus ? 'dq = vec4<f32>(softplus(dq.x), softplus(dq.y), softplus(dq.z), softplus(dq.w));' : ''}
      dq = select(vec4<f32>(0.0), dq, vec4<u32>(ts, ts + 1u, ts + 2u, ts + 3u) < vec4<u32>(c1));
      sDt[c * ${PK}u + ${m * S}u + g] = dq;
      sDu[c * ${PK}u + ${m * S}u + g] = dq * uq${m};
      ${hasD ? `skip${m} = uq${m} * Dc;` : ''}
      ${hasZ ? `gate${m} = zq${m} / (vec4<f32>(1.0) + exp(-zq${m}));` : ''}
    }`)}
${projStores('B', bGrouped)}
${projStores('C', cGrouped)}
    workgroupBarrier();
    if (t0 + ${T}u < c1) {
      let next = t0 + ${T}u;
${rowLoads('next')}
${projLoads('B', bGrouped, 'bBase', 'next')}
${projLoads('C', cGrouped, 'cBase', 'next')}
    }
${Array.from({ length: K }, (_, k) => scanColumn(k)).join('\n')}
    workgroupBarrier();
${!out ? '' : unroll(M, (m) => `    {
      let k = ${m * S}u + g;
      let ts = t0 + k * 4u;
      var y = ${Array.from({ length: S }, (_, q) => `sY[(c * ${S}u + ${q}u) * ${PK}u + k]`).join(' + ')};
      y = (y + skip${m}) * gate${m};
      if (live && ts < p.l) {
        ${v4 ? 'yOut[rowBase / 4u + ts / 4u] = y;' : unroll(4, (s) => `if (ts + ${s}u < p.l) { yOut[rowBase + ts + ${s}u] = y[${s}]; }`)}
      }
    }`)}
  }
${out ? `  if (live && c1 == p.l) {
    let base = (bi * p.d + row) * ${N}u + g * ${NS}u;
${unroll(NS, (j) => `    lastState[base + ${j}u] = h${j};`)}
  }` : `  if (live) {
    let e = (bi * p.d + row) * p.chunks + chunk;
    if (g == 0u) { dtSumOut[e] = dsum; }
${unroll(NS, (j) => `    hEndOut[e * ${N}u + g * ${NS}u + ${j}u] = h${j};`)}
  }`}
}
`;
}
