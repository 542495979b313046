/** Presentation of sub-study (b): the BLEU gain of dropout against model size, per architecture. */
import * as Plot from '@observablehq/plot';
import { figureStyle } from '../figures-palette.ts';
import { defineFigure, defineTable } from '../../engine/contract.ts';
import { DROPOUT_GAIN_COLUMNS, dropoutRows } from '../translation/presentation.ts';

export const figures = {
  'translation-dropout-vs-size': defineFigure({
    title: 'English-French: the dropout gain against model size',
    caption:
      'Test BLEU of the dropout variant minus the plain one, mean over seeds with its 95% bootstrap interval, against the parameter count, for the Transformer and for Mamba (matched in parameters at every size). Above zero, dropout helped.',
    alt: 'Line chart of the BLEU gain from dropout against parameter count on a logarithmic axis, one line per architecture with vertical interval bars, and a horizontal line at zero.',
    plot(results, ctx) {
      const rows = dropoutRows(results.cells);
      return {
        width: ctx.width,
        style: figureStyle,
        height: Math.round(ctx.width * 0.45),
        x: { label: 'parameters', type: 'log', grid: true },
        y: { label: 'BLEU gain from dropout', grid: true },
        color: { legend: true },
        marks: [
          Plot.ruleY([0], { stroke: 'currentColor', strokeOpacity: 0.5 }),
          Plot.ruleX(rows, { x: 'parameters', y1: 'gainLow', y2: 'gainHigh', stroke: 'arch' }),
          Plot.line(rows, { x: 'parameters', y: 'gain', stroke: 'arch', strokeWidth: 2 }),
          Plot.dot(rows, { x: 'parameters', y: 'gain', fill: 'arch', r: 3 }),
        ],
      };
    },
  }),
};

export const tables = {
  'translation-sizes-dropout': defineTable({
    title: 'English-French: the dropout effect per size',
    caption: 'Per architecture and size: parameters, the BLEU gain of dropout (mean over seeds, 95% bootstrap interval), and for how many seeds the paired bootstrap test found a significant gain or loss.',
    columns: [
      { key: 'arch', label: 'Architecture', align: 'left' },
      { key: 'size', label: 'Size', align: 'left' },
      { key: 'parameters', label: 'Parameters', format: ',.0f', align: 'right' },
      ...DROPOUT_GAIN_COLUMNS,
      { key: 'seeds', label: 'Seeds', format: ',.0f', align: 'right' },
    ],
    rows: (results) => dropoutRows(results.cells),
  }),
};
