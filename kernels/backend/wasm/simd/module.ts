/**
 * conv.wasm (./conv.c: matrix products and 2-D convolutions in WebAssembly SIMD) on a shared memory of its
 * own, with worker threads (kernels/threads/pool.ts) that run a call's parts at once. tfjs's wasm backend
 * keeps its tensors in its own, unshared memory, so a kernel copies its inputs in here (`Call.input`), runs
 * (`Call.run`) and copies its output out: O(inputs + output) copying against O(multiply-adds) work.
 *
 * A call's output rows are split into parts of whole tiles (MR rows); how many depends on the thread count,
 * but never the result (conv.c says why: each output element is one sum in a fixed order, whatever part it
 * is in). The memory grows to the largest call seen and is reused.
 */
import { readFileSync } from 'node:fs';
import { kernelThreads, MAX_THREADS } from '../../../threads/count.ts';
import { startThreads, type Threads } from '../../../threads/pool.ts';

const FUNCTIONS = ['matmul', 'conv2d', 'conv2d_backprop_input', 'conv2d_backprop_filter', 'depthwise_conv2d', 'depthwise_backprop_input', 'depthwise_backprop_filter', 'column_sums'] as const;
export type SimdFunction = (typeof FUNCTIONS)[number];

interface Exports {
  __heap_base: WebAssembly.Global;
  gemm_scratch(k: number): number;
  filter_scratch(): number;
}

/** Tile rows of conv.c (MR): parts start at multiples of it. */
const MR = 4;
/** Bytes of stack per instance: build.sh's -z stack-size. */
const STACK_BYTES = 65536;
/** Pages the module asks of its imported memory (its data and the first instance's stack). */
const INITIAL_PAGES = 2;
const MAX_PAGES = 65536;
/** Parts per thread: a busy core (this machine is shared) then holds up less of the call. */
const PARTS_PER_THREAD = 4;
/** Below this many multiply-adds a call runs on the calling thread: waking the others costs more. */
export const THREADED_MIN_WORK = 1 << 18;

export interface SimdOptions {
  threads: number;
  /** Calls with fewer multiply-adds run on the calling thread; THREADED_MIN_WORK by default. */
  threadedMinWork?: number;
}

/** One call's arena in the module's memory: inputs copied in, outputs and scratch reserved, then `run`. */
export interface Call {
  /** Reserves room for x and copies it in; returns its byte address. */
  input(x: Float32Array | Int32Array): number;
  /** Reserves `floats` floats (contents undefined); returns the byte address. */
  reserve(floats: number): number;
  /**
   * Runs fn over output rows [0, rows) in parts: args(r0, r1, scratch) are a part's arguments, scratch a
   * byte address of `scratchFloats` floats of its own. `work` (multiply-adds) decides whether threads pay.
   */
  run(fn: SimdFunction, rows: number, scratchFloats: number, work: number, args: (r0: number, r1: number, scratch: number) => number[]): void;
  /** A view of `floats` floats at byte address `at` (valid until the memory grows). */
  view(at: number, floats: number): Float32Array;
}

export interface SimdModule {
  readonly threads: number;
  /** Floats of scratch a part of a product of depth k needs (matmul, conv2d, conv2d_backprop_input). */
  gemmScratch(k: number): number;
  /** Floats of scratch a part of conv2d_backprop_filter needs. */
  filterScratch(): number;
  /** Starts a call; its reservations last until the next `call()`. */
  call(): Call;
  close(): Promise<void>;
}

/** Rows [0, rows) in `count` parts of whole MR-row tiles (the last may be short); fewer when rows are few. */
export function tileParts(rows: number, count: number): [number, number][] {
  const tiles = Math.ceil(rows / MR);
  const n = Math.max(1, Math.min(count, tiles));
  return Array.from({ length: n }, (_, i) => [Math.min(rows, MR * Math.floor((i * tiles) / n)), Math.min(rows, MR * Math.floor(((i + 1) * tiles) / n))] as [number, number]);
}

export function createSimdModule(bytes: Uint8Array<ArrayBuffer>, options: SimdOptions): SimdModule | null {
  if (typeof WebAssembly === 'undefined' || typeof SharedArrayBuffer === 'undefined' || !WebAssembly.validate(bytes)) return null;
  const threads = options.threads;
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) throw new Error(`conv.wasm: threads must be 1..${MAX_THREADS}, got ${threads}`);
  const threadedMinWork = options.threadedMinWork ?? THREADED_MIN_WORK;
  const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared: true });
  const module = new WebAssembly.Module(bytes);
  const instance = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as Exports & Record<SimdFunction, (...args: number[]) => void>;
  // Thread i's stack is the STACK_BYTES below stackTops[i], past the module's own data and first stack.
  const base = instance.__heap_base.value as number;
  const stackTops = Array.from({ length: threads }, (_, i) => base + (i + 1) * STACK_BYTES);
  const heapStart = base + threads * STACK_BYTES;
  const maxParts = PARTS_PER_THREAD * threads;
  let pool: Threads<SimdFunction> | null = null;

  const call = (): Call => {
    let end = heapStart;
    const reserve = (floats: number) => {
      const at = (end + 15) & ~15;
      end = at + 4 * floats;
      const missing = end - memory.buffer.byteLength;
      if (missing > 0) memory.grow(Math.ceil(missing / 65536));
      return at;
    };
    return {
      reserve,
      input(x) {
        const at = reserve(x.length);
        (x instanceof Int32Array ? new Int32Array(memory.buffer, at, x.length) : new Float32Array(memory.buffer, at, x.length)).set(x);
        return at;
      },
      view: (at, floats) => new Float32Array(memory.buffer, at, floats),
      run(fn, rows, scratchFloats, work, args) {
        if (rows === 0) return;
        const threaded = threads > 1 && work >= threadedMinWork;
        const parts = tileParts(rows, threaded ? maxParts : 1);
        const calls = parts.map(([r0, r1]) => args(r0, r1, reserve(scratchFloats)));
        if (threaded && parts.length > 1) {
          pool ??= startThreads('conv.wasm threads', module, memory, stackTops, maxParts, FUNCTIONS);
          pool.run(fn, calls);
        } else for (const a of calls) instance[fn](...a);
      },
    };
  };

  return {
    threads,
    gemmScratch: (k) => instance.gemm_scratch(k),
    filterScratch: () => instance.filter_scratch(),
    call,
    async close() {
      await pool?.close();
      pool = null;
    },
  };
}

export const simdBytes = (): Uint8Array<ArrayBuffer> => readFileSync(new URL('./conv.wasm', import.meta.url));

/** The module on KERNEL_THREADS threads, made at first use; null where WebAssembly SIMD or shared memory is missing. */
let shared: SimdModule | null | undefined;
export function simdModule(): SimdModule | null {
  if (shared === undefined) shared = createSimdModule(simdBytes(), { threads: kernelThreads() });
  return shared;
}

/** The module, for a kernel that has no other implementation to fall back to. */
export function requireSimdModule(kernel: string): SimdModule {
  const mod = simdModule();
  if (mod == null) throw new Error(`${kernel} on the wasm backend needs WebAssembly SIMD and SharedArrayBuffer, which this runtime lacks`);
  return mod;
}
