/**
 * How the WGSL selective-scan kernels tile the problem (shared by the forward and backward shaders and
 * by the code that dispatches them).
 *
 * Glossary: b batch, d channels (rows are (b, d) pairs), l steps, n state size.
 * One workgroup owns up to 32 consecutive channels of one batch entry: a channel per lane, and the n
 * states of a channel split over S groups of invocations (NS = n / S states each, in registers). The
 * sequence is walked in tiles whose inputs are loaded cooperatively, coalesced along l, into workgroup
 * memory; states carry from tile to tile in registers (Mamba's chunked scan, csrc/selective_scan).
 */

/** Steps per checkpoint: the forward saves the state entering every CHECKPOINT steps, the backward recomputes from them. */
export const CHECKPOINT = 16;
/**
 * Forward tile length along l. Short tiles keep workgroup memory small: on the H200 (Vulkan) the time
 * fell in proportion to it (tile 32: 4.4% of copy bandwidth, 16: 8.6%, 8: 15.8%), workgroup memory
 * being what limited how many workgroups an SM held.
 */
export const FORWARD_TILE = 8;

/** 0: the projection is (d, n), shared over batch and time; g >= 1: it is (b, g, n, l). */
export type Groups = number;

export interface ScanConfig {
  b: number;
  d: number;
  l: number;
  n: number;
  bGroups: Groups;
  cGroups: Groups;
  softplus: boolean;
  hasD: boolean;
  hasZ: boolean;
  hasBias: boolean;
}

export interface Tiling {
  /** Channels per workgroup (a power of two <= 32 that divides every group's channel count). */
  rows: number;
  /** State groups per channel; NS = n / S states per invocation. */
  S: number;
  NS: number;
  /** Workgroups along d. */
  blocks: number;
  /** Checkpoints along l. */
  checkpoints: number;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** The largest of 4, 2, 1 that divides n: enough invocations per channel without splitting the state too thin. */
export function stateSplit(n: number, max = 4): number {
  for (let s = max; s > 1; s /= 2) if (n % s === 0) return s;
  return 1;
}

export function tiling(c: ScanConfig, split = stateSplit(c.n)): Tiling {
  let rows = 32;
  for (const g of [c.bGroups, c.cGroups]) if (g > 1) rows = gcd(rows, c.d / g);
  return {
    rows,
    S: split,
    NS: c.n / split,
    blocks: Math.ceil(c.d / rows),
    checkpoints: Math.ceil(c.l / CHECKPOINT),
  };
}

/** Checkpoint buffer layout (b, checkpoints, n, d): consecutive lanes write consecutive words. */
export const checkpointShape = (c: ScanConfig) => [c.b, Math.ceil(c.l / CHECKPOINT), c.n, c.d];

/** Words of the backward's partial sums of dB (or dC) for one projection: per workgroup (grouped) or per (batch entry, chunk, row) (shared). */
export function projectionPartWords(c: ScanConfig, groups: Groups, t: Tiling, chunks = 1): number {
  return groups === 0 ? c.b * chunks * c.d * c.n : c.b * t.blocks * c.n * c.l;
}

/** Repeats `body(j)` for j in [0, count): the state loops are unrolled so states stay in registers. */
export const unroll = (count: number, body: (j: number) => string) =>
  Array.from({ length: count }, (_, j) => body(j)).join('\n');

/** WGSL for softplus and silu as the reference computes them (threshold 20 as in Mamba's kernels). */
export const WGSL_HELPERS = /* wgsl */ `
fn softplus(x: f32) -> f32 {
  if (x > 20.0) { return x; }
  // log(1 + e^x) loses e^x below float epsilon; e^x is then the correctly rounded answer.
  if (x < -15.0) { return exp(x); }
  return log(1.0 + exp(x));
}
fn silu(x: f32) -> f32 { return x / (1.0 + exp(-x)); }
`;

/**
 * Invocations the 'rows' forward aims for. On the H200 (n = 16) the best chunking gave 64K: b 8, d 4096,
 * l 8192 in 2 chunks (14.8% of copy bandwidth; 1 chunk 12.9%, 4 chunks 11.7%); b 4, d 4096, l 16384
 * in 4 chunks (13.5%; 1 chunk 9.0%, 8 chunks 11.1%).
 */
export const ROWS_TARGET_INVOCATIONS = 1 << 16;
/** The tiled forward's state split: 2 measured faster than 4 at b 8, d 4096 (18.0% against 16.5% at l = 8192). */
export const TILED_SPLIT = 2;
/** Shortest chunk the 'rows' forward splits l into: the carry over earlier chunks stays a small share. */
export const MIN_CHUNK = 256;

/**
 * Steps per chunk of the 'rows' forward: l whole when b * d rows fill the GPU, else split so that
 * rows x chunks reaches ROWS_TARGET_INVOCATIONS, chunks no shorter than MIN_CHUNK. A multiple of
 * CHECKPOINT, so each checkpoint falls in exactly one chunk.
 */
export function chunkLength(c: ScanConfig, requested?: number): number {
  const roundUp = (x: number) => Math.max(CHECKPOINT, Math.ceil(x / CHECKPOINT) * CHECKPOINT);
  if (requested !== undefined) return roundUp(requested);
  const wanted = Math.ceil(ROWS_TARGET_INVOCATIONS / Math.max(1, c.b * c.d));
  const chunks = Math.max(1, Math.min(wanted, Math.floor(c.l / MIN_CHUNK)));
  return roundUp(Math.ceil(c.l / chunks));
}

/**
 * Splits l steps into about `wanted` chunks whose length is a multiple of `align` (a power of two at
 * least CHECKPOINT, so each checkpoint falls in exactly one chunk): the length and the actual count.
 */
export function chunkSpan(l: number, wanted: number, align: number): { length: number; chunks: number } {
  const want = Math.max(1, Math.floor(wanted));
  const length = Math.max(align, Math.ceil(Math.ceil(l / want) / align) * align);
  return { length, chunks: Math.max(1, Math.ceil(l / length)) };
}
