/**
 * Worker threads for the project's WebAssembly kernels (the fused scan, kernels/scan/fused/wasm-scan.ts; the
 * wasm backend's convolutions and matmuls, kernels/backend/wasm/simd/): each thread runs its own instance of
 * one module on that module's shared memory, and one call's parts (ranges of output rows) are spread over
 * them. The calling thread posts the parts and sleeps in Atomics.wait until they are done, so a tfjs kernel
 * stays a synchronous function. The protocol (claims, failures) is described in worker.mjs, the threads'
 * side of it.
 *
 * Which thread runs a part must never change the result: the callers' parts write disjoint outputs, or
 * their own partial sums that the caller adds in part order.
 */
import { Worker } from 'node:worker_threads';

/** Word indices of the control block, shared with worker.mjs. */
const LAYOUT = {
  /** (generation << 16) | next unclaimed part. */
  CLAIM: 0,
  /** The job's generation: threads sleep on it. */
  GEN: 1,
  DONE: 2,
  PARTS: 3,
  /** Index into the pool's list of functions. */
  FN: 4,
  /** 1 once any part (or a thread's start) failed; the message is in the message block. */
  FAILED: 5,
  /** Threads that finished starting (instantiated, or failed to). */
  READY: 6,
  /** Part p's arguments: the count at ARGS + p * MAX_ARGS, then the arguments. */
  ARGS: 8,
  MAX_ARGS: 40,
} as const;

/** The claim word's part field of a job being written: past any job's part count (maxParts < CLOSED). */
const CLOSED = 0xffff;

/** How long a call waits for freshly started threads to report in before it gives up on them. */
const START_TIMEOUT_MS = 30_000;

export interface Threads<F extends string> {
  /** Runs fn(...args) for every part's args on the threads; returns once every part is done. */
  run(fn: F, parts: readonly (readonly number[])[]): void;
  /** Stops the threads (they would otherwise end with the process: they do not keep it alive). */
  close(): Promise<void>;
}

/**
 * Starts `stackTops.length` threads, each with an instance of `module` on `memory` (the module imports it as
 * env.memory and exports __stack_pointer), thread i with its stack below stackTops[i] (a region the caller
 * keeps free), for jobs of up to maxParts parts, each a call of one of the module's exports `functions`.
 * `name` starts the pool's error messages.
 */
export function startThreads<const F extends string>(
  name: string,
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  stackTops: readonly number[],
  maxParts: number,
  functions: readonly F[],
): Threads<F> {
  if (!(maxParts > 0 && maxParts < CLOSED)) throw new Error(`${name}: maxParts ${maxParts} must be between 1 and ${CLOSED - 1}`);
  const control = new SharedArrayBuffer(4 * (LAYOUT.ARGS + maxParts * LAYOUT.MAX_ARGS));
  const message = new SharedArrayBuffer(2048);
  const ctl = new Int32Array(control);
  const workers = stackTops.map((stackTop) => {
    const worker = new Worker(new URL('./worker.mjs', import.meta.url), {
      workerData: { module, memory, control, message, stackTop, layout: { ...LAYOUT, FUNCTIONS: functions } },
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
      if (parts.length > maxParts) throw new Error(`${name}: ${parts.length} parts, at most ${maxParts}`);
      if (!started) {
        if (!waitFor(LAYOUT.READY, workers.length, START_TIMEOUT_MS)) throw new Error(`${name}: not started within ${START_TIMEOUT_MS / 1000} s`);
        started = true;
      }
      if (Atomics.load(ctl, LAYOUT.FAILED)) throw failure(`${name} failed earlier`);
      for (const args of parts) {
        if (args.length >= LAYOUT.MAX_ARGS) throw new Error(`${name}: ${args.length} arguments, at most ${LAYOUT.MAX_ARGS - 1}`);
      }
      // Close the claim word under the new generation before anything of the job is written: a thread
      // still draining the previous job that has read the old word (next part = that job's count) but
      // not yet swapped it must fail its swap. Left open, it could pass its bound check against this
      // job's larger part count and take a part before the word is reset, so that part would run twice
      // and the job would count as done while a part was still running.
      generation = (generation + 1) & 0x7fff;
      Atomics.store(ctl, LAYOUT.CLAIM, (generation << 16) | CLOSED);
      parts.forEach((args, p) => {
        const base = LAYOUT.ARGS + p * LAYOUT.MAX_ARGS;
        ctl[base] = args.length;
        ctl.set(args, base + 1);
      });
      Atomics.store(ctl, LAYOUT.FN, functions.indexOf(fn));
      Atomics.store(ctl, LAYOUT.PARTS, parts.length);
      Atomics.store(ctl, LAYOUT.DONE, 0);
      // Publishing the claim word last makes everything above visible to any thread that claims a part.
      Atomics.store(ctl, LAYOUT.CLAIM, generation << 16);
      Atomics.store(ctl, LAYOUT.GEN, generation);
      Atomics.notify(ctl, LAYOUT.GEN);
      waitFor(LAYOUT.DONE, parts.length);
      if (Atomics.load(ctl, LAYOUT.FAILED)) throw failure(`${name}: ${fn} failed`);
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
