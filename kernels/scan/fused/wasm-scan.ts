/**
 * The WebAssembly SIMD build of the fused scan (wasm/scan.c) behind the signatures of core.scanForward and
 * core.scanBackward, for float32 problems. The module runs on its own shared memory: each call copies the
 * inputs in (O(b*d*l + b*n*l) values against O(b*d*l*n) work), splits the (b, d) rows into parts that worker
 * threads run at once (scan-threads.ts), and copies the outputs out. The memory grows to the largest call
 * seen and is reused, which spares the first-write cost of fresh pages on every call.
 *
 * The parts are a function of the problem alone (`forwardParts`, `backwardParts`), and a part's gradient sums
 * go to buffers of its own that are added in part order, so the results are the same bits for any number of
 * threads.
 *
 * `wasmScan` is null where WebAssembly SIMD (or shared memory) is not available; the kernels then run core.ts.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { scratchTally, type ForwardOutputs, type Gradients, type ScanProblem, type Vec } from './core.ts';
import { startScanThreads, type ScanFunction, type ScanThreads } from './scan-threads.ts';

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
 * projection rows, those sums take at most three times dB's and dC's own size (each boundary between parts
 * repeats one row). A shared (d, n) projection is small (d * n4 floats per part) and sets no limit.
 */
export function backwardParts(p: ScanProblem): number {
  const rows = (groups: number) => (groups === 0 ? Infinity : p.b * groups);
  return Math.min(MAX_PARTS, p.b * p.d, 2 * Math.min(rows(p.bGroups), rows(p.cGroups)));
}

/**
 * The projection rows (of a (b, g, n, l) B or C) that rows [r0, r1) read: from `first` on, `count` of them.
 * Row (bi, di) reads projection row bi * g + floor(di / (d / g)), which never decreases along the rows, so the
 * range is contiguous. A shared (d, n) projection is one row of d * n4 floats here: first 0, count 1.
 */
function projectionRows(groups: number, p: ScanProblem, r0: number, r1: number) {
  if (groups === 0) return { first: 0, count: 1, floats: p.d * ((p.n + 3) & ~3) };
  const of = (r: number) => Math.floor(r / p.d) * groups + Math.floor((r % p.d) / (p.d / groups));
  const first = of(r0), count = of(r1 - 1) - first + 1;
  return { first, count, floats: count * p.l * ((p.n + 3) & ~3) };
}

/** Below this much work (b*d*l*n state updates) one thread runs the call: waking the others costs more. */
const THREADED_MIN_WORK = 1 << 17;

export interface WasmScanOptions {
  /** Threads a call may use (1: the calling thread only). */
  threads: number;
  /** Calls with less work (b*d*l*n) run on the calling thread; THREADED_MIN_WORK by default. */
  threadedMinWork?: number;
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

  /** Reserves `size` floats set to 0 at `ready`. */
  zeros(size: number): number {
    const at = this.reserve(size);
    this.fills.push(() => this.view(at, size).fill(0));
    return at;
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
    if (missing > 0) this.memory.grow(Math.ceil(missing / 65536));
    for (const fill of this.fills) fill();
    scratchTally.wasmCall(this.end - this.start);
  }

  view(at: number, size: number): Float32Array {
    return new Float32Array(this.memory.buffer, at, size);
  }
}

/** Byte address of row r of a per-row array of `width` floats per row at `base`; 0 stays 0 (absent). */
const rowAt = (base: number, r: number, width: number) => (base ? base + 4 * r * width : 0);

/** Copies the arrays every call reads in, and the arguments every part shares up to `bias`. */
function problemArgs(p: ScanProblem, arena: Arena) {
  const layouts = { A: paddedLayout(0, p), B: paddedLayout(p.bGroups, p), C: paddedLayout(p.cGroups, p) };
  const head = [p.b, p.d, p.l, p.n, p.bGroups, p.cGroups, p.softplus ? 1 : 0, p.chunk];
  const u = arena.input(p.u), delta = arena.input(p.delta), z = arena.input(p.z);
  const A = arena.padded(p.A, layouts.A), B = arena.padded(p.B, layouts.B), C = arena.padded(p.C, layouts.C);
  const D = arena.input(p.D), bias = arena.input(p.deltaBias);
  /** scan_forward / scan_backward's arguments up to bias, for rows [r0, r1). */
  const args = (r0: number, r1: number) => [...head, r0, r1, rowAt(u, r0, p.l), rowAt(delta, r0, p.l), A, B, C, D, rowAt(z, r0, p.l), bias];
  return { args, layouts, u, delta, z };
}

/** Adds `part` into `sum` from float `offset` on (float32 rounding, as the kernel's own sums). */
function addInto(sum: Float32Array, part: Float32Array, offset: number): void {
  for (let i = 0; i < part.length; i++) sum[offset + i]! += part[i]!;
}

/** The instance on the calling thread, and the threads (started at the first call big enough for them). */
class ScanModule {
  private readonly exports: ScanExports;
  private pool: ScanThreads | null = null;
  /** Where calls' arenas start: past the threads' stacks. */
  readonly heapStart: number;

  readonly threads: number;
  private readonly threadedMinWork: number;

  constructor(
    private readonly module: WebAssembly.Module,
    readonly memory: WebAssembly.Memory,
    options: WasmScanOptions,
  ) {
    this.threads = options.threads;
    this.threadedMinWork = options.threadedMinWork ?? THREADED_MIN_WORK;
    this.exports = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as ScanExports;
    this.heapStart = (this.exports.__heap_base.value as number) + this.threads * STACK_BYTES;
  }

  work(fn: 'forward_work' | 'backward_work', p: ScanProblem): number {
    return this.exports[fn](p.l, p.n, p.chunk);
  }

  /** fn(...args) for each part's args: on the threads when there are several and the work pays for them. */
  run(fn: ScanFunction, parts: number[][], p: ScanProblem): void {
    if (this.threads > 1 && parts.length > 1 && p.b * p.d * p.l * p.n >= this.threadedMinWork) {
      const base = this.exports.__heap_base.value as number;
      this.pool ??= startScanThreads(this.module, this.memory, Array.from({ length: this.threads }, (_, i) => base + (i + 1) * STACK_BYTES), MAX_PARTS);
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
      const arena = new Arena(mod.memory, mod.heapStart);
      const { args } = problemArgs(p, arena);
      const nChunks = out.checkpoints.length / (p.b * p.d * p.n);
      const y = arena.reserve(out.y.length), last = arena.reserve(out.lastState.length), ck = arena.reserve(out.checkpoints.length);
      const parts = partition(p.b * p.d, forwardParts(p));
      const works = parts.map(() => arena.reserve(mod.work('forward_work', p)));
      arena.ready();
      mod.run('scan_forward', parts.map(([r0, r1], i) => [...args(r0, r1), rowAt(y, r0, p.l), rowAt(last, r0, p.n), rowAt(ck, r0, nChunks * p.n), works[i]!]), p);
      out.y.set(arena.view(y, out.y.length));
      out.lastState.set(arena.view(last, out.lastState.length));
      out.checkpoints.set(arena.view(ck, out.checkpoints.length));
    },
    backward(p, checkpoints, dy, dLast, grads) {
      const arena = new Arena(mod.memory, mod.heapStart);
      const { args, layouts, u, delta, z } = problemArgs(p, arena);
      const nChunks = checkpoints.length / (p.b * p.d * p.n);
      const ck = arena.input(checkpoints), dyAt = arena.input(dy), dLastAt = arena.input(dLast);
      const n4 = layouts.A.n4;
      // Each part sums its gradients of the shared inputs into buffers of its own, added up below in part order.
      const parts = partition(p.b * p.d, backwardParts(p)).map(([r0, r1]) => {
        const bRows = projectionRows(p.bGroups, p, r0, r1), cRows = projectionRows(p.cGroups, p, r0, r1);
        return {
          r0, r1, bRows, cRows,
          dA: arena.zeros(p.d * n4), dB: arena.zeros(bRows.floats), dC: arena.zeros(cRows.floats),
          dD: grads.D ? arena.zeros(p.d) : 0, dBias: grads.deltaBias ? arena.zeros(p.d) : 0,
          work: arena.reserve(mod.work('backward_work', p)),
        };
      });
      arena.ready();
      // du, ddelta and dz overwrite u, delta and z (scan.c says why that is safe).
      mod.run('scan_backward', parts.map((part) => [
        ...args(part.r0, part.r1), rowAt(ck, part.r0, nChunks * p.n), rowAt(dyAt, part.r0, p.l), rowAt(dLastAt, part.r0, p.n),
        rowAt(u, part.r0, p.l), rowAt(delta, part.r0, p.l), part.dA, part.dB, part.dC, part.dD, grads.z ? rowAt(z, part.r0, p.l) : 0, part.dBias,
        part.bRows.first, part.cRows.first, part.work,
      ]), p);
      grads.u.set(arena.view(u, grads.u.length));
      grads.delta.set(arena.view(delta, grads.delta.length));
      if (grads.z) grads.z.set(arena.view(z, grads.z.length));
      const sums = { A: new Float32Array(paddedSize(layouts.A)), B: new Float32Array(paddedSize(layouts.B)), C: new Float32Array(paddedSize(layouts.C)) };
      const D = grads.D ? new Float32Array(p.d) : null, bias = grads.deltaBias ? new Float32Array(p.d) : null;
      scratchTally.js += 4 * (sums.A.length + sums.B.length + sums.C.length + 2 * p.d);
      const rowFloats = (groups: number) => (groups === 0 ? 0 : p.l * n4);
      for (const part of parts) {
        addInto(sums.A, arena.view(part.dA, p.d * n4), 0);
        addInto(sums.B, arena.view(part.dB, part.bRows.floats), part.bRows.first * rowFloats(p.bGroups));
        addInto(sums.C, arena.view(part.dC, part.cRows.floats), part.cRows.first * rowFloats(p.cGroups));
        if (D) addInto(D, arena.view(part.dD, p.d), 0);
        if (bias) addInto(bias, arena.view(part.dBias, p.d), 0);
      }
      if (D) grads.D!.set(D);
      if (bias) grads.deltaBias!.set(bias);
      unpad(sums.A, grads.A, layouts.A);
      unpad(sums.B, grads.B, layouts.B);
      unpad(sums.C, grads.C, layouts.C);
    },
  };
}

/** The number of threads the scan uses by default: SCAN_THREADS, else one per core (at most MAX_PARTS). */
export function defaultScanThreads(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SCAN_THREADS;
  if (raw === undefined || raw === '') return Math.min(availableParallelism(), MAX_PARTS);
  const threads = Number(raw);
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_PARTS) {
    throw new Error(`SCAN_THREADS=${JSON.stringify(raw)}: expected a whole number of threads from 1 to ${MAX_PARTS}`);
  }
  return threads;
}

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
