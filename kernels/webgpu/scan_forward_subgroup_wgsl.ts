/**
 * The fused forward for adapters with 32-wide subgroups (NVIDIA under Vulkan): the same arithmetic as
 * scan_forward_wgsl.ts, with no workgroup memory, so occupancy is bounded by registers alone.
 *
 * A subgroup holds 8 channels x 4 state groups (lane = 4 * channel + group). Steps go in groups of 4:
 * lane g of a channel loads and discretises step t0 + g (softplus once per element), the four lanes
 * exchange delta and delta * u by shuffles, each lane advances its n / 4 states, the four partial
 * h . C sums are combined by two xor-shuffles, and lane g writes y of step t0 + g.
 */
import { CHECKPOINT, unroll, WGSL_HELPERS, type ScanConfig } from './scan_layout.ts';
import { FORWARD_PARAMS, forwardInputNames } from './scan_forward_wgsl.ts';

/** Channels per workgroup (8 subgroups). */
export const SUBGROUP_ROWS = 64;

/** Whether this path applies: n splits in 4, and every workgroup's channels share one B (and C) group. */
export function subgroupForwardApplies(c: ScanConfig): boolean {
  if (c.n % 4 !== 0) return false;
  for (const g of [c.bGroups, c.cGroups]) if (g > 1 && (c.d / g) % SUBGROUP_ROWS !== 0) return false;
  return true;
}

export function subgroupForwardShader(c: ScanConfig, save: boolean): string {
  const N = c.n;
  const NS = N / 4;
  const inputs = forwardInputNames(c);
  const outputs = ['yOut', 'lastState', ...(save ? ['checkpoints'] : [])];
  const bindings = [
    ...inputs.map((name, i) => `@group(0) @binding(${i + 1}) var<storage, read> ${name}: array<f32>;`),
    ...outputs.map((name, i) => `@group(0) @binding(${inputs.length + i + 1}) var<storage, read_write> ${name}: array<f32>;`),
  ].join('\n');
  const bGrouped = c.bGroups > 0;
  const cGrouped = c.cGroups > 0;
  const proj = (name: string, grouped: boolean, base: string, j: number, step: string) =>
    grouped ? `${name}[${base} + (g * ${NS}u + ${j}u) * p.l + ${step}]` : `${name}s${j}`;
  const step = (k: number) => `
      {
        let tk = t0 + ${k}u;
        let src = chan * 4u + ${k}u;
        let dt = subgroupShuffle(dtMine, src);
        let du = subgroupShuffle(duMine, src);
        let tc = min(tk, p.l - 1u);
${save ? `        if (tk % ${CHECKPOINT}u == 0u && live && tk < p.l) {
          let ck = ((bi * p.checkpoints + tk / ${CHECKPOINT}u) * ${N}u + g * ${NS}u) * p.d + row;
${unroll(NS, (j) => `          checkpoints[ck + ${j}u * p.d] = h${j};`)}
        }` : ''}
        var y = 0.0;
${unroll(NS, (j) => `        h${j} = exp2(dt * A2${j}) * h${j} + du * ${proj('B', bGrouped, 'bBase', j, 'tc')};
        y = y + h${j} * ${proj('C', cGrouped, 'cBase', j, 'tc')};`)}
        y = y + subgroupShuffleXor(y, 1u);
        y = y + subgroupShuffleXor(y, 2u);
        if (g == ${k}u) { yMine = y; }
      }`;
  return /* wgsl */ `
enable subgroups;
diagnostic(off, subgroup_uniformity);
struct Params { ${FORWARD_PARAMS.map((f) => `${f}: u32`).join(', ')} }
@group(0) @binding(0) var<uniform> p: Params;
${bindings}
${WGSL_HELPERS}
const LOG2E = 1.4426950408889634;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let chan = (lid.x % 32u) / 4u;        // channel within the subgroup
  let g = lid.x % 4u;                    // state group
  let r = (lid.x / 32u) * 8u + chan;     // channel within the workgroup
  let bi = wg.y;
  let row0 = wg.x * ${SUBGROUP_ROWS}u;
  let row = row0 + r;
  let live = row < p.d;
  let rowc = select(row0, row, live);
  let bBase = (bi * p.bGroups + row0 / p.rowsPerBGroup) * ${N}u * p.l;
  let cBase = (bi * p.cGroups + row0 / p.rowsPerCGroup) * ${N}u * p.l;
${unroll(NS, (j) => `  let A2${j} = A[rowc * ${N}u + g * ${NS}u + ${j}u] * LOG2E;\n  var h${j} = 0.0;`)}
${bGrouped ? '' : unroll(NS, (j) => `  let Bs${j} = B[rowc * ${N}u + g * ${NS}u + ${j}u];`)}
${cGrouped ? '' : unroll(NS, (j) => `  let Cs${j} = C[rowc * ${N}u + g * ${NS}u + ${j}u];`)}
  for (var t0 = 0u; t0 < p.l; t0 = t0 + 4u) {
    let tMine = t0 + g;
    let ok = live && tMine < p.l;
    let idx = (bi * p.d + rowc) * p.l + min(tMine, p.l - 1u);
    var dtMine = 0.0;
    var duMine = 0.0;
    if (ok) {
      dtMine = delta[idx]${c.hasBias ? ' + deltaBias[rowc]' : ''};
      ${c.softplus ? 'dtMine = softplus(dtMine);' : ''}
      duMine = dtMine * u[idx];
    }
    var yMine = 0.0;
${[0, 1, 2, 3].map(step).join('')}
    if (ok) {
      var y = yMine;
      ${c.hasD ? 'y = y + u[idx] * D[rowc];' : ''}
      ${c.hasZ ? 'y = y * silu(z[idx]);' : ''}
      yOut[idx] = y;
    }
  }
  if (live) {
    let base = (bi * p.d + row) * ${N}u + g * ${NS}u;
${unroll(NS, (j) => `    lastState[base + ${j}u] = h${j};`)}
  }
}
`;
}
