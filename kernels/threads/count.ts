/**
 * How many threads the project's CPU kernels use: KERNEL_THREADS, else one per core, at most MAX_THREADS.
 * One setting for all of them (the fused scan, the wasm backend's convolutions and matmuls), since they
 * never run at once: each call is synchronous and leaves its threads asleep when it returns. Results are
 * the same bits for every count, so the setting changes speed only.
 */
import { availableParallelism } from 'node:os';

/** Most threads any kernel splits a call over. */
export const MAX_THREADS = 16;

export function kernelThreads(env: NodeJS.ProcessEnv = process.env): number {
  if (env.SCAN_THREADS !== undefined && env.SCAN_THREADS !== '') {
    throw new Error(`SCAN_THREADS=${JSON.stringify(env.SCAN_THREADS)}: the setting is now KERNEL_THREADS (it covers the scan, convolutions and matmuls)`);
  }
  const raw = env.KERNEL_THREADS;
  if (raw === undefined || raw === '') return Math.min(availableParallelism(), MAX_THREADS);
  const threads = Number(raw);
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
    throw new Error(`KERNEL_THREADS=${JSON.stringify(raw)}: expected a whole number of threads from 1 to ${MAX_THREADS}`);
  }
  return threads;
}
