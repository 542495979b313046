/**
 * The webgpu scan's measured table: for each shape bucket (scan_choice.ts), every candidate forward
 * (quad shapes x chunk counts, the rows forward) and backward (chunk counts) is timed on the adapter
 * and the fastest is kept. The table is cached per adapter outside the artifacts,
 * `.cache/webgpu-scan-tuning/<adapter>.json` (WEBGPU_TUNING_DIR overrides the folder), keyed by the
 * kernels' source hash so edited kernels are re-measured; setup loads it and the manifest records it.
 *
 * Tuned once per adapter and bucket: `tuneScan(shapes)` measures only the buckets the cache lacks
 * (bench/webgpu.bench.ts and the GPU experiments call it for their shapes).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { writeFileAtomic } from '../../engine/files/fsx.ts';
import { stateSplit } from './scan_layout.ts';
import { bucketOf, describeBackward, describeForward, type BackwardChoice, type ForwardChoice, type ScanShape, type ScanTable, type TableEntry } from './scan_choice.ts';

const here = dirname(fileURLToPath(import.meta.url));
const KERNEL_SOURCES = ['scan_kernels.ts', 'scan_layout.ts', 'scan_forward_quad_wgsl.ts', 'scan_forward_rows_wgsl.ts', 'scan_backward_wgsl.ts', 'reduce_wgsl.ts', 'program.ts'];

/** sha256 (first 16 hex digits) of the kernels' sources: a table measured on other kernels is not used. */
export function kernelsHash(): string {
  const h = createHash('sha256');
  for (const name of KERNEL_SOURCES) h.update(name).update(readFileSync(join(here, name)));
  return h.digest('hex').slice(0, 16);
}

export function tuningFile(adapter: string, dir = process.env.WEBGPU_TUNING_DIR ?? join(here, '..', '..', '.cache', 'webgpu-scan-tuning')): string {
  return join(dir, `${adapter.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}.json`);
}

/** The cached table of `adapter`, or an empty one when absent, unreadable or of other kernels. */
export function loadScanTable(adapter: string, file = tuningFile(adapter)): ScanTable {
  const empty: ScanTable = { adapter, kernels: kernelsHash(), entries: {} };
  if (!existsSync(file)) return empty;
  try {
    const table = JSON.parse(readFileSync(file, 'utf8')) as ScanTable;
    return table.adapter === adapter && table.kernels === empty.kernels && table.entries ? table : empty;
  } catch {
    return empty;
  }
}

export function saveScanTable(table: ScanTable, file = tuningFile(table.adapter)): void {
  writeFileAtomic(file, JSON.stringify(table, null, 2) + '\n');
}

/** Quad shapes tried (channels, lanes, tile): the best ones of the H200 sweeps (kernels/webgpu/measured). */
export const QUAD_CANDIDATES: [number, number, number][] = [[32, 2, 16], [32, 4, 16], [64, 2, 16], [16, 4, 16]];
/** Invocations beyond which more chunks are not tried. */
const MAX_INVOCATIONS = 1 << 21;

/** State splits of the backward tried besides the default (a workgroup of 32 channels x split). */
export const BACKWARD_SPLITS = [1, 2, 4, 8];

const powersOfTwo = (max: number) => Array.from({ length: Math.floor(Math.log2(Math.max(1, max))) + 1 }, (_, i) => 2 ** i);

export function forwardCandidates(s: ScanShape): ForwardChoice[] {
  const rows = s.b * s.d;
  const out: ForwardChoice[] = [{ path: 'rows' }];
  for (const [channels, split, tile] of QUAD_CANDIDATES) {
    if (s.n % split !== 0) continue;
    for (const chunks of powersOfTwo(s.l / 128)) {
      if (chunks > 1 && rows * split * chunks > MAX_INVOCATIONS) break;
      out.push({ path: 'quad', channels, split, tile, chunks });
    }
  }
  return out;
}

export function backwardCandidates(s: ScanShape): BackwardChoice[] {
  const out: BackwardChoice[] = [];
  for (const chunks of powersOfTwo(s.l / 32)) {
    if (chunks > 1 && s.b * s.d * 4 * chunks > 2 * MAX_INVOCATIONS) break;
    out.push({ chunks });
  }
  return out;
}

export interface TuneOptions {
  /** Submits recorded GPU work and waits for it (setup.ts settleGpu). */
  settle: () => Promise<void>;
  log?: (line: string) => void;
  /** Target seconds per timed trial (reps adapt to it). */
  trialSeconds?: number;
}

/**
 * Median seconds per call of `step` over 3 trials; reps per trial from a first timed call, then a
 * warm-up trial of as many calls: the first calls at a size pay for the buffers that reps calls in
 * flight hold, which on the H200 made whichever candidate was timed first at a size read slow.
 */
export async function timeCalls(step: () => void, settle: () => Promise<void>, trialSeconds = 0.05): Promise<number> {
  step();
  await settle();
  let start = performance.now();
  step();
  await settle();
  const once = (performance.now() - start) / 1e3;
  const reps = Math.max(2, Math.min(50, Math.ceil(trialSeconds / Math.max(once, 1e-5))));
  for (let i = 0; i < reps; i++) step();
  await settle();
  const per: number[] = [];
  for (let t = 0; t < 3; t++) {
    start = performance.now();
    for (let i = 0; i < reps; i++) step();
    await settle();
    per.push((performance.now() - start) / 1e3 / reps);
  }
  return per.sort((a, b) => a - b)[1]!;
}

/** Scan inputs of shape `s` (z, D, delta bias, softplus on), made on the device. */
export function tuningInputs(s: ScanShape): Record<string, tf.Tensor> {
  const { b, d, l, n } = s;
  return tf.tidy(() => ({
    u: tf.randomUniform([b, d, l], -1, 1, 'float32', 1),
    delta: tf.randomUniform([b, d, l], -3, 1, 'float32', 2),
    z: tf.randomUniform([b, d, l], -2, 2, 'float32', 3),
    B: tf.randomUniform([b, n, l], -1, 1, 'float32', 4),
    C: tf.randomUniform([b, n, l], -1, 1, 'float32', 5),
    A: tf.neg(tf.exp(tf.randomUniform([d, n], -1, 1.5, 'float32', 6))),
    D: tf.randomUniform([d], -1, 1, 'float32', 7),
    deltaBias: tf.randomUniform([d], -1, 0.5, 'float32', 8),
  }));
}

const attrs = (x: object) => x as unknown as tf.NamedAttrMap;

export function forwardCall(x: Record<string, tf.Tensor>, choice: object, keepCheckpoints = false) {
  return () => tf.dispose(tf.engine().runKernel('SelectiveScan', x, attrs({ softplus: true, ...choice, keepCheckpoints })) as tf.Tensor[]);
}

export function backwardCall(x: Record<string, tf.Tensor>, checkpoints: tf.Tensor, dy: tf.Tensor, dLast: tf.Tensor, choice: object) {
  return () => tf.dispose(tf.engine().runKernel('SelectiveScanGrad', { ...x, checkpoints, dy, dLast }, attrs({ softplus: true, ...choice })) as tf.Tensor[]);
}

/** Measures one shape: every candidate forward and backward. */
export async function tuneShape(s: ScanShape, options: TuneOptions): Promise<TableEntry> {
  const x = tuningInputs(s);
  const forwardCandidatesMs: Record<string, number> = {};
  let forward: { choice: ForwardChoice; ms: number } | null = null;
  for (const choice of forwardCandidates(s)) {
    const ms = 1e3 * (await timeCalls(forwardCall(x, choice), options.settle, options.trialSeconds));
    forwardCandidatesMs[describeForward(choice)] = ms;
    if (!forward || ms < forward.ms) forward = { choice, ms };
  }
  const [y, last, checkpoints] = tf.engine().runKernel('SelectiveScan', x, attrs({ softplus: true, ...forward!.choice, keepCheckpoints: true })) as tf.Tensor[];
  const dy = tf.randomUniform([s.b, s.d, s.l], -1, 1, 'float32', 9);
  const dLast = tf.randomUniform([s.b, s.d, s.n], -1, 1, 'float32', 10);
  const backwardCandidatesMs: Record<string, number> = {};
  let backward: { choice: BackwardChoice; ms: number } | null = null;
  const timeBackward = async (choice: BackwardChoice) => {
    const ms = 1e3 * (await timeCalls(backwardCall(x, checkpoints!, dy, dLast, choice), options.settle, options.trialSeconds));
    backwardCandidatesMs[describeBackward(choice)] = ms;
    if (!backward || ms < backward.ms) backward = { choice, ms };
  };
  // Chunk counts at the default state split, then the other splits at the best count.
  for (const choice of backwardCandidates(s)) await timeBackward(choice);
  const bestChunks = backward!.choice.chunks;
  for (const split of BACKWARD_SPLITS) if (s.n % split === 0 && split !== stateSplit(s.n)) await timeBackward({ chunks: bestChunks, split });
  tf.dispose([y!, last!, checkpoints!, dy, dLast, ...Object.values(x)]);
  await options.settle();
  options.log?.(`tuned b ${s.b} d ${s.d} l ${s.l} n ${s.n}: forward ${describeForward(forward!.choice)} ${forward!.ms.toFixed(3)} ms, backward ${describeBackward(backward!.choice)} ${backward!.ms.toFixed(3)} ms`);
  return { shape: s, forward: forward!.choice, backward: backward!.choice, forwardMs: forward!.ms, backwardMs: backward!.ms, forwardCandidates: forwardCandidatesMs, backwardCandidates: backwardCandidatesMs };
}

/** Adds the buckets of `shapes` that `table` lacks, measured now; returns the table (saved by the caller). */
export async function tuneScan(table: ScanTable, shapes: ScanShape[], options: TuneOptions): Promise<ScanTable> {
  for (const s of shapes) {
    const key = bucketOf(s);
    if (table.entries[key]) continue;
    table.entries[key] = await tuneShape(s, options);
  }
  return table;
}
