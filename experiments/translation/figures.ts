/**
 * Presentation of sub-study (a), the four systems on English-French: test BLEU per system with each
 * seed's bootstrap interval, validation curves, and a table with scores, parameter counts and speeds.
 */
import * as Plot from '@observablehq/plot';
import { figureStyle } from '../figures-palette.ts';
import { defineFigure, defineTable, type Results } from '../../engine/contract.ts';
import { curveRows, DROPOUT_GAIN_COLUMNS, dropoutRows, seedIntervals, summaryRows } from './presentation.ts';

const SYSTEMS = ['Transformer', 'Transformer + residual dropout', 'Mamba', 'Mamba + dropout'];

/** The copy-the-source baseline's BLEU (the same test split in every cell). */
function copyBleu(results: Results): number | null {
  const v = results.cells[0]?.metrics.copyBleu;
  return typeof v === 'number' ? v : null;
}

export const figures = {
  'translation-bleu': defineFigure({
    title: 'English-French: test BLEU of the four systems',
    caption:
      'Test BLEU (sacreBLEU-compatible, 13a tokenisation) of each system from each seed, with its 95% bootstrap interval over test sentences (whiskers); bars are the mean over seeds. The dashed line is the copy-the-source baseline. Plain and dropout variants of one architecture share their seed, initial weights and batches.',
    alt: 'Bar chart of mean test BLEU for Transformer, Transformer with residual dropout, Mamba and Mamba with dropout, with one dot per seed and vertical whiskers for each seed’s bootstrap interval, and a dashed horizontal line at the copy-the-source baseline.',
    plot(results, ctx) {
      const points = seedIntervals(results.cells);
      const bars = summaryRows(results.cells);
      const copy = copyBleu(results);
      return {
        width: ctx.width,
        style: figureStyle,
        height: Math.round(ctx.width * 0.45),
        marginBottom: 40,
        fx: { label: null, domain: SYSTEMS, padding: 0.15 },
        x: { label: 'seed', type: 'band' },
        y: { label: 'test BLEU', grid: true, zero: true },
        color: { domain: SYSTEMS },
        marks: [
          Plot.barY(bars, { fx: 'system', y: 'bleu', fill: 'system', fillOpacity: 0.3 }),
          Plot.ruleX(points, { fx: 'system', x: 'seed', y1: 'low', y2: 'high', stroke: 'system' }),
          Plot.dot(points, { fx: 'system', x: 'seed', y: 'score', fill: 'system', r: 3 }),
          ...(copy === null ? [] : [Plot.ruleY([copy], { strokeDasharray: '4,3', stroke: 'currentColor' })]),
        ],
      };
    },
  }),
  'translation-curves': defineFigure({
    title: 'English-French: validation BLEU during training',
    caption: 'Greedy-decoding BLEU on a fixed subset of the validation split after each training round, mean over seeds; the round with the best value gives the weights scored on the test split.',
    alt: 'Line chart of validation BLEU against training round, one line per system.',
    plot(results, ctx) {
      const rows = curveRows(results.cells);
      return {
        width: ctx.width,
        style: figureStyle,
        height: Math.round(ctx.width * 0.45),
        x: { label: 'training round', grid: true },
        y: { label: 'validation BLEU (greedy)', grid: true, zero: true },
        color: { legend: true, domain: SYSTEMS },
        marks: [Plot.line(rows, { x: 'round', y: 'mean', stroke: 'system', strokeWidth: 2 }), Plot.dot(rows, { x: 'round', y: 'mean', fill: 'system', r: 2.5 })],
      };
    },
  }),
};

export const tables = {
  'translation-summary': defineTable({
    title: 'English-French: the four systems',
    caption:
      'Test BLEU (mean over seeds, its standard deviation and 95% bootstrap interval of the mean over seeds), test chrF (mean), parameters and layers (Transformer: per stack), training tokens per second (source and target tokens, on the host that ran the cell; see its manifest) and beam-search decoding tokens per second.',
    columns: [
      { key: 'system', label: 'System', align: 'left' },
      { key: 'parameters', label: 'Parameters', format: ',.0f', align: 'right' },
      { key: 'layers', label: 'Layers', format: ',.0f', align: 'right' },
      { key: 'bleu', label: 'BLEU', format: '.2f', align: 'right' },
      { key: 'bleuStd', label: 'Std', format: '.2f', align: 'right' },
      { key: 'bleuLow', label: 'CI low', format: '.2f', align: 'right' },
      { key: 'bleuHigh', label: 'CI high', format: '.2f', align: 'right' },
      { key: 'chrf', label: 'chrF', format: '.2f', align: 'right' },
      { key: 'trainTokensPerSecond', label: 'Train tok/s', format: ',.0f', align: 'right' },
      { key: 'decodeTokensPerSecond', label: 'Decode tok/s', format: ',.0f', align: 'right' },
      { key: 'seeds', label: 'Seeds', format: ',.0f', align: 'right' },
    ],
    rows: (results) => summaryRows(results.cells),
  }),
  'translation-dropout': defineTable({
    title: 'English-French: the effect of dropout, paired by seed',
    caption:
      'Test BLEU of the dropout variant minus the plain one (mean over seeds with a 95% bootstrap interval of the mean), and for how many seeds the paired bootstrap test (1000 resamples) found a significant gain or loss at p < 0.05; the p-values per seed.',
    columns: [
      { key: 'arch', label: 'Architecture', align: 'left' },
      ...DROPOUT_GAIN_COLUMNS,
      { key: 'pValues', label: 'p per seed', align: 'right' },
      { key: 'seeds', label: 'Seeds', format: ',.0f', align: 'right' },
    ],
    rows: (results) => dropoutRows(results.cells),
  }),
};
