import { JSDOM } from 'jsdom';
import * as Plot from '@observablehq/plot';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../kernels/tf.ts';
import type { Row } from '../../engine/contract.ts';
import { crossoverLength, logLogSlope } from '../../experiments/scan-scaling/crossover.ts';
import experiment from '../../experiments/scan-scaling/experiment.ts';
import { figures, tables } from '../../experiments/scan-scaling/figures.ts';
import { measureTimings, summarise, timeWorkload } from '../../experiments/scan-scaling/measure.ts';
import type { RunContext } from '../../engine/contract.ts';
import { runSmoke } from './run-smoke.ts';
import { setupBackend } from '../../kernels/backend/index.ts';

describe('crossover and slope', () => {
  const rows = (impl: string, us: number[]): Row[] => [64, 128, 256, 512].map((length, i) => ({ impl, pass: 'forward', length, usPerToken: us[i]! }));
  it('finds the length from which the fast method stays ahead', () => {
    const data = [...rows('scan', [5, 5, 5, 5]), ...rows('attention', [1, 6, 4, 9])];
    expect(crossoverLength(data, 'forward', 'scan', 'attention')).toBe(512);
    expect(crossoverLength([...rows('scan', [5, 5, 5, 5]), ...rows('attention', [1, 2, 3, 4])], 'forward', 'scan', 'attention')).toBeNull();
  });
  it('measures slope 0 for constant and 1 for linear time per token', () => {
    expect(logLogSlope(rows('flat', [3, 3, 3, 3]), 'forward', 'flat')).toBeCloseTo(0, 10);
    expect(logLogSlope(rows('quad', [64, 128, 256, 512]), 'forward', 'quad')).toBeCloseTo(1, 10);
  });
});

describe('timing a workload', () => {
  /** A workload whose every call busy-waits `ms`, recording the calls it was asked for. */
  const fake = (ms: number) => {
    const asked: number[] = [];
    return {
      asked,
      workload: {
        run: async (calls = 1) => {
          asked.push(calls);
          const end = performance.now() + calls * ms;
          while (performance.now() < end);
        },
        dispose: () => {},
      },
    };
  };

  it('times single calls after three untimed ones, unless told to fill a minimum time', async () => {
    const { asked, workload } = fake(1);
    const t = await timeWorkload(workload, { repeats: 3 });
    expect(asked).toEqual([1, 1, 1, 1, 1, 1]);
    expect(t.calls).toBe(1);
    expect(t.msMedian).toBeGreaterThanOrEqual(1);
  });

  it('warms up with a single untimed call when that call alone takes half a second', async () => {
    const { asked, workload } = fake(600);
    await timeWorkload(workload, { repeats: 1 });
    expect(asked).toEqual([1, 1]);
  });

  it('runs back-to-back calls to fill minTimingMs and reports the time per call', async () => {
    const { asked, workload } = fake(1);
    const t = await timeWorkload(workload, { repeats: 3, minTimingMs: 30 });
    expect(t.calls).toBeGreaterThan(1);
    expect(asked).toEqual([1, 1, 1, t.calls, t.calls, t.calls]);
    expect(t.msMin).toBeGreaterThanOrEqual(1);
    expect(t.msMin).toBeLessThan(t.calls);
  });
});

describe('rounds of the sweep', () => {
  it('reports the median over rounds of each round\'s median, the spread over all, and each round\'s crossover', async () => {
    // Round k's scan takes MS[k - 1] per call; attention always 15 ms: the scan wins in rounds 1 and 2 only.
    // The margins are wide because a loaded machine stretches a busy wait (it never shortens one).
    const MS = [2, 6, 30];
    let made = 0;
    const busy = (ms: number) => ({
      run: async (calls = 1) => {
        const end = performance.now() + calls * ms;
        while (performance.now() < end);
      },
      dispose: () => {},
    });
    const ctx = { seed: 1, signal: new AbortController().signal, progress: { update: () => {} } } as unknown as RunContext<unknown>;
    const timings = await measureTimings(ctx, [
      // Made once per pass and round, in that order: calls 0 and 1 are round 1's.
      { impl: 'scan', lengths: [64], make: () => busy(MS[Math.floor(made++ / 2)]!) },
      { impl: 'attention', lengths: [64], make: () => busy(15) },
    ], 1, { repeats: 3, rounds: 3 });
    expect(made).toBe(2 * 3);
    const scanForward = timings.rows.find((r) => r.impl === 'scan' && r.pass === 'forward')!;
    expect(Number(scanForward.msMedian)).toBeGreaterThanOrEqual(6);
    expect(Number(scanForward.msMedian)).toBeLessThan(15);
    expect(Number(scanForward.msMin)).toBeLessThan(6);
    expect(Number(scanForward.msMax)).toBeGreaterThanOrEqual(30);
    expect(scanForward.rounds).toBe(3);
    expect(timings.rounds).toHaveLength(3 * 2 * 2);
    const { crossovers, crossoversByRound, metrics } = summarise(timings, 'scan', ['scan']);
    expect(metrics.rounds).toBe(3);
    expect(crossovers.find((c) => c.pass === 'forward')!.crossoverLength).toBe(64);
    expect(crossoversByRound.filter((c) => c.pass === 'forward').map((c) => c.crossoverLength)).toEqual([64, 64, null]);
  });
});

describe('the scan-scaling experiment, smoke profile', () => {
  beforeAll(() => setupBackend('wasm'));

  it('times every implementation and pass, and its figure and table render the results', async () => {
    const before = tf.memory().numTensors;
    const { results, steps } = await runSmoke(experiment, 'wasm');
    const { metrics } = results;
    expect(tf.memory().numTensors).toBe(before);
    const timings = results.series('timings');
    // fused at 3 lengths, reference at 2, attention at 3; both passes.
    expect(timings).toHaveLength(2 * (3 + 2 + 3));
    expect(steps.at(-1)).toBe(timings.length);
    for (const r of timings) {
      expect(r.msMin as number).toBeLessThanOrEqual(r.msMedian as number);
      expect(r.msMedian as number).toBeLessThanOrEqual(r.msMax as number);
      expect(r.usPerToken as number).toBeGreaterThan(0);
      expect(r.repeats).toBe(3);
    }
    expect(new Set(timings.map((r) => r.impl))).toEqual(new Set(['fused', 'reference', 'attention']));
    expect(metrics.scanImpl).toBe('fused');
    expect('crossoverForward' in metrics && 'crossoverForwardBackward' in metrics).toBe(true);
    // The smoke sweep reaches lengths where the fused scan is well ahead (about 10x at 2048 on wasm), so `make check PROFILE=smoke` has a crossover to read.
    expect(typeof metrics.crossoverForward).toBe('number');

    const { document } = new JSDOM('<!doctype html><body></body>').window;
    for (const figure of Object.values(figures)) {
      const svg = Plot.plot({ ...figure.plot(results, { width: 640 }), document }) as unknown as Element;
      expect(svg.outerHTML).toContain('<svg');
      expect(svg.querySelectorAll('path').length).toBeGreaterThan(0);
    }
    const rows = tables['scan-crossover'].rows(results);
    expect(rows).toHaveLength(4);
    for (const row of rows) for (const column of tables['scan-crossover'].columns) expect(row[column.key], column.key).toBeDefined();
  });
});
