/// <reference types="@webgpu/types" />
/**
 * The fused selective scan as tfjs kernels for the webgpu backend, under the names and input order
 * of the cpu/wasm kernels (kernels/scan/fused/kernels.ts), so the same gradient and dispatch apply:
 *
 *   SelectiveScan      inputs u, delta, A, B, C, D, z, deltaBias (absent optional ones have shape [0]);
 *                      attrs { softplus }; outputs y (b, d, l), lastState (b, d, n),
 *                      checkpoints (b, ceil(l / 16), n, d) (this backend's own layout and interval).
 *   SelectiveScanGrad  the forward's inputs, its checkpoints, dy and dLast; one gradient per input.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { allocate, runWgsl, workgroupBytes } from './program.ts';
import { forwardInputNames, forwardShader } from './scan_forward_wgsl.ts';
import { SUBGROUP_ROWS, subgroupForwardApplies, subgroupForwardShader } from './scan_forward_subgroup_wgsl.ts';
import { fixedSubgroupWidth } from './capabilities.ts';
import { ROWS_WORKGROUP, rowsForwardShader, rowsInputNames } from './scan_forward_rows_wgsl.ts';
import { QUAD_MIN_ROWS, QUAD_SHAPE, quadChunkAlign, quadForwardShader, quadInputNames, quadShape, quadSplit, type QuadShape } from './scan_forward_quad_wgsl.ts';
import { BACKWARD_ENDS_WORKGROUP, backwardEndsInputNames, backwardCarryShader, backwardEndsShader, backwardInputNames, backwardShader, chunkedBackwardInputNames } from './scan_backward_wgsl.ts';
import { stridedSum, stridedSumShader } from './reduce_wgsl.ts';
import { CHECKPOINT, checkpointShape, chunkLength, chunkSpan, FORWARD_TILE, TILED_SPLIT, projectionPartWords, stateSplit, tiling, type ScanConfig, type Tiling } from './scan_layout.ts';

export const SELECTIVE_SCAN = 'SelectiveScan';
export const SELECTIVE_SCAN_GRAD = 'SelectiveScanGrad';
const INPUTS = ['u', 'delta', 'A', 'B', 'C', 'D', 'z', 'deltaBias'] as const;

type Infos = Record<string, tf.TensorInfo>;
const size = (t: tf.TensorInfo | undefined) => (t ? tf.util.sizeFromShape(t.shape) : 0);
const groupsOf = (shape: number[]) => (shape.length === 2 ? 0 : shape.length === 3 ? 1 : shape[1]!);

function configOf(inputs: Infos, softplus: boolean): ScanConfig {
  const [b, d, l] = inputs.u!.shape as [number, number, number];
  return {
    b, d, l, n: inputs.A!.shape[1]!,
    bGroups: groupsOf(inputs.B!.shape),
    cGroups: groupsOf(inputs.C!.shape),
    softplus,
    hasD: size(inputs.D) > 0,
    hasZ: size(inputs.z) > 0,
    hasBias: size(inputs.deltaBias) > 0,
  };
}

/** Uniform parameters shared by both shaders (FORWARD_PARAMS / BACKWARD_PARAMS order). */
function params(c: ScanConfig, blocks: number, checkpoints: number): number[] {
  const rowsPer = (g: number) => (g > 0 ? c.d / g : 1);
  return [c.d, c.l, checkpoints, Math.max(c.bGroups, 1), Math.max(c.cGroups, 1), rowsPer(c.bGroups), rowsPer(c.cGroups), blocks];
}

export interface ScanKernelAttrs {
  softplus?: boolean;
  /** State groups per channel (1, 2 or 4); default stateSplit(n). For benchmarks comparing tilings. */
  split?: number;
  /** Forward tile length and scan-loop unrolling (see ForwardShape); for benchmarks comparing shapes. */
  tile?: number;
  unroll?: number;
  /**
   * 'quad': states split over adjacent lanes, vec4 tiles with a prefetch (the default from QUAD_MIN_ROWS
   * rows); 'rows': an invocation per (row, chunk), no workgroup memory (the default below);
   * 'workgroup': the tiled forward; 'subgroup': the shuffle-based one, where subgroups are 32 wide.
   * For benchmarks comparing them.
   */
  path?: 'rows' | 'subgroup' | 'workgroup' | 'quad';
  /** Channels per workgroup of the 'quad' path (default QUAD_SHAPE.rows). */
  channels?: number;
  /** Chunks l is split into by the 'quad' path (default 1), run in parallel with a carry between them. */
  chunks?: number;
  /** Steps per chunk of the 'rows' path (rounded up to a multiple of 16); default from chunkLength(). */
  chunkLength?: number;
  /** Keep checkpoints even when no tape records (to call SelectiveScanGrad directly). */
  keepCheckpoints?: boolean;
}

/**
 * Whether a gradient is being recorded: only then does the forward keep checkpoints. (The engine's
 * isTapeOn() reads false inside a kernel, where kernelDepth > 0, so read the gradient depth.)
 */
const recording = () => (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth > 0;

/**
 * The widest state split (from `preferred` down to 1) whose shader fits the device's workgroup memory:
 * large n (n = 40, say) needs fewer state groups, each with more states in registers.
 */
function fitting(c: ScanConfig, backend: WebGPUBackend, shader: (t: Tiling) => string, preferred?: number): { t: Tiling; code: string } {
  const limit = (backend as unknown as { device: GPUDevice }).device.limits.maxComputeWorkgroupStorageSize;
  for (let split = preferred ?? stateSplit(c.n); split >= 1; split /= 2) {
    if (c.n % split !== 0) continue;
    const t = tiling(c, split);
    const code = shader(t);
    if (workgroupBytes(code) <= limit) return { t, code };
  }
  throw new Error(`selectiveScan: no tiling of n = ${c.n} fits the ${limit} bytes of the device's maxComputeWorkgroupStorageSize`);
}

/** The forward a dispatch without an explicit path takes for `rows` (b, d) rows. */
export const defaultForwardPath = (rows: number): 'quad' | 'rows' => (rows >= QUAD_MIN_ROWS ? 'quad' : 'rows');

function forward(inputs: Infos, backend: WebGPUBackend, attrs: ScanKernelAttrs): tf.TensorInfo[] {
  const c = configOf(inputs, Boolean(attrs.softplus));
  const save = Boolean(attrs.keepCheckpoints) || recording();
  const outputsOf = () => [allocate(backend, [c.b, c.d, c.l]), allocate(backend, [c.b, c.d, c.n]), allocate(backend, save ? checkpointShape(c) : [0])];
  const path = attrs.path ?? defaultForwardPath(c.b * c.d);
  if (path === 'rows') return rowsForward(c, inputs, backend, save, outputsOf(), attrs.chunkLength);
  if (path === 'quad') {
    const shape = quadShape(c, { rows: attrs.channels ?? QUAD_SHAPE.rows, split: attrs.split ?? quadSplit(c.b * c.d), tile: attrs.tile ?? QUAD_SHAPE.tile });
    return quadForward(c, inputs, backend, save, outputsOf(), shape, attrs.chunks ?? 1);
  }
  // Opt-in: on the H200 the tiled forward measured faster than this one (18% against 10% of copy bandwidth at l = 8192),
  // and the quad forward faster than both.
  const subgroup = path === 'subgroup' && fixedSubgroupWidth() === 32 && subgroupForwardApplies(c);
  if (subgroup) {
    const t = tiling(c);
    const outputs = outputsOf();
    if (c.l > 0 && c.b * c.d > 0) {
      const blocks = Math.ceil(c.d / SUBGROUP_ROWS);
      runWgsl(backend, {
        code: subgroupForwardShader(c, save),
        inputs: forwardInputNames(c).map((name) => inputs[name]!),
        outputs: save ? outputs : outputs.slice(0, 2),
        params: params(c, blocks, t.checkpoints),
        workgroups: [blocks, c.b, 1],
      });
    }
    return outputs;
  }
  const { t, code } = fitting(c, backend, (t) => forwardShader(c, t, save, { tile: attrs.tile ?? FORWARD_TILE, unroll: attrs.unroll ?? 1 }), attrs.split ?? Math.min(TILED_SPLIT, stateSplit(c.n)));
  const outputs = outputsOf();
  if (c.l > 0 && c.b * c.d > 0) {
    runWgsl(backend, {
      code,
      inputs: forwardInputNames(c).map((name) => inputs[name]!),
      outputs: save ? outputs : outputs.slice(0, 2),
      params: params(c, t.blocks, t.checkpoints),
      workgroups: [t.blocks, c.b, 1],
    });
  }
  return outputs;
}

/**
 * The quad forward, l split into `chunks` (rounded to whole tiles and checkpoint intervals) run side by
 * side: the 'ends' pass, then the output pass that carries the earlier chunks' ends. One chunk needs
 * only the output pass.
 */
function quadForward(c: ScanConfig, inputs: Infos, backend: WebGPUBackend, save: boolean, outputs: tf.TensorInfo[], shape: QuadShape, wanted: number): tf.TensorInfo[] {
  if (c.l === 0 || c.b * c.d === 0) return outputs;
  const { length, chunks } = chunkSpan(c.l, wanted, quadChunkAlign(shape));
  const blocks = Math.ceil(c.d / shape.rows);
  if (blocks > 65535 || c.b > 65535 || chunks > 65535) throw new Error(`selective scan: ${blocks} x ${c.b} x ${chunks} workgroups exceed the dispatch limits`);
  const uniforms = [...params(c, blocks, Math.ceil(c.l / CHECKPOINT)), length, chunks];
  const chunked = chunks > 1;
  const ends = chunked ? [allocate(backend, [c.b * c.d, chunks, c.n]), allocate(backend, [c.b * c.d, chunks])] : [];
  const bind = (names: string[]) => names.map((name) => (name === 'hEnd' ? ends[0]! : name === 'dtSum' ? ends[1]! : inputs[name]!));
  if (chunked) {
    runWgsl(backend, { code: quadForwardShader(c, shape, false, 'ends'), inputs: bind(quadInputNames(c, 'ends', false)), outputs: ends, params: uniforms, workgroups: [blocks, c.b, chunks] });
  }
  runWgsl(backend, {
    code: quadForwardShader(c, shape, save, 'output', chunked),
    inputs: bind(quadInputNames(c, 'output', chunked)),
    outputs: save ? outputs : outputs.slice(0, 2),
    params: uniforms,
    workgroups: [blocks, c.b, chunks],
  });
  for (const x of ends) backend.disposeData(x.dataId);
  return outputs;
}

/** The 'rows' forward: one output pass, preceded by the chunk-ends pass when l is split into chunks. */
function rowsForward(c: ScanConfig, inputs: Infos, backend: WebGPUBackend, save: boolean, outputs: tf.TensorInfo[], requested?: number): tf.TensorInfo[] {
  const rows = c.b * c.d;
  if (c.l === 0 || rows === 0) return outputs;
  const length = chunkLength(c, requested);
  const chunks = Math.ceil(c.l / length);
  const groupsX = Math.ceil(rows / ROWS_WORKGROUP);
  if (groupsX > 65535 || chunks > 65535) throw new Error(`selectiveScan: ${rows} rows (b * d) x ${chunks} chunks exceed WebGPU's 65535 workgroups per dispatch dimension (${ROWS_WORKGROUP} rows each)`);
  const uniforms = [...params(c, 0, Math.ceil(c.l / CHECKPOINT)).slice(0, 7), rows, length, chunks];
  const bind = (names: string[], extra: Infos) => names.map((name) => (extra[name] ?? inputs[name])!);
  const chunked = chunks > 1;
  const ends = chunked ? [allocate(backend, [rows, chunks, c.n]), allocate(backend, [rows, chunks])] : [];
  if (chunked) {
    runWgsl(backend, {
      code: rowsForwardShader(c, 'ends', false, true),
      inputs: bind(rowsInputNames(c, 'ends', true), {}),
      outputs: ends,
      params: uniforms,
      workgroups: [groupsX, chunks, 1],
    });
  }
  runWgsl(backend, {
    code: rowsForwardShader(c, 'output', save, chunked),
    inputs: bind(rowsInputNames(c, 'output', chunked), chunked ? { hEnd: ends[0]!, dtSum: ends[1]! } : {}),
    outputs: save ? outputs : outputs.slice(0, 2),
    params: uniforms,
    workgroups: [groupsX, chunks, 1],
  });
  for (const x of ends) backend.disposeData(x.dataId);
  return outputs;
}

function backward(inputs: Infos, backend: WebGPUBackend, softplus: boolean, wantedChunks?: number): tf.TensorInfo[] {
  const c = configOf(inputs, softplus);
  const { b, d, l, n } = c;
  const { length, chunks } = chunkSpan(l, wantedChunks ?? 1, CHECKPOINT);
  const chunked = chunks > 1;
  const { t, code } = fitting(c, backend, (t) => backwardShader(c, t, chunked));
  const du = allocate(backend, [b, d, l]);
  const ddelta = allocate(backend, [b, d, l]);
  const dz = c.hasZ ? allocate(backend, [b, d, l]) : null;
  // Per (b, chunk, d): dA (n), dD, ddeltaBias, summed over the batch and the chunks below.
  const parts = b * chunks;
  const rowPart = allocate(backend, [parts, d, n + 2]);
  const bWords = projectionPartWords(c, c.bGroups, t, chunks);
  const cWords = projectionPartWords(c, c.cGroups, t, chunks);
  const bcPart = allocate(backend, [bWords + cWords]);
  const ends = chunked ? [allocate(backend, [b * d, chunks, n]), allocate(backend, [b * d, chunks])] : [];
  if (chunked) {
    const rows = b * d;
    const groupsX = Math.ceil(rows / BACKWARD_ENDS_WORKGROUP);
    if (groupsX > 65535 || chunks > 65535) throw new Error(`selective scan: ${rows} rows x ${chunks} chunks exceed the dispatch limits`);
    runWgsl(backend, {
      code: backwardEndsShader(c),
      inputs: backwardEndsInputNames(c).map((name) => inputs[name]!),
      outputs: ends,
      params: [d, l, Math.max(c.cGroups, 1), c.cGroups > 0 ? d / c.cGroups : 1, rows, length, chunks],
      workgroups: [groupsX, chunks, 1],
    });
  }
  const gIn = chunked ? allocate(backend, [b * d, chunks, n]) : null;
  if (gIn) {
    runWgsl(backend, {
      code: backwardCarryShader(n),
      inputs: [inputs.A!, ends[0]!, ends[1]!, inputs.dLast!],
      outputs: [gIn],
      params: [d, b * d, chunks],
      workgroups: [Math.ceil((b * d * n) / 64), 1, 1],
    });
  }
  const given: Infos = gIn ? { ...inputs, gIn } : inputs;
  runWgsl(backend, {
    code,
    inputs: (chunked ? chunkedBackwardInputNames(c) : backwardInputNames(c)).map((name) => given[name]!),
    outputs: [du, ddelta, ...(dz ? [dz] : []), rowPart, bcPart],
    params: [...params(c, t.blocks, t.checkpoints), bWords, length, chunks],
    workgroups: [t.blocks, b, chunks],
  });
  for (const x of [...ends, ...(gIn ? [gIn] : [])]) backend.disposeData(x.dataId);
  const sum = (shape: number[], spec: Parameters<typeof stridedSum>[1], input: tf.TensorInfo) => {
    const out = allocate(backend, shape);
    runWgsl(backend, { code: stridedSumShader(), inputs: [input], outputs: [out], ...stridedSum(shape, spec) });
    return out;
  };
  const W = n + 2;
  const dA = sum([d, n], { P: d, Q: n, K: parts, offset: 0, sp: W, sq: 1, sk: d * W }, rowPart);
  const dD = c.hasD ? sum([d], { P: d, Q: 1, K: parts, offset: n, sp: W, sq: 1, sk: d * W }, rowPart) : allocate(backend, [0]);
  const dBias = c.hasBias ? sum([d], { P: d, Q: 1, K: parts, offset: n + 1, sp: W, sq: 1, sk: d * W }, rowPart) : allocate(backend, [0]);
  const projection = (shape: number[], groups: number, offset: number) => {
    if (groups === 0) return sum([d, n], { P: 1, Q: d * n, K: parts, offset, sp: 0, sq: 1, sk: d * n }, bcPart);
    const perGroup = t.blocks / groups; // workgroups of one group (1 group: every workgroup)
    return sum(shape, { P: b * groups, Q: n * l, K: perGroup, offset, sp: perGroup * n * l, sq: 1, sk: n * l }, bcPart);
  };
  const dB = projection(inputs.B!.shape, c.bGroups, 0);
  const dC = projection(inputs.C!.shape, c.cGroups, bWords);
  for (const x of [rowPart, bcPart]) backend.disposeData(x.dataId);
  return [du, ddelta, dA, dB, dC, dD, dz ?? allocate(backend, [0]), dBias];
}

/** Registers both kernels for the webgpu backend; safe to call more than once. */
export function registerScanKernels(): void {
  if (tf.getKernel(SELECTIVE_SCAN, 'webgpu')) return;
  tf.registerKernel({
    kernelName: SELECTIVE_SCAN,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => forward(inputs as Infos, backend as WebGPUBackend, attrs as ScanKernelAttrs),
  });
  tf.registerKernel({
    kernelName: SELECTIVE_SCAN_GRAD,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const a = attrs as { softplus?: boolean; chunks?: number };
      return backward(inputs as Infos, backend as WebGPUBackend, Boolean(a.softplus), a.chunks);
    },
  });
}

export { INPUTS as SCAN_INPUTS };
