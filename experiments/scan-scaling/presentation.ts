/**
 * The presentation scan-scaling and scan-scaling-gpu share: time per token against length on log-log
 * axes, faceted by pass, and the table of lengths from which a scan beats attention. Each figures.ts
 * supplies its own words and implementation labels; the drawing and the table logic live here once.
 */
import * as Plot from '@observablehq/plot';
import { defineFigure, defineTable, type FigureSpec, type Results, type Row, type TableSpec } from '../../engine/contract.ts';
import { figureStyle, isNarrow, lengthTick, measuredTicks, methodColorScale, type Method } from '../figures-palette.ts';

/** Implementation id -> its label in legends and tables, and the method whose colour it takes. */
type Labels = Record<string, { label: string; method: Method }>;
const labelOf = (labels: Labels, impl: unknown) => labels[String(impl)]?.label ?? String(impl);

export function timePerTokenFigure(words: { title: string; caption: string; alt: string }, labels: Labels): FigureSpec {
  return defineFigure({
    ...words,
    plot(results: Results, ctx) {
      const rows: Row[] = results.series('timings').map((r) => ({
        ...r,
        label: labelOf(labels, r.impl),
        usMin: (Number(r.usPerToken) * Number(r.msMin)) / Number(r.msMedian),
        usMax: (Number(r.usPerToken) * Number(r.msMax)) / Number(r.msMedian),
      }));
      const impls = [...new Set(rows.map((r) => String(r.impl)))];
      const narrow = isNarrow(ctx.width);
      // On a phone the two passes stack (one full-width panel each) instead of sitting side by side.
      const facet = narrow ? 'fy' : 'fx';
      const panelWidth = narrow ? ctx.width : ctx.width / 2;
      return {
        width: ctx.width,
        height: narrow ? Math.round(ctx.width * 1.25) : Math.round(ctx.width * 0.5),
        marginRight: narrow ? 10 : 20,
        style: figureStyle,
        // Ticks at the lengths measured (powers of two), not at the decades of a default log axis; base 2,
        // because a base-10 log axis blanks the labels of ticks whose mantissa is large (8192, 65536).
        x: { type: 'log', base: 2, label: 'sequence length l (tokens)', grid: true, ticks: measuredTicks(rows.map((r) => Number(r.length)), panelWidth - 50), tickFormat: lengthTick },
        // Plain numbers: the default SI format would write 0.2 µs as "200m".
        y: { type: 'log', label: 'time per token (µs)', grid: true, tickFormat: '~g' },
        // Stacked panels are named inside their frame: an fy axis would sit to the right of a full-width panel.
        [facet]: narrow ? { axis: null, domain: ['forward', 'forward+backward'] } : { label: null, domain: ['forward', 'forward+backward'] },
        color: methodColorScale(impls.map((impl) => [labelOf(labels, impl), labels[impl]?.method ?? 'reference'] as const)),
        marks: [
          Plot.ruleX(rows, { [facet]: 'pass', x: 'length', y1: 'usMin', y2: 'usMax', stroke: 'label', strokeOpacity: 0.6 }),
          Plot.line(rows, { [facet]: 'pass', x: 'length', y: 'usPerToken', stroke: 'label', strokeWidth: 2 }),
          Plot.dot(rows, { [facet]: 'pass', x: 'length', y: 'usPerToken', stroke: 'label', r: 2.5 }),
          ...(narrow ? [Plot.text(['forward', 'forward+backward'], { fy: (d: string) => d, text: (d: string) => d, frameAnchor: 'top-right', dx: -4, dy: 4, fontWeight: 'bold' })] : []),
        ],
      };
    },
  });
}

/** The crossover table; with `byRound`, a column of the crossover each round of the sweep found on its own. */
export function crossoverTable(words: { title: string; caption: string }, labels: Labels, usFormat: string, options: { byRound?: boolean } = {}): TableSpec {
  return defineTable({
    ...words,
    columns: [
      { key: 'pass', label: 'Pass', align: 'left' },
      { key: 'scan', label: 'Scan', align: 'left' },
      { key: 'beyond', label: 'Faster than attention from l =', align: 'right' },
      ...(options.byRound ? [{ key: 'byRound', label: 'In each round', align: 'right' as const }] : []),
      { key: 'scanUs', label: 'Scan µs/token there', format: usFormat, align: 'right' },
      { key: 'attentionUs', label: 'Attention µs/token there', format: usFormat, align: 'right' },
    ],
    rows(results: Results) {
      const timings = results.series('timings');
      const at = (impl: unknown, pass: unknown, l: number) =>
        timings.find((r) => r.impl === impl && r.pass === pass && Number(r.length) === l)?.usPerToken ?? null;
      // The longest length measured for both the scan and attention in a pass: how far "not reached" reaches.
      const longestShared = (scan: unknown, pass: unknown) => {
        const lengths = (impl: unknown) => new Set(timings.filter((r) => r.impl === impl && r.pass === pass).map((r) => Number(r.length)));
        const attention = lengths('attention');
        return Math.max(0, ...[...lengths(scan)].filter((l) => attention.has(l)));
      };
      const byRound = options.byRound ? results.series('crossoverByRound') : [];
      // The shortest length measured for both: a crossover there is only a bound (it may lie below).
      const shortestShared = (scan: unknown, pass: unknown) => {
        const lengths = (impl: unknown) => new Set(timings.filter((r) => r.impl === impl && r.pass === pass).map((r) => Number(r.length)));
        const attention = lengths('attention');
        return Math.min(...[...lengths(scan)].filter((l) => attention.has(l)));
      };
      return results.series('crossover').map((r) => {
        const l = r.crossoverLength === null ? null : Number(r.crossoverLength);
        const atShortest = l !== null && l === shortestShared(r.scan, r.pass);
        const rounds = byRound
          .filter((c) => c.pass === r.pass && c.scan === r.scan)
          .sort((a, b) => Number(a.round) - Number(b.round))
          .map((c) => (c.crossoverLength === null ? 'none' : Number(c.crossoverLength).toLocaleString('en-US')));
        return {
          pass: r.pass,
          scan: labelOf(labels, r.scan),
          beyond:
            l === null
              ? `not reached (≤ ${longestShared(r.scan, r.pass).toLocaleString('en-US')})`
              : atShortest
                ? `≤ ${l.toLocaleString('en-US')} (shortest measured)`
                : l.toLocaleString('en-US'),
          ...(options.byRound ? { byRound: rounds.join(' · ') } : {}),
          scanUs: l === null ? null : at(r.scan, r.pass, l),
          attentionUs: l === null ? null : at('attention', r.pass, l),
        };
      });
    },
  });
}
