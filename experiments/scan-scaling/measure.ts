/**
 * The measurement shared by the scan-scaling experiments (CPU and GPU): each implementation timed at
 * each of its lengths, forward and forward+backward, and the summary (crossover lengths, log-log
 * slopes) derived from the rows.
 */
import type { Json, Row, RunContext } from '../../engine/contract.ts';
import { crossoverLength, logLogSlope } from './crossover.ts';
import type { Pass, Workload } from './workloads.ts';

export const PASSES: Pass[] = ['forward', 'forward+backward'];

/** One implementation measured and the lengths it runs at. */
export interface Measured {
  impl: string;
  lengths: number[];
  make(pass: Pass, l: number, seed: number): Workload;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** How each length is timed. */
export interface TimingPolicy {
  /** Timings per length; their median is the result. */
  repeats: number;
  /**
   * Where set, a timing runs as many back-to-back calls as last about this long (estimated from the untimed
   * call) and reports the time per call, so a GPU's fixed cost of waiting for its queue is spread over them.
   */
  minTimingMs?: number;
}

/** Most calls one timing runs. */
const MAX_CALLS = 64;

export interface WorkloadTiming {
  msMedian: number;
  msMin: number;
  msMax: number;
  /** Calls per timing. */
  calls: number;
}

/**
 * Per-call times of a workload: one untimed call (warm-up: JIT, heap growth, input upload, shader
 * compilation), with minTimingMs a second untimed one to size the timings, then the timings.
 */
export async function timeWorkload(workload: Workload, policy: TimingPolicy): Promise<WorkloadTiming> {
  await workload.run();
  let calls = 1;
  if (policy.minTimingMs) {
    const started = performance.now();
    await workload.run();
    calls = Math.min(MAX_CALLS, Math.max(1, Math.ceil(policy.minTimingMs / Math.max(performance.now() - started, 1e-3))));
  }
  const times: number[] = [];
  for (let r = 0; r < policy.repeats; r++) {
    const t0 = performance.now();
    await workload.run(calls);
    times.push((performance.now() - t0) / calls);
  }
  return { msMedian: median(times), msMin: Math.min(...times), msMax: Math.max(...times), calls };
}

/** Rows {impl, pass, length, msMedian, msMin, msMax, usPerToken, repeats, calls}, per call. */
export async function measureTimings(ctx: RunContext<unknown>, impls: Measured[], batch: number, policy: TimingPolicy): Promise<Row[]> {
  const total = PASSES.length * impls.reduce((s, i) => s + i.lengths.length, 0);
  const rows: Row[] = [];
  for (const pass of PASSES) {
    for (const { impl, lengths, make } of impls) {
      for (const l of lengths) {
        ctx.signal.throwIfAborted();
        const workload = make(pass, l, ctx.seed);
        try {
          const t = await timeWorkload(workload, policy);
          rows.push({ impl, pass, length: l, ...t, usPerToken: (t.msMedian * 1000) / (batch * l), repeats: policy.repeats });
        } finally {
          workload.dispose();
        }
        ctx.progress.update({ step: rows.length, total, unit: 'measurement', note: `${impl} ${pass} l=${l}` });
      }
    }
  }
  return rows;
}

/** Crossover rows (each scan against attention, per pass) and the metrics the report quotes. */
export function summarise(rows: Row[], fast: string, scans: string[]): { crossovers: Row[]; metrics: Record<string, Json> } {
  const crossovers: Row[] = PASSES.flatMap((pass) => scans.map((scan) => ({ pass, scan, crossoverLength: crossoverLength(rows, pass, scan, 'attention') })));
  const slope = (pass: Pass, impl: string) => logLogSlope(rows, pass, impl);
  return {
    crossovers,
    metrics: {
      scanImpl: fast,
      crossoverForward: crossoverLength(rows, 'forward', fast, 'attention'),
      crossoverForwardBackward: crossoverLength(rows, 'forward+backward', fast, 'attention'),
      slopeScanForward: slope('forward', fast),
      slopeScanForwardBackward: slope('forward+backward', fast),
      slopeAttentionForward: slope('forward', 'attention'),
      slopeAttentionForwardBackward: slope('forward+backward', 'attention'),
    },
  };
}
