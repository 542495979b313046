import { JSDOM } from 'jsdom';
import * as Plot from '@observablehq/plot';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../kernels/tf.ts';
import { BLANK, markerToken, sampleCopyingBatch, sequenceLength } from '../../experiments/data/selective-copying.ts';
import { Rng } from '../../experiments/models/rng.ts';
import experiment, { chanceAccuracy, lateGain } from '../../experiments/selective-copying/experiment.ts';
import { disposeEvalSet, evaluate, makeEvalSet } from '../../experiments/selective-copying/train-copying.ts';
import { MambaLM, mambaConfig } from '../../experiments/models/mamba.ts';
import { EVAL, tailAccuracy, tailLoss } from '../../experiments/models/language-model.ts';
import { grid } from '../../experiments/selective-copying/grid.ts';
import { curveRows, figures, tables } from '../../experiments/selective-copying/figures.ts';
import { runSmoke } from './run-smoke.ts';

describe('selective copying data', () => {
  const task = { vocabSize: 10, numTokens: 4, noiseLength: 12 };

  it('places the data tokens in order among blanks, then the markers; targets are those tokens', () => {
    const batch = sampleCopyingBatch(task, 50, new Rng(1));
    const l = sequenceLength(task);
    expect(batch.seqLen).toBe(12 + 8);
    for (let s = 0; s < batch.batch; s++) {
      const seq = Array.from(batch.inputs.subarray(s * l, (s + 1) * l));
      const region = seq.slice(0, task.noiseLength + task.numTokens);
      const data = region.filter((t) => t !== BLANK);
      expect(data).toEqual(Array.from(batch.targets.subarray(s * 4, s * 4 + 4)));
      expect(data.every((t) => t >= 1 && t <= task.vocabSize - 2)).toBe(true);
      expect(seq.slice(-task.numTokens)).toEqual(Array(task.numTokens).fill(markerToken(task)));
    }
  });

  it('varies the positions and is a function of the seed', () => {
    const a = sampleCopyingBatch(task, 20, new Rng(5));
    const b = sampleCopyingBatch(task, 20, new Rng(5));
    expect(Array.from(a.inputs)).toEqual(Array.from(b.inputs));
    const firstPositions = new Set<number>();
    for (let s = 0; s < 20; s++) firstPositions.add(a.inputs.subarray(s * 20, s * 20 + 16).findIndex((t) => t !== BLANK));
    expect(firstPositions.size).toBeGreaterThan(3);
  });
});

describe('selective copying metrics', () => {
  it('lateGain is the rise over the last quarter of the steps', () => {
    const curve = [0, 100, 200, 300, 400].map((step, i) => ({ step, accuracy: [0, 0.5, 0.7, 0.8, 0.85][i]! }));
    expect(lateGain(curve)).toBeCloseTo(0.05, 12);
    // No evaluation exactly at three quarters: the last one before it.
    expect(lateGain([{ step: 0, accuracy: 0.1 }, { step: 50, accuracy: 0.2 }, { step: 70, accuracy: 0.6 }, { step: 100, accuracy: 0.9 }])).toBeCloseTo(0.3, 12);
    expect(lateGain([{ step: 0, accuracy: 0.3 }])).toBe(0);
    expect(chanceAccuracy({ vocabSize: 10 })).toBe(1 / 8);
  });
});

describe('the selective-copying experiment, smoke profile', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    await tf.ready();
  });

  it('runs one cell per model, each writing its curve and metrics, and the figure and table aggregate them over seeds', async () => {
    const params = experiment.paramsSchema.parse(experiment.profiles.smoke);
    const before = tf.memory().numTensors;
    const { results, steps } = await runSmoke(experiment, 'cpu', grid);
    expect(tf.memory().numTensors).toBe(before);
    // Progress at the end of every evaluation interval (losses are read a few steps at a time), per model.
    expect(steps).toEqual([2, 4, 2, 4, 2, 4]);
    expect(params.steps).toBe(4);
    expect(results.cells.map((c) => c.cell)).toEqual([
      { model: 'mamba', seed: 1 },
      { model: 'lti', seed: 1 },
      { model: 'transformer', seed: 1 },
    ]);
    for (const cell of results.cells) {
      const acc = cell.metrics.finalAccuracy as number;
      expect(acc).toBeGreaterThanOrEqual(0);
      expect(acc).toBeLessThanOrEqual(1);
      expect(cell.metrics.parameters).toBeGreaterThan(0);
      expect(cell.metrics['task.sequenceLength']).toBe(10);
      expect(cell.series('curve').map((r) => r.step)).toEqual([0, 2, 4]);
    }

    const { document } = new JSDOM('<!doctype html><body></body>').window;
    for (const figure of Object.values(figures)) {
      const svg = Plot.plot({ ...figure.plot(results, { width: 640 }), document }) as unknown as Element;
      expect(svg.outerHTML).toContain('<svg');
      expect(svg.querySelectorAll('path').length).toBeGreaterThan(0);
    }
    // Every accuracy point lies inside the plotting frame (a y domain in the wrong units once drew the
    // curves off the top of the chart).
    const options = figures['selective-copying-accuracy'].plot(results, { width: 640 });
    const chart = Plot.plot({ ...options, document }) as unknown as Element & { scale(name: string): { domain: number[]; percent?: boolean } };
    const y = chart.scale('y');
    const [low, high] = [Math.min(...y.domain), Math.max(...y.domain)];
    for (const row of curveRows(results)) {
      for (const key of ['mean', 'min', 'max']) {
        const plotted = (row[key] as number) * (y.percent ? 100 : 1);
        expect(plotted).toBeGreaterThanOrEqual(low);
        expect(plotted).toBeLessThanOrEqual(high);
      }
    }
    for (const table of Object.values(tables)) {
      const rows = table.rows(results);
      expect(rows).toHaveLength(3);
      for (const column of table.columns) expect(rows[0][column.key], column.key).toBeDefined();
      // One seed: the mean is that seed's accuracy and the interval collapses onto it.
      expect(rows[0].mean).toBe(results.cells[0]!.metrics.finalAccuracy);
      expect(rows[0].n).toBe(1);
    }
  });

  it('evaluates asynchronously to the same loss and accuracy as the synchronous helpers, over chunks', async () => {
    const task = { vocabSize: 6, numTokens: 2, noiseLength: 6 };
    const model = new MambaLM(mambaConfig({ vocabSize: 6, dModel: 8, nLayer: 1, dState: 4, ssm: 'selective' }), 3);
    const set = makeEvalSet(task, 10, 4, 7); // chunks of 4, 4, 2
    const before = tf.memory().numTensors;
    const got = await evaluate(model, set);
    expect(tf.memory().numTensors).toBe(before);
    let loss = 0;
    let correct = 0;
    set.inputs.forEach((inputs, i) => {
      const logits = model.forward(inputs, EVAL);
      const n = set.targets[i]!.size;
      loss += tf.tidy(() => tailLoss(logits, set.targets[i]!).dataSync()[0]!) * n;
      correct += tailAccuracy(logits, set.targets[i]!) * n;
      logits.dispose();
    });
    expect(got.accuracy).toBeCloseTo(correct / 20, 6);
    expect(got.loss).toBeCloseTo(loss / 20, 5);
    disposeEvalSet(set);
    model.dispose();
  });

  it('stops between steps when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const params = experiment.paramsSchema.parse(experiment.profiles.smoke);
    const noop = () => {};
    const before = tf.memory().numTensors;
    await expect(
      experiment.run({
        experimentId: experiment.id,
        profile: 'smoke',
        params,
        seed: 1,
        seeds: [1],
        backend: 'cpu',
        progress: { update: noop },
        log: { info: noop, warn: noop },
        results: { metrics: noop, series: noop, json: noop, file: noop },
        data: { files: () => [], read: async () => Buffer.alloc(0) },
        signal: controller.signal,
        cell: { model: 'mamba', seed: 1 },
        checkpoint: { save: async () => {}, load: async () => null },
        uses: () => {
          throw new Error('no uses');
        },
      }),
    ).rejects.toThrow();
    expect(tf.memory().numTensors).toBe(before);
  });
});
