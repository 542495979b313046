/**
 * The WebAssembly SIMD build of the fused scan (wasm/scan.c) behind the signatures of core.scanForward and
 * core.scanBackward, for float32 problems. The module runs on its own shared memory. A call splits the
 * (b, d) rows into parts, which threads run at once (kernels/threads/pool.ts), in waves: a wave copies its rows of
 * the per-row arrays (u, delta, z, y, ...) in, runs its parts, and copies them out. A wave takes as many parts
 * as fit WAVE_FLOATS (at least one per thread), so a small call is one wave and a large one never needs
 * more memory than that (the module's 32-bit memory stops at 4 GiB); besides, the module holds the (b, n, l)
 * projections, against O(b*d*l*n) work. The memory grows to the largest call seen and is reused, which
 * spares the first-write cost of fresh pages.
 *
 * The parts are a function of the problem alone (`forwardParts`, `backwardParts`), and a part's gradient sums
 * go to buffers of its own that are added in part order, so the results are the same bits for any number of
 * threads.
 *
 * `wasmScan` is null where WebAssembly SIMD (or shared memory) is not available; the kernels then run core.ts.
 */
import { readFileSync } from 'node:fs';
import { scratchTally, type ForwardOutputs, type Gradients, type ScanProblem, type Vec } from './core.ts';
import { kernelThreads } from '../../threads/count.ts';
import { startThreads, type Threads } from '../../threads/pool.ts';

const FUNCTIONS = ['scan_forward', 'scan_backward'] as const;
type ScanFunction = (typeof FUNCTIONS)[number];

interface ScanExports {
  __heap_base: WebAssembly.Global;
  forward_work(l: number, n: number, chunk: number): number;
  backward_work(l: number, n: number, chunk: number): number;
  scan_forward(...args: number[]): void;
  scan_backward(...args: number[]): void;
}

export interface ScanEngine {
  forward(p: ScanProblem, out: ForwardOutputs): void;
  backward(p: ScanProblem, checkpoints: Vec, dy: Vec, dLast: Vec, grads: Gradients): void;
}

/**
 * The padded time-major layout scan.c reads a projection in: (rows, n, len) -> (rows, len, n4), n4 = 4 ceil(n / 4),
 * the extra lanes 0. A (b, g, n, l) projection is b*g rows of length l; a (d, n) one (and A) d rows of length 1.
 */
interface Padded {
  rows: number;
  n: number;
  n4: number;
  len: number;
}

function paddedLayout(groups: number, p: ScanProblem): Padded {
  const n4 = (p.n + 3) & ~3;
  return groups === 0 ? { rows: p.d, n: p.n, n4, len: 1 } : { rows: p.b * groups, n: p.n, n4, len: p.l };
}

const paddedSize = (s: Padded) => s.rows * s.len * s.n4;

function pad(x: Vec, out: Float32Array, { rows, n, n4, len }: Padded): void {
  out.fill(0);
  for (let r = 0; r < rows; r++)
    for (let k = 0; k < n; k++) {
      const src = (r * n + k) * len;
      const dst = r * len * n4 + k;
      for (let t = 0; t < len; t++) out[dst + t * n4] = x[src + t]!;
    }
}

function unpad(src: Float32Array, out: Vec, { rows, n, n4, len }: Padded): void {
  for (let r = 0; r < rows; r++)
    for (let k = 0; k < n; k++) {
      const dst = (r * n + k) * len;
      const from = r * len * n4 + k;
      for (let t = 0; t < len; t++) out[dst + t] = src[from + t * n4]!;
    }
}

/** Most parts one call is split into: enough for 16 threads, few enough that the per-part sums stay small. */
export const MAX_PARTS = 16;

/** Rows [r0, r1) of each of `count` near-equal ranges of the rows. */
export function partition(rows: number, count: number): [number, number][] {
  return Array.from({ length: count }, (_, i) => [Math.floor((i * rows) / count), Math.floor(((i + 1) * rows) / count)]);
}

/** Forward parts write disjoint rows and sum nothing: MAX_PARTS of them (one per row when there are fewer). */
const forwardParts = (p: ScanProblem) => Math.min(MAX_PARTS, p.b * p.d);

/**
 * Backward parts each sum dB and dC over the projection rows they touch; with at most twice as many parts as
 * projection rows, all parts' sums together take at most three times dB's and dC's own size (each boundary
 * between parts repeats one row), and a wave holds only its own parts'. A shared (d, n) projection is
 * small (d * n4 floats per part) and sets no limit.
 */
export function backwardParts(p: ScanProblem): number {
  const rows = (groups: number) => (groups === 0 ? Infinity : p.b * groups);
  return Math.min(MAX_PARTS, p.b * p.d, 2 * Math.min(rows(p.bGroups), rows(p.cGroups)));
}

/**
 * The projection rows (of a (b, g, n, l) B or C) that rows [r0, r1) read: the first, and the floats of all of
 * them. Row (bi, di) reads projection row bi * g + floor(di / (d / g)), which never decreases along the rows,
 * so the range is contiguous. A shared (d, n) projection is one row of d * n4 floats here.
 */
function projectionRows(groups: number, p: ScanProblem, r0: number, r1: number) {
  if (groups === 0) return { first: 0, floats: p.d * ((p.n + 3) & ~3) };
  const of = (r: number) => Math.floor(r / p.d) * groups + Math.floor((r % p.d) / (p.d / groups));
  const first = of(r0);
  return { first, floats: (of(r1 - 1) - first + 1) * p.l * ((p.n + 3) & ~3) };
}

/** Below this much work (b*d*l*n state updates) one thread runs the call: waking the others costs more. */
const THREADED_MIN_WORK = 1 << 17;

export interface WasmScanOptions {
  /** Threads a call may use (1: the calling thread only). */
  threads: number;
  /** Calls with less work (b*d*l*n) run on the calling thread; THREADED_MIN_WORK by default. */
  threadedMinWork?: number;
  /** Floats of per-row arrays a wave copies in at most; WAVE_FLOATS by default. */
  waveFloats?: number;
}

/** Bytes of stack per instance: build.sh's -z stack-size. */
const STACK_BYTES = 65536;
/** Pages the module asks of its imported memory (its data and the first instance's stack: build.sh). */
const INITIAL_PAGES = 2;
const MAX_PAGES = 65536;

/** Bump allocation of float arrays in the module's memory for one call, from `start`. */
class Arena {
  private end: number;
  private readonly fills: (() => void)[] = [];

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly start: number,
  ) {
    this.end = start;
  }

  /** Reserves `size` floats, 16-byte aligned; returns the byte address. */
  reserve(size: number): number {
    const at = (this.end + 15) & ~15;
    this.end = at + size * 4;
    return at;
  }

  /** Reserves room for `x` and copies it in at `ready`; 0 for an absent input. */
  input(x: Vec | null): number {
    if (!x) return 0;
    const at = this.reserve(x.length);
    this.fills.push(() => this.view(at, x.length).set(x));
    return at;
  }

  /** Reserves room for `rows` rows of a per-row array of `width` floats per row; address 0 for an absent array. */
  rows(x: Vec | null, width: number, rows: number): RowBlock {
    return { at: x ? this.reserve(rows * width) : 0, width };
  }

  /** Rows [r0, r1) of x into the block. */
  load(block: RowBlock, x: Vec | null, r0: number, r1: number): void {
    if (x) this.view(block.at, (r1 - r0) * block.width).set(x.subarray(r0 * block.width, r1 * block.width));
  }

  /** The block back into rows [r0, r1) of x. */
  store(block: RowBlock, x: Vec | null, r0: number, r1: number): void {
    if (x) x.set(this.view(block.at, (r1 - r0) * block.width), r0 * block.width);
  }

  /** Reserves room for a projection in the padded layout and pads it in at `ready`. */
  padded(x: Vec, layout: Padded): number {
    const at = this.reserve(paddedSize(layout));
    this.fills.push(() => pad(x, this.view(at, paddedSize(layout)), layout));
    return at;
  }

  /** Grows the memory to fit every reservation, fills the inputs in, and tallies the bytes used. */
  ready(): void {
    const missing = this.end - this.memory.buffer.byteLength;
    if (missing > 0) {
      try {
        this.memory.grow(Math.ceil(missing / 65536));
      } catch (error) {
        // The module's memory is 32-bit: a RangeError from grow means the call does not fit, not a bug.
        throw new Error(`selectiveScan: the fused scan needs ${this.end} bytes of WebAssembly memory, more than its 4 GiB (${MAX_PAGES} pages of 64 KiB) limit`, { cause: error });
      }
    }
    for (const fill of this.fills) fill();
    scratchTally.wasmCall(this.end - this.start);
  }

  view(at: number, size: number): Float32Array {
    return new Float32Array(this.memory.buffer, at, size);
  }
}

/** A wave's rows of one per-row array in the module's memory, and its floats per row. */
interface RowBlock {
  at: number;
  width: number;
}

/** Byte address of row r of a block (counted from the block's first row); 0 stays 0 (absent). */
const rowAt = ({ at, width }: RowBlock, r: number) => (at ? at + 4 * r * width : 0);

/** Floats of per-row arrays one wave copies in at most, unless one part per thread needs more: 64 MB. */
const WAVE_FLOATS = 1 << 24;

/**
 * Consecutive parts in waves: as many per wave as fit `budget` floats at `floatsPerRow`, and at least
 * `threads` (each thread then has a part).
 */
function waves<T extends { r0: number; r1: number }>(parts: T[], floatsPerRow: number, threads: number, budget: number): T[][] {
  const largest = Math.max(...parts.map((q) => q.r1 - q.r0));
  const size = Math.max(threads, Math.floor(budget / (largest * floatsPerRow)));
  const out: T[][] = [];
  for (let i = 0; i < parts.length; i += size) out.push(parts.slice(i, i + size));
  return out;
}

/**
 * What forward and backward share: the parts in waves (each wave moves u, delta and z, three or four
 * (l)-rows of per-row arrays with y or dy, and (nChunks + 1) n-rows with the checkpoints and the last state),
 * an arena with blocks for a wave's rows, the arrays every part reads whole (A, B, C padded, D, bias, copied
 * in at `ready`), and the arguments of scan_forward / scan_backward up to bias.
 */
function callLayout<T extends { r0: number; r1: number }>(mod: ScanModule, p: ScanProblem, parts: T[], nChunks: number) {
  const floatsPerRow = (p.z ? 4 : 3) * p.l + (nChunks + 1) * p.n;
  const groups = waves(parts, floatsPerRow, mod.threads, mod.waveFloats);
  /** The first row of a wave and the row past its last. */
  const span = (wave: T[]) => [wave[0]!.r0, wave.at(-1)!.r1] as const;
  const blockRows = Math.max(...groups.map((wave) => span(wave)[1] - span(wave)[0]));
  const arena = new Arena(mod.memory, mod.heapStart);
  const layouts = { A: paddedLayout(0, p), B: paddedLayout(p.bGroups, p), C: paddedLayout(p.cGroups, p) };
  const head = [p.b, p.d, p.l, p.n, p.bGroups, p.cGroups, p.softplus ? 1 : 0, p.chunk];
  const rows = { u: arena.rows(p.u, p.l, blockRows), delta: arena.rows(p.delta, p.l, blockRows), z: arena.rows(p.z, p.l, blockRows) };
  const A = arena.padded(p.A, layouts.A), B = arena.padded(p.B, layouts.B), C = arena.padded(p.C, layouts.C);
  const D = arena.input(p.D), bias = arena.input(p.deltaBias);
  /** The arguments up to bias for rows [r0, r1), in a wave whose blocks start at row w0. */
  const args = (r0: number, r1: number, w0: number) =>
    [...head, r0, r1, rowAt(rows.u, r0 - w0), rowAt(rows.delta, r0 - w0), A, B, C, D, rowAt(rows.z, r0 - w0), bias];
  /** Copies rows [r0, r1) of u, delta and z into the blocks. */
  const load = (r0: number, r1: number) => {
    arena.load(rows.u, p.u, r0, r1);
    arena.load(rows.delta, p.delta, r0, r1);
    arena.load(rows.z, p.z, r0, r1);
  };
  // Waves are equally long but the last: the most parts one holds, each with its own scratch.
  return { groups, slots: groups[0]!.length, blockRows, arena, args, load, span, rows, layouts };
}

/** Adds `part` into `sum` from float `offset` on (float32 rounding, as the kernel's own sums). */
function addInto(sum: Float32Array, part: Float32Array, offset: number): void {
  for (let i = 0; i < part.length; i++) sum[offset + i]! += part[i]!;
}

/** The instance on the calling thread, and the threads (started at the first call big enough for them). */
class ScanModule {
  private readonly exports: ScanExports;
  private pool: Threads<ScanFunction> | null = null;
  /** Where calls' arenas start: past the threads' stacks. */
  readonly heapStart: number;

  readonly threads: number;
  private readonly stackTops: number[];
  readonly waveFloats: number;
  private readonly threadedMinWork: number;

  constructor(
    private readonly module: WebAssembly.Module,
    readonly memory: WebAssembly.Memory,
    options: WasmScanOptions,
  ) {
    this.threads = options.threads;
    this.threadedMinWork = options.threadedMinWork ?? THREADED_MIN_WORK;
    this.waveFloats = options.waveFloats ?? WAVE_FLOATS;
    this.exports = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as ScanExports;
    // Thread i's stack is the STACK_BYTES below stackTops[i], past the module's own data and first stack.
    const base = this.exports.__heap_base.value as number;
    this.stackTops = Array.from({ length: this.threads }, (_, i) => base + (i + 1) * STACK_BYTES);
    this.heapStart = base + this.threads * STACK_BYTES;
  }

  work(fn: 'forward_work' | 'backward_work', p: ScanProblem): number {
    return this.exports[fn](p.l, p.n, p.chunk);
  }

  /** fn(...args) for each part's args: on the threads when there are several and the work pays for them. */
  run(fn: ScanFunction, parts: number[][], p: ScanProblem): void {
    if (this.threads > 1 && parts.length > 1 && p.b * p.d * p.l * p.n >= this.threadedMinWork) {
      this.pool ??= startThreads('scan threads', this.module, this.memory, this.stackTops, MAX_PARTS, FUNCTIONS);
      this.pool.run(fn, parts);
    } else for (const args of parts) this.exports[fn](...args);
  }

  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = null;
  }
}

function engine(mod: ScanModule): ScanEngine {
  return {
    forward(p, out) {
      const nChunks = out.checkpoints.length / (p.b * p.d * p.n);
      const parts = partition(p.b * p.d, forwardParts(p)).map(([r0, r1]) => ({ r0, r1 }));
      const { groups, slots, blockRows, arena, args, load, span } = callLayout(mod, p, parts, nChunks);
      const y = arena.rows(out.y, p.l, blockRows), last = arena.rows(out.lastState, p.n, blockRows);
      const ck = arena.rows(out.checkpoints, nChunks * p.n, blockRows);
      const works = Array.from({ length: slots }, () => arena.reserve(mod.work('forward_work', p)));
      arena.ready();
      for (const wave of groups) {
        const [w0, w1] = span(wave);
        load(w0, w1);
        const calls = wave.map(({ r0, r1 }, i) => [...args(r0, r1, w0), rowAt(y, r0 - w0), rowAt(last, r0 - w0), rowAt(ck, r0 - w0), works[i]!]);
        mod.run('scan_forward', calls, p);
        arena.store(y, out.y, w0, w1);
        arena.store(last, out.lastState, w0, w1);
        arena.store(ck, out.checkpoints, w0, w1);
      }
    },
    backward(p, checkpoints, dy, dLast, grads) {
      const nChunks = checkpoints.length / (p.b * p.d * p.n);
      const parts = partition(p.b * p.d, backwardParts(p)).map(([r0, r1]) => ({
        r0, r1, bRows: projectionRows(p.bGroups, p, r0, r1), cRows: projectionRows(p.cGroups, p, r0, r1),
      }));
      const { groups, slots, blockRows, arena, args, load, span, rows, layouts } = callLayout(mod, p, parts, nChunks);
      const ck = arena.rows(checkpoints, nChunks * p.n, blockRows), dyRows = arena.rows(dy, p.l, blockRows);
      const dLastRows = arena.rows(dLast, p.n, blockRows);
      // A wave's parts each sum their gradients of the shared inputs into a slot of their own; the slots are
      // added into the sums below in part order, so the result does not depend on which thread ran a part.
      const most = (f: (part: (typeof parts)[number]) => number) => Math.max(...parts.map(f));
      const sizes = { dA: paddedSize(layouts.A), dB: most((q) => q.bRows.floats), dC: most((q) => q.cRows.floats), dD: grads.D ? p.d : 0, dBias: grads.deltaBias ? p.d : 0 };
      const slot = Array.from({ length: slots }, () => ({
        dA: arena.reserve(sizes.dA), dB: arena.reserve(sizes.dB), dC: arena.reserve(sizes.dC),
        dD: sizes.dD ? arena.reserve(sizes.dD) : 0, dBias: sizes.dBias ? arena.reserve(sizes.dBias) : 0,
        work: arena.reserve(mod.work('backward_work', p)),
      }));
      arena.ready();
      const sums = { A: new Float32Array(sizes.dA), B: new Float32Array(paddedSize(layouts.B)), C: new Float32Array(paddedSize(layouts.C)) };
      const D = grads.D ? new Float32Array(p.d) : null, bias = grads.deltaBias ? new Float32Array(p.d) : null;
      scratchTally.js += 4 * (sums.A.length + sums.B.length + sums.C.length + 2 * p.d);
      /** Where projection row `first` starts in a (b, g, l, n4) gradient; a shared one has just the one row. */
      const offset = (groups: number, first: number) => (groups === 0 ? 0 : first * p.l * layouts.A.n4);
      for (const wave of groups) {
        const [w0, w1] = span(wave);
        load(w0, w1);
        arena.load(ck, checkpoints, w0, w1);
        arena.load(dyRows, dy, w0, w1);
        arena.load(dLastRows, dLast, w0, w1);
        for (const s of slot) for (const name of ['dA', 'dB', 'dC', 'dD', 'dBias'] as const) if (s[name]) arena.view(s[name], sizes[name]).fill(0);
        // du, ddelta and dz overwrite u, delta and z (scan.c says why that is safe).
        const calls = wave.map((part, i) => {
          const s = slot[i]!, r = part.r0 - w0;
          return [
            ...args(part.r0, part.r1, w0), rowAt(ck, r), rowAt(dyRows, r), rowAt(dLastRows, r), rowAt(rows.u, r), rowAt(rows.delta, r),
            s.dA, s.dB, s.dC, s.dD, grads.z ? rowAt(rows.z, r) : 0, s.dBias, part.bRows.first, part.cRows.first, s.work,
          ];
        });
        mod.run('scan_backward', calls, p);
        arena.store(rows.u, grads.u, w0, w1);
        arena.store(rows.delta, grads.delta, w0, w1);
        arena.store(rows.z, grads.z, w0, w1);
        wave.forEach((part, i) => {
          const s = slot[i]!;
          addInto(sums.A, arena.view(s.dA, sizes.dA), 0);
          addInto(sums.B, arena.view(s.dB, part.bRows.floats), offset(p.bGroups, part.bRows.first));
          addInto(sums.C, arena.view(s.dC, part.cRows.floats), offset(p.cGroups, part.cRows.first));
          if (D) addInto(D, arena.view(s.dD, p.d), 0);
          if (bias) addInto(bias, arena.view(s.dBias, p.d), 0);
        });
      }
      if (D) grads.D!.set(D);
      if (bias) grads.deltaBias!.set(bias);
      unpad(sums.A, grads.A, layouts.A);
      unpad(sums.B, grads.B, layouts.B);
      unpad(sums.C, grads.C, layouts.C);
    },
  };
}

/** The number of threads the scan uses by default: KERNEL_THREADS (kernels/threads/count.ts), at most MAX_PARTS. */
export const defaultScanThreads = (env: NodeJS.ProcessEnv = process.env): number => Math.min(kernelThreads(env), MAX_PARTS);

export interface WasmScan extends ScanEngine {
  readonly threads: number;
  /** Stops the engine's threads. */
  close(): Promise<void>;
}

/** The scan engine of a build of wasm/scan.c, or null where this WebAssembly lacks SIMD or shared memory. */
export function createWasmScan(bytes: Uint8Array<ArrayBuffer>, options: WasmScanOptions): WasmScan | null {
  // validate is false where the engine lacks SIMD or threads (the module uses v128 and a shared memory).
  if (typeof WebAssembly === 'undefined' || typeof SharedArrayBuffer === 'undefined' || !WebAssembly.validate(bytes)) return null;
  const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared: true });
  const mod = new ScanModule(new WebAssembly.Module(bytes), memory, options);
  return { ...engine(mod), threads: mod.threads, close: () => mod.close() };
}

/** The bytes of the SIMD scan built next to this file. */
export const wasmScanBytes = (): Uint8Array<ArrayBuffer> => readFileSync(new URL('./wasm/scan.wasm', import.meta.url));

/** The SIMD scan on the default number of threads, or null where WebAssembly SIMD is unavailable. */
export const wasmScan: WasmScan | null = createWasmScan(wasmScanBytes(), { threads: defaultScanThreads() });
