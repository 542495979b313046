/**
 * Worker threads for the SIMD scan: each runs its own instance of wasm/scan.wasm on the module's shared
 * memory, and one call's parts (row ranges, see wasm-scan.ts) are spread over them. The calling thread posts
 * the parts and sleeps in Atomics.wait until they are done, so a tfjs kernel stays a synchronous function.
 * The protocol (claims, failures) is described in scan-worker.mjs, the threads' side of it.
 *
 * Which thread runs a part never changes the result: parts write disjoint outputs, or their own gradient
 * buffers that the caller sums in part order.
 */
import { Worker } from 'node:worker_threads';

/** Word indices of the control block, shared with scan-worker.mjs. */
const LAYOUT = {
  /** (generation << 16) | next unclaimed part. */
  CLAIM: 0,
  /** The job's generation: threads sleep on it. */
  GEN: 1,
  DONE: 2,
  PARTS: 3,
  /** Index into FUNCTIONS. */
  FN: 4,
  /** 1 once any part (or a thread's start) failed; the message is in the message block. */
  FAILED: 5,
  /** Threads that finished starting (instantiated, or failed to). */
  READY: 6,
  /** Part p's arguments: the count at ARGS + p * MAX_ARGS, then the arguments. */
  ARGS: 8,
  MAX_ARGS: 40,
  FUNCTIONS: ['scan_forward', 'scan_backward'],
} as const;

export type ScanFunction = (typeof LAYOUT.FUNCTIONS)[number];

/** How long a call waits for freshly started threads to report in before it gives up on them. */
const START_TIMEOUT_MS = 30_000;

export interface ScanThreads {
  /** Runs fn(...args) for every part's args on the threads; returns once every part is done. */
  run(fn: ScanFunction, parts: readonly (readonly number[])[]): void;
  /** Stops the threads (they would otherwise end with the process: they do not keep it alive). */
  close(): Promise<void>;
}

/**
 * Starts `stackTops.length` threads on `memory`, thread i with its stack below stackTops[i] (a region the
 * caller keeps free), for jobs of up to maxParts parts.
 */
export function startScanThreads(module: WebAssembly.Module, memory: WebAssembly.Memory, stackTops: readonly number[], maxParts: number): ScanThreads {
  const control = new SharedArrayBuffer(4 * (LAYOUT.ARGS + maxParts * LAYOUT.MAX_ARGS));
  const message = new SharedArrayBuffer(2048);
  const ctl = new Int32Array(control);
  const workers = stackTops.map((stackTop) => {
    const worker = new Worker(new URL('./scan-worker.mjs', import.meta.url), {
      workerData: { module, memory, control, message, stackTop, layout: LAYOUT },
    });
    worker.unref();
    // A thread that dies before reporting in is caught by the start timeout; keep its error off the process.
    worker.on('error', () => {});
    return worker;
  });
  let generation = 0;
  let started = false;

  const failure = (what: string) => {
    const bytes = new Uint8Array(message);
    const end = bytes.indexOf(0);
    return new Error(`${what}: ${new TextDecoder().decode(bytes.slice(0, end < 0 ? bytes.length : end))}`);
  };

  /** Sleeps until ctl[index] reaches `target`; false if `timeoutMs` passed first. */
  const waitFor = (index: number, target: number, timeoutMs = Infinity) => {
    const deadline = Date.now() + timeoutMs;
    for (let now = Atomics.load(ctl, index); now < target; now = Atomics.load(ctl, index)) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      Atomics.wait(ctl, index, now, left);
    }
    return true;
  };

  return {
    run(fn, parts) {
      if (parts.length > maxParts) throw new Error(`scan threads: ${parts.length} parts, at most ${maxParts}`);
      if (!started) {
        if (!waitFor(LAYOUT.READY, workers.length, START_TIMEOUT_MS)) throw new Error(`scan threads: not started within ${START_TIMEOUT_MS / 1000} s`);
        started = true;
      }
      if (Atomics.load(ctl, LAYOUT.FAILED)) throw failure('scan threads failed earlier');
      parts.forEach((args, p) => {
        if (args.length >= LAYOUT.MAX_ARGS) throw new Error(`scan threads: ${args.length} arguments, at most ${LAYOUT.MAX_ARGS - 1}`);
        const base = LAYOUT.ARGS + p * LAYOUT.MAX_ARGS;
        ctl[base] = args.length;
        ctl.set(args, base + 1);
      });
      generation = (generation + 1) & 0x7fff;
      Atomics.store(ctl, LAYOUT.FN, LAYOUT.FUNCTIONS.indexOf(fn));
      Atomics.store(ctl, LAYOUT.PARTS, parts.length);
      Atomics.store(ctl, LAYOUT.DONE, 0);
      // Publishing the claim word last makes everything above visible to any thread that claims a part.
      Atomics.store(ctl, LAYOUT.CLAIM, generation << 16);
      Atomics.store(ctl, LAYOUT.GEN, generation);
      Atomics.notify(ctl, LAYOUT.GEN);
      waitFor(LAYOUT.DONE, parts.length);
      if (Atomics.load(ctl, LAYOUT.FAILED)) throw failure(`scan threads: ${fn} failed`);
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
