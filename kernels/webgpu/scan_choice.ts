/**
 * Which forward and backward the webgpu scan takes for a shape, when the caller names none: the entry
 * of the adapter's measured table (scan_tuning.ts) for the shape's bucket, or the nearest bucket of the
 * same n, else a default from the shape alone. Pure: the table is passed in or set once by setup.
 *
 * Buckets: rows b * d and length l each rounded to the nearest power of two, n exact. Nearby shapes
 * share a choice: what decides it is how many invocations the rows (and chunks) give the GPU.
 */
import { QUAD_MIN_ROWS, QUAD_SHAPE, quadSplit } from './scan_forward_quad_wgsl.ts';

export interface ForwardChoice {
  path: 'quad' | 'rows';
  /** quad: channels per workgroup, state lanes per channel, steps per tile. */
  channels?: number;
  split?: number;
  tile?: number;
  /** quad: chunks l is split into (run side by side). */
  chunks?: number;
}

export interface BackwardChoice {
  /** Chunks l is split into (run side by side). */
  chunks: number;
  /** State groups per channel (the workgroup is 32 channels x split); default stateSplit(n). */
  split?: number;
}

export interface ScanShape {
  b: number;
  d: number;
  l: number;
  n: number;
}

export interface TableEntry {
  /** The shape the entry was measured at. */
  shape: ScanShape;
  forward: ForwardChoice;
  backward: BackwardChoice;
  /** Median ms of the chosen forward and backward, and of every candidate (by its label). */
  forwardMs: number;
  backwardMs: number;
  forwardCandidates: Record<string, number>;
  backwardCandidates: Record<string, number>;
}

export interface ScanTable {
  /** The adapter measured (adapterLabel) and the kernels' source hash: a table of other kernels is not used. */
  adapter: string;
  kernels: string;
  entries: Record<string, TableEntry>;
}

export const bucketOf = (s: ScanShape) => `n${s.n}-rows2^${Math.round(Math.log2(Math.max(1, s.b * s.d)))}-l2^${Math.round(Math.log2(Math.max(1, s.l)))}`;

const bucketParts = (key: string) => key.match(/^n(\d+)-rows2\^(\d+)-l2\^(\d+)$/)?.slice(1).map(Number) ?? null;

/** Invocations the default choices aim for (the GPU needs many more threads than (b, d) rows when rows are few). */
export const DEFAULT_FORWARD_INVOCATIONS = 1 << 17;
export const DEFAULT_BACKWARD_INVOCATIONS = 1 << 18;
/** Shortest chunks the defaults split l into: the second pass over a chunk and the carry stay a small share. */
export const MIN_FORWARD_CHUNK = 256;
export const MIN_BACKWARD_CHUNK = 128;

const pow2Floor = (x: number) => 2 ** Math.floor(Math.log2(Math.max(1, x)));

/** Chunks for `rows` (b, d) rows of `lanes` invocations each to reach `target` invocations, chunks no shorter than `minChunk`. */
export function chunksFor(rows: number, lanes: number, l: number, target: number, minChunk: number): number {
  const wanted = Math.ceil(target / Math.max(1, rows * lanes));
  return Math.max(1, Math.min(pow2Floor(wanted * 2 - 1), pow2Floor(l / minChunk)));
}

/** The forward without a table: the quad forward, split along l when rows are too few to fill a GPU. */
export function defaultForward(s: ScanShape): ForwardChoice {
  const rows = s.b * s.d;
  const split = quadSplit(rows);
  const chunks = rows >= QUAD_MIN_ROWS ? 1 : chunksFor(rows, split, s.l, DEFAULT_FORWARD_INVOCATIONS, MIN_FORWARD_CHUNK);
  return { path: 'quad', channels: QUAD_SHAPE.rows, split, tile: QUAD_SHAPE.tile, chunks };
}

export function defaultBackward(s: ScanShape): BackwardChoice {
  return { chunks: chunksFor(s.b * s.d, 4, s.l, DEFAULT_BACKWARD_INVOCATIONS, MIN_BACKWARD_CHUNK) };
}

export type ChoiceSource = 'tuned' | 'nearest tuned' | 'default';

/** The table entry for `s`: its own bucket, else the nearest of the same n within two doublings of rows and length. */
export function tableEntry(table: ScanTable | null, s: ScanShape): { entry: TableEntry; exact: boolean } | null {
  if (!table) return null;
  const own = table.entries[bucketOf(s)];
  if (own) return { entry: own, exact: true };
  const [, r, l] = bucketParts(bucketOf(s))!;
  let best: { entry: TableEntry; distance: number } | null = null;
  for (const [key, entry] of Object.entries(table.entries).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const parts = bucketParts(key);
    if (!parts || parts[0] !== s.n) continue;
    const distance = Math.abs(parts[1]! - r!) + Math.abs(parts[2]! - l!);
    if (distance <= 2 && (!best || distance < best.distance)) best = { entry, distance };
  }
  return best ? { entry: best.entry, exact: false } : null;
}

/** A borrowed choice's chunks, kept within what l allows. */
const clampChunks = (chunks: number | undefined, l: number, minChunk: number) => Math.max(1, Math.min(chunks ?? 1, pow2Floor(l / minChunk)));

export function chooseForward(table: ScanTable | null, s: ScanShape): { choice: ForwardChoice; source: ChoiceSource } {
  const found = tableEntry(table, s);
  if (!found) return { choice: defaultForward(s), source: 'default' };
  const f = found.entry.forward;
  return { choice: found.exact ? f : { ...f, chunks: clampChunks(f.chunks, s.l, 64) }, source: found.exact ? 'tuned' : 'nearest tuned' };
}

export function chooseBackward(table: ScanTable | null, s: ScanShape): { choice: BackwardChoice; source: ChoiceSource } {
  const found = tableEntry(table, s);
  if (!found) return { choice: defaultBackward(s), source: 'default' };
  const c = found.entry.backward;
  return { choice: found.exact ? c : { ...c, chunks: clampChunks(c.chunks, s.l, 16) }, source: found.exact ? 'tuned' : 'nearest tuned' };
}

/** A short readable label of a forward choice (bench rows, tables). */
export function describeForward(f: ForwardChoice & { chunkLength?: number }): string {
  if (f.path === 'rows') return `rows${f.chunkLength ? `, chunk ${f.chunkLength}` : ''}`;
  return `quad ${f.channels ?? QUAD_SHAPE.rows}/${f.split ?? '-'}/${f.tile ?? QUAD_SHAPE.tile} x${f.chunks ?? 1}`;
}

export const describeBackward = (b: BackwardChoice) => `x${b.chunks}${b.split ? ` split ${b.split}` : ''}`;

/** The active table (set by setup from the adapter's cache; null: defaults only). */
let active: ScanTable | null = null;
export const setScanTable = (table: ScanTable | null) => void (active = table);
export const activeScanTable = () => active;
