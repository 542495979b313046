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

/** Rows {impl, pass, length, msMedian, msMin, msMax, usPerToken, repeats}; a warm-up run precedes each implementation's first length. */
export async function measureTimings(ctx: RunContext<unknown>, impls: Measured[], batch: number, repeats: number): Promise<Row[]> {
  const total = PASSES.length * impls.reduce((s, i) => s + i.lengths.length, 0);
  const rows: Row[] = [];
  for (const pass of PASSES) {
    for (const { impl, lengths, make } of impls) {
      for (const [index, l] of lengths.entries()) {
        ctx.signal.throwIfAborted();
        const workload = make(pass, l, ctx.seed);
        try {
          if (index === 0) await workload.run(); // warm-up: JIT, kernel registration, heap growth, shader compilation
          const times: number[] = [];
          for (let r = 0; r < repeats; r++) {
            const started = performance.now();
            await workload.run();
            times.push(performance.now() - started);
          }
          const msMedian = median(times);
          rows.push({
            impl, pass, length: l, msMedian, msMin: Math.min(...times), msMax: Math.max(...times),
            usPerToken: (msMedian * 1000) / (batch * l), repeats,
          });
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
