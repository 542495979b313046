/**
 * Presentation of the selective copying runs: accuracy curves (figure) and the summary (table).
 * Pure functions of the stored results; model names come from the results' summary rows.
 */
import * as Plot from '@observablehq/plot';
import { defineFigure, defineTable, type Results, type Row } from '../../engine/contract.ts';

/** Model id -> display label, as the run recorded them (in run order). */
function labels(results: Results): Map<string, string> {
  return new Map(results.series('summary').map((r) => [String(r.model), String(r.label)]));
}

/** Guessing a data token uniformly: 1 / (vocabulary - blank - marker). */
function chanceAccuracy(results: Results): number {
  return 1 / (Number(results.metrics['task.vocabSize']) - 2);
}

export const figures = {
  'selective-copying-accuracy': defineFigure({
    title: 'Selective copying: accuracy against training steps',
    caption:
      'Accuracy on the copied tokens of a fixed held-out set during training, for Mamba, the same network with a time-invariant (LTI) SSM, and a Transformer of about the same parameter count. The dashed line is chance.',
    alt: 'Line chart of held-out accuracy on the copied tokens against training step, one line per model, with a dashed horizontal line at chance accuracy.',
    plot(results, ctx) {
      const names = labels(results);
      const rows: Row[] = results.series('curves').map((r) => ({ ...r, label: names.get(String(r.model)) ?? String(r.model) }));
      return {
        width: ctx.width,
        height: Math.round(ctx.width * 0.5),
        marginRight: 20,
        x: { label: 'training step', grid: true },
        // percent: values are scaled by 100 before the domain applies, so the domain is in percent.
        y: { label: 'accuracy on copied tokens (%)', domain: [0, 100], percent: true, grid: true },
        color: { legend: true, domain: [...names.values()] },
        marks: [
          Plot.ruleY([chanceAccuracy(results)], { strokeDasharray: '4,3', stroke: 'currentColor', strokeOpacity: 0.6 }),
          Plot.line(rows, { x: 'step', y: 'accuracy', stroke: 'label', strokeWidth: 2 }),
          Plot.dot(rows, { x: 'step', y: 'accuracy', stroke: 'label', r: 2 }),
        ],
      };
    },
  }),
};

export const tables = {
  'selective-copying-summary': defineTable({
    title: 'Selective copying: final accuracy at equal parameter budgets',
    caption:
      'Accuracy on the copied tokens of the held-out set after the last training step, parameter count, training steps and wall-clock training time (including periodic evaluation) of each model.',
    columns: [
      { key: 'label', label: 'Model', align: 'left' },
      { key: 'parameters', label: 'Parameters', format: ',.0f', align: 'right' },
      { key: 'finalAccuracy', label: 'Final accuracy', format: '.1%', align: 'right' },
      { key: 'steps', label: 'Steps', format: ',.0f', align: 'right' },
      { key: 'wallSeconds', label: 'Wall time (s)', format: ',.0f', align: 'right' },
    ],
    rows: (results) => results.series('summary'),
  }),
};
