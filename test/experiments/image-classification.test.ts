import { JSDOM } from 'jsdom';
import * as Plot from '@observablehq/plot';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../kernels/tf.ts';
import type { CheckpointState, RunContext } from '../../engine/contract.ts';
import experiment, { modelConfigs } from '../../experiments/image-classification/experiment.ts';
import { grid } from '../../experiments/image-classification/grid.ts';
import { epochRows, figures, summaryRows, tables } from '../../experiments/image-classification/figures.ts';
import { ORIGINAL_RUNS, readOriginalRun, REPORTED } from '../../experiments/image-classification/original.ts';
import { medmambaParams } from '../../experiments/models/medmamba.ts';
import { resnetParams } from '../../experiments/models/resnet.ts';
import { setupBackend } from '../../kernels/backend/index.ts';
import { runSmoke } from './run-smoke.ts';

type Params = typeof experiment extends { paramsSchema: { parse(x: unknown): infer P } } ? P : never;

function context(profile: 'smoke' | 'paper', cell: Record<string, string | number>, store: { saved: CheckpointState | null }, signal = new AbortController().signal) {
  const metrics: Record<string, unknown> = {};
  const series: Record<string, unknown[]> = {};
  const noop = () => {};
  const ctx: RunContext<Params> = {
    experimentId: experiment.id,
    profile,
    params: experiment.paramsSchema.parse(experiment.profiles[profile]),
    seed: 1,
    seeds: [1],
    backend: 'wasm',
    progress: { update: noop },
    log: { info: noop, warn: noop },
    results: { metrics: (v) => Object.assign(metrics, v), series: (n, rows) => void (series[n] = rows), json: noop, file: noop },
    data: { files: () => [], read: async () => Buffer.alloc(0) },
    signal,
    cell,
    checkpoint: { save: async (s) => void (store.saved = s), load: async () => store.saved },
    uses: () => {
      throw new Error('no uses');
    },
  };
  return { ctx, metrics, series };
}

describe('the image-classification experiment', () => {
  beforeAll(() => setupBackend('wasm'));

  it('smoke: every cell trains on its fixture and records per-epoch curves, best and validation-chosen accuracy; figures and table draw', async () => {
    const params = experiment.paramsSchema.parse(experiment.profiles.smoke);
    const before = tf.memory().numTensors;
    const { results } = await runSmoke(experiment, 'wasm', grid);
    expect(tf.memory().numTensors).toBe(before);
    expect(results.cells.map((c) => `${c.cell.dataset}/${c.cell.model}`)).toEqual(['fashion-mnist/medmamba', 'fashion-mnist/resnet', 'mhist/medmamba', 'mhist/resnet']);
    for (const cell of results.cells) {
      const m = cell.metrics;
      const epochs = cell.series('epochs');
      expect(epochs.map((e) => e.epoch)).toEqual([1, 2]);
      const tests = epochs.map((e) => Number(e.testAccuracy));
      expect(m.bestTestAccuracy).toBe(Math.max(...tests));
      expect(tests[Number(m.bestTestEpoch) - 1]).toBe(m.bestTestAccuracy);
      const vals = epochs.map((e) => Number(e.valAccuracy));
      expect(m.selectedEpoch).toBe(vals.indexOf(Math.max(...vals)) + 1);
      expect(m.selectedTestAccuracy).toBe(tests[Number(m.selectedEpoch) - 1]);
      expect(Number(m.majorityRate)).toBeGreaterThan(0);
      expect(m.inputSide).toBe(32);
      if (cell.cell.dataset === 'mhist') {
        expect(typeof m.selectedTestBalancedAccuracy).toBe('number');
        expect(typeof m.selectedTestAuc).toBe('number');
      } else expect(m.selectedTestAuc).toBeNull();
      expect(m.epochsRun).toBe(params.epochs);
    }
    expect(results.cells[0]!.metrics.padding).toMatch(/28x28 inputs are zero-padded to 32x32/);

    const { document } = new JSDOM('<!doctype html><body></body>').window;
    for (const figure of Object.values(figures)) {
      const svg = Plot.plot({ ...figure.plot(results, { width: 640 }), document }) as unknown as Element;
      expect(svg.querySelectorAll('path').length).toBeGreaterThan(0);
    }
    // Both models, test and validation lines, on every data set of the run.
    expect(new Set(epochRows(results).map((r) => `${r.dataset}|${r.model}|${r.split}`)).size).toBe(2 * 2 * 2);
    const rows = tables['image-accuracy-summary'].rows(results);
    expect(rows.filter((r) => r.source === 'this edition')).toHaveLength(4);
    expect(rows.filter((r) => r.source === 'original study, reported').map((r) => r.best)).toEqual([0.744, 0.419, 0.71]);
    expect(summaryRows(results)[0]!.best).toBe(results.cells[0]!.metrics.bestTestAccuracy);
  }, 300_000);

  it('a cell killed mid-run and resumed from its checkpoint writes what an uninterrupted run writes', async () => {
    const cell = { seed: 1, dataset: 'fashion-mnist', model: 'resnet' };
    const whole = context('smoke', cell, { saved: null });
    await experiment.run(whole.ctx);
    const store = { saved: null as CheckpointState | null };
    const abort = new AbortController();
    const killed = context('smoke', cell, store, abort.signal);
    let saves = 0;
    const save = killed.ctx.checkpoint.save;
    killed.ctx.checkpoint.save = async (s) => {
      await save(s);
      if ((saves += 1) === 2) abort.abort(new Error('killed'));
    };
    await expect(experiment.run(killed.ctx)).rejects.toThrow(/killed/);
    expect(store.saved).not.toBeNull();
    const resumed = context('smoke', cell, store);
    await experiment.run(resumed.ctx);
    expect(resumed.series).toEqual(whole.series);
    const { wallSeconds: _a, resumedAtStep: ra, ...rest } = resumed.metrics;
    const { wallSeconds: _b, resumedAtStep: wa, ...expected } = whole.metrics;
    expect(rest).toEqual(expected);
    expect(wa).toBeNull();
    expect(ra).toBeGreaterThan(0);
  }, 300_000);

  it('paper: without the data it fails naming what to download and where to put it', async () => {
    const { ctx } = context('paper', { seed: 1, dataset: 'cifar-10', model: 'medmamba' }, { saved: null });
    await expect(experiment.run(ctx)).rejects.toThrow(/Download https:\/\/www\.cs\.toronto\.edu\/~kriz\/cifar-10-binary\.tar\.gz.*cifar-10-batches-bin/);
    const mhist = context('paper', { seed: 1, dataset: 'mhist', model: 'resnet' }, { saved: null });
    await expect(experiment.run(mhist.ctx)).rejects.toThrow(/bmirds\.github\.io\/MHIST.*annotations\.csv/);
  });

  it('the baseline is fitted to MedMamba within 5% of its parameters in every profile', () => {
    for (const profile of ['smoke', 'local', 'paper'] as const) {
      const p = experiment.paramsSchema.parse(experiment.profiles[profile]);
      for (const shape of [{ inChans: 1, numClasses: 10 }, { inChans: 3, numClasses: 100 }, { inChans: 3, numClasses: 2 }]) {
        const c = modelConfigs(p, shape);
        const [a, b] = [medmambaParams(c.medmamba), resnetParams(c.resnet)];
        expect(Math.abs(a - b) / a, `${profile} ${JSON.stringify(shape)}`).toBeLessThan(0.05);
      }
    }
  });
});

describe("the original study's logs and reported values", () => {
  it('parse, and the best epoch of each quoted run is the value and (0-based) epoch the study reports', () => {
    const lengths = ORIGINAL_RUNS.map((r) => readOriginalRun(r.file).length);
    expect(lengths).toEqual([100, 500, 200, 500, 500]);
    for (const reported of REPORTED) {
      const run = ORIGINAL_RUNS.find((r) => r.dataset === reported.dataset && r.reported)!;
      const rows = readOriginalRun(run.file);
      const best = rows.reduce((a, b) => (b.heldOutAccuracy > a.heldOutAccuracy ? b : a));
      expect(best.heldOutAccuracy).toBeCloseTo(reported.accuracy, 3);
      expect(best.epoch - 1).toBe(reported.epoch);
    }
  });
});
