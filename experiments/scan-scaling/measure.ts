/**
 * The measurement shared by the scan-scaling experiments (CPU and GPU): each implementation timed at
 * each of its lengths, forward and forward+backward, and the summary (crossover lengths, log-log
 * slopes) derived from the rows. The whole sweep may run in several rounds, one after another: a round's
 * medians show how far a result moves with the machine's state over time (a GPU's clocks, say), and the
 * result is the median over rounds.
 */
import { z } from 'zod';
import type { Json, Row, RunContext } from '../../engine/contract.ts';
import { crossoverLength, logLogSlope } from './crossover.ts';
import type { Pass, Workload } from './workloads.ts';

export const PASSES: Pass[] = ['forward', 'forward+backward'];

/** The params of a sweep, which each scan-scaling experiment extends with its own. */
export const sweepParams = z.object({
  batch: z.number().int().positive(),
  width: z.number().int().positive(),
  dState: z.number().int().positive(),
  lengths: z.array(z.number().int().positive()).min(2),
  /** Attention's (b, l, l) scores must fit the backend's largest buffer: it runs only up to this length. */
  attentionMaxLength: z.number().int().positive(),
  repeats: z.number().int().min(3),
});

/** One implementation measured and the lengths it runs at. */
export interface Measured {
  impl: string;
  lengths: number[];
  make(pass: Pass, l: number, seed: number): Workload;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** How each length is timed. */
export interface TimingPolicy {
  /** Timings per length in a round; their median is the round's result. */
  repeats: number;
  /** Sweeps over every implementation, pass and length (1 by default); the median of the rounds' medians is the result. */
  rounds?: number;
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

/** Untimed calls before a length's timings: until this many have run, or WARMUP_MS has passed (at least one). */
const WARMUP_CALLS = 3;
const WARMUP_MS = 500;

/**
 * Per-call times of a workload, after untimed calls that absorb JIT compilation (a wasm kernel runs its
 * first calls in baseline code), heap growth, input upload and shader compilation. With minTimingMs, the
 * last untimed call's time sizes the timings.
 */
export async function timeWorkload(workload: Workload, policy: TimingPolicy): Promise<WorkloadTiming> {
  const started = performance.now();
  let last = 0;
  for (let i = 0; i < WARMUP_CALLS && (i === 0 || performance.now() - started < WARMUP_MS); i++) {
    const t0 = performance.now();
    await workload.run();
    last = performance.now() - t0;
  }
  const calls = policy.minTimingMs ? Math.min(MAX_CALLS, Math.max(1, Math.ceil(policy.minTimingMs / Math.max(last, 1e-3)))) : 1;
  const times: number[] = [];
  for (let r = 0; r < policy.repeats; r++) {
    const t0 = performance.now();
    await workload.run(calls);
    times.push((performance.now() - t0) / calls);
  }
  return { msMedian: median(times), msMin: Math.min(...times), msMax: Math.max(...times), calls };
}

export interface Timings {
  /** Per implementation, pass and length: {impl, pass, length, msMedian, msMin, msMax, usPerToken, repeats, rounds}, per call. */
  rows: Row[];
  /** The same per round: {round, impl, pass, length, msMedian, msMin, msMax, usPerToken, calls}. */
  rounds: Row[];
}

/** Times every implementation at each of its lengths, both passes, in policy.rounds rounds. */
export async function measureTimings(ctx: RunContext<unknown>, impls: Measured[], batch: number, policy: TimingPolicy): Promise<Timings> {
  const roundCount = policy.rounds ?? 1;
  const total = roundCount * PASSES.length * impls.reduce((s, i) => s + i.lengths.length, 0);
  const perRound: Row[] = [];
  const usPerToken = (ms: number, l: number) => (ms * 1000) / (batch * l);
  for (let round = 1; round <= roundCount; round++) {
    for (const pass of PASSES) {
      for (const { impl, lengths, make } of impls) {
        for (const l of lengths) {
          ctx.signal.throwIfAborted();
          const workload = make(pass, l, ctx.seed);
          try {
            const t = await timeWorkload(workload, policy);
            perRound.push({ round, impl, pass, length: l, ...t, usPerToken: usPerToken(t.msMedian, l) });
          } finally {
            workload.dispose();
          }
          ctx.progress.update({ step: perRound.length, total, unit: 'measurement', note: `${roundCount > 1 ? `round ${round}: ` : ''}${impl} ${pass} l=${l}` });
        }
      }
    }
  }
  const rows = perRound.filter((r) => r.round === 1).map(({ impl, pass, length }) => {
    const same = perRound.filter((r) => r.impl === impl && r.pass === pass && r.length === length);
    const msMedian = median(same.map((r) => Number(r.msMedian)));
    return {
      impl, pass, length, msMedian,
      msMin: Math.min(...same.map((r) => Number(r.msMin))),
      msMax: Math.max(...same.map((r) => Number(r.msMax))),
      usPerToken: usPerToken(msMedian, Number(length)),
      repeats: policy.repeats,
      rounds: roundCount,
    };
  });
  return { rows, rounds: perRound };
}

/**
 * Crossover rows (each scan against attention, per pass: from the result, and in each round) and the
 * metrics the report quotes.
 */
export function summarise({ rows, rounds }: Timings, fast: string, scans: string[]): { crossovers: Row[]; crossoversByRound: Row[]; metrics: Record<string, Json> } {
  const roundNumbers = [...new Set(rounds.map((r) => Number(r.round)))].sort((a, b) => a - b);
  const crossovers: Row[] = PASSES.flatMap((pass) => scans.map((scan) => ({ pass, scan, crossoverLength: crossoverLength(rows, pass, scan, 'attention') })));
  const crossoversByRound: Row[] = roundNumbers.flatMap((round) =>
    PASSES.flatMap((pass) =>
      scans.map((scan) => ({ round, pass, scan, crossoverLength: crossoverLength(rounds.filter((r) => r.round === round), pass, scan, 'attention') })),
    ),
  );
  const slope = (pass: Pass, impl: string) => logLogSlope(rows, pass, impl);
  return {
    crossovers,
    crossoversByRound,
    metrics: {
      scanImpl: fast,
      rounds: roundNumbers.length,
      crossoverForward: crossoverLength(rows, 'forward', fast, 'attention'),
      crossoverForwardBackward: crossoverLength(rows, 'forward+backward', fast, 'attention'),
      slopeScanForward: slope('forward', fast),
      slopeScanForwardBackward: slope('forward+backward', fast),
      slopeAttentionForward: slope('forward', 'attention'),
      slopeAttentionForwardBackward: slope('forward+backward', 'attention'),
    },
  };
}
