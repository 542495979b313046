/**
 * Presentation of the selective copying grid (model x seed): accuracy curves as the mean over seeds
 * with a band from the lowest to the highest seed (figure), and final accuracy per model as mean, spread
 * and a 95% bootstrap interval over seeds (table). Pure functions of the stored cells.
 */
import * as Plot from '@observablehq/plot';
import { defineFigure, defineTable, type CellResults, type Results, type Row } from '../../engine/contract.ts';
import { aggregateOver, aggregateSeries } from '../metrics/aggregate.ts';
import { figureStyle, isNarrow, methodColorScale, type Method } from '../figures-palette.ts';
import { chanceAccuracy, type ModelId } from './experiment.ts';

/** The colour of each model: the palette's, shared with the timing figures (Mamba blue, attention red). */
const METHOD_OF: Record<ModelId, Method> = { mamba: 'mamba', lti: 'lti', transformer: 'attention' };

/** Model id -> display label, as the runs recorded them, in grid order. */
function labels(cells: readonly CellResults[]): Map<string, string> {
  return new Map(cells.map((c) => [String(c.cell.model), String(c.metrics.label)]));
}

/** Chance accuracy of the task the results were run on. */
function chance(results: Results): number {
  return chanceAccuracy((results.params as { task: { vocabSize: number } }).task);
}

/** Per step and model: the mean accuracy over seeds and the lowest and highest seed. */
export function curveRows(results: Results): Row[] {
  const names = labels(results.cells);
  const rows = aggregateSeries(results.cells, 'seed', 'curve', 'step', 'accuracy');
  const extremes = new Map<string, { min: number; max: number }>();
  for (const cell of results.cells) {
    for (const point of cell.series('curve')) {
      const key = `${cell.cell.model}|${point.step}`;
      const a = Number(point.accuracy);
      const e = extremes.get(key);
      extremes.set(key, e ? { min: Math.min(e.min, a), max: Math.max(e.max, a) } : { min: a, max: a });
    }
  }
  return rows.map((r) => ({ ...r, label: names.get(String(r.model)) ?? String(r.model), ...extremes.get(`${r.model}|${r.step}`)! }));
}

export const figures = {
  'selective-copying-accuracy': defineFigure({
    title: 'Selective copying: accuracy against training steps',
    caption:
      'Accuracy on the copied tokens of a held-out set during training, for Mamba, the same network with a time-invariant (LTI) SSM, and a Transformer of about the same parameter count, each trained from every seed of the grid for a fixed budget of steps. Lines are the mean over seeds, bands span the lowest to the highest seed; the dashed line is chance.',
    alt: 'Line chart of held-out accuracy on the copied tokens against training step: one line per model (the mean over seeds) inside a shaded band from its worst to its best seed, and a dashed horizontal line at chance accuracy.',
    plot(results, ctx) {
      const rows = curveRows(results);
      const names = labels(results.cells);
      return {
        width: ctx.width,
        height: Math.round(ctx.width * (isNarrow(ctx.width) ? 0.9 : 0.5)),
        marginRight: 20,
        style: figureStyle,
        x: { label: 'training step', grid: true, ticks: isNarrow(ctx.width) ? 4 : undefined },
        // percent: values are scaled by 100 before the domain applies, so the domain is in percent.
        y: { label: 'accuracy on copied tokens (%)', domain: [0, 100], percent: true, grid: true },
        color: methodColorScale([...names].map(([model, label]) => [label, METHOD_OF[model as ModelId] ?? 'reference'] as const)),
        marks: [
          Plot.ruleY([chance(results)], { strokeDasharray: '4,3', stroke: 'currentColor', strokeOpacity: 0.6 }),
          Plot.areaY(rows, { x: 'step', y1: 'min', y2: 'max', fill: 'label', fillOpacity: 0.18 }),
          Plot.line(rows, { x: 'step', y: 'mean', stroke: 'label', strokeWidth: 2 }),
          Plot.dot(rows, { x: 'step', y: 'mean', stroke: 'label', r: 2 }),
        ],
      };
    },
  }),
};

export const tables = {
  'selective-copying-summary': defineTable({
    title: 'Selective copying: final accuracy at equal parameter budgets',
    caption:
      'Accuracy on the copied tokens of the held-out set after the last training step: mean over seeds, sample standard deviation and 95% bootstrap interval of the mean; parameter count, number of seeds, training steps and mean wall-clock training time (including periodic evaluation) of each model.',
    columns: [
      { key: 'label', label: 'Model', align: 'left' },
      { key: 'parameters', label: 'Parameters', format: ',.0f', align: 'right' },
      { key: 'mean', label: 'Final accuracy (mean)', format: '.1%', align: 'right' },
      { key: 'std', label: 'Std over seeds', format: '.1%', align: 'right' },
      { key: 'low', label: '95% CI low', format: '.1%', align: 'right' },
      { key: 'high', label: '95% CI high', format: '.1%', align: 'right' },
      { key: 'n', label: 'Seeds', format: ',.0f', align: 'right' },
      { key: 'steps', label: 'Steps', format: ',.0f', align: 'right' },
      { key: 'wallSeconds', label: 'Wall time (s)', format: ',.0f', align: 'right' },
    ],
    rows: (results) => {
      const names = labels(results.cells);
      const steps = (results.params as { steps: number }).steps;
      const wall = new Map(aggregateOver(results.cells, 'seed', (c) => Number(c.metrics.wallSeconds)).map((r) => [r.model, r.mean]));
      const parameters = new Map(results.cells.map((c) => [c.cell.model, Number(c.metrics.parameters)]));
      return aggregateOver(results.cells, 'seed', (c) => Number(c.metrics.finalAccuracy)).map((r) => ({
        label: names.get(String(r.model)) ?? String(r.model),
        parameters: parameters.get(r.model) ?? null,
        mean: r.mean,
        std: r.std,
        low: r.low,
        high: r.high,
        n: r.n,
        steps,
        wallSeconds: wall.get(r.model) ?? null,
      }));
    },
  }),
};
