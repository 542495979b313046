/** Presentation of sub-study (c): BLEU and chrF per language pair, Germanic against Slavic targets. */
import * as Plot from '@observablehq/plot';
import { figureStyle } from '../figures-palette.ts';
import { defineFigure, defineTable } from '../../engine/contract.ts';
import { DIFFERENT_ORIGIN, SIMILAR_ORIGIN, type GettextLanguage } from '../data/gettext-corpus.ts';
import { systemRows } from '../translation/presentation.ts';

const origin = (lang: string) =>
  SIMILAR_ORIGIN.includes(lang as GettextLanguage) ? 'similar (Germanic)' : DIFFERENT_ORIGIN.includes(lang as GettextLanguage) ? 'different (Slavic)' : 'reference (Romance)';

function pairRows(cells: Parameters<typeof systemRows>[0]) {
  const chrf = new Map(systemRows(cells, 'chrf').map((r) => [`${r.pair}|${r.system}`, r.mean]));
  return systemRows(cells, 'bleu').map((r) => ({ ...r, pairLabel: `en-${r.pair}`, origin: origin(String(r.pair)), bleu: r.mean, chrf: chrf.get(`${r.pair}|${r.system}`) ?? null }));
}

export const figures = {
  'translation-pairs': defineFigure({
    title: 'Six target languages: BLEU and chrF per pair',
    caption:
      'Test BLEU (left) and chrF (right) per language pair and system, mean over seeds, on the same English sentences translated into each language. German and Dutch share their Germanic origin with English; Polish, Czech and Russian are Slavic; French is the reference pair.',
    alt: 'Two grouped dot charts, BLEU and chrF, with one row per language pair and one dot per system.',
    plot(results, ctx) {
      const rows = pairRows(results.cells).flatMap((r) => [
        { ...r, metric: 'BLEU', score: r.bleu },
        { ...r, metric: 'chrF', score: r.chrf },
      ]);
      return {
        width: ctx.width,
        style: figureStyle,
        height: Math.round(ctx.width * 0.45),
        marginLeft: 60,
        fx: { label: null },
        x: { label: 'score', grid: true, zero: true },
        y: { label: null, domain: ['en-fr', 'en-de', 'en-nl', 'en-pl', 'en-cs', 'en-ru'] },
        color: { legend: true },
        marks: [Plot.dot(rows, { fx: 'metric', x: 'score', y: 'pairLabel', fill: 'system', r: 4 })],
      };
    },
  }),
};

export const tables = {
  'translation-pairs-summary': defineTable({
    title: 'Six target languages: scores per pair',
    caption: 'Test BLEU (mean over seeds, 95% bootstrap interval of the mean) and chrF (mean) per pair and system, with the origin of the target language.',
    columns: [
      { key: 'pairLabel', label: 'Pair', align: 'left' },
      { key: 'origin', label: 'Origin', align: 'left' },
      { key: 'system', label: 'System', align: 'left' },
      { key: 'bleu', label: 'BLEU', format: '.2f', align: 'right' },
      { key: 'low', label: 'CI low', format: '.2f', align: 'right' },
      { key: 'high', label: 'CI high', format: '.2f', align: 'right' },
      { key: 'chrf', label: 'chrF', format: '.2f', align: 'right' },
      { key: 'n', label: 'Seeds', format: ',.0f', align: 'right' },
    ],
    rows: (results) => pairRows(results.cells),
  }),
};
