/**
 * Pure functions from the translation grids' cells to the rows the figures and tables draw (shared by
 * the three studies' figures.ts). Each cell holds one architecture's plain and dropout variants;
 * rows are per system (architecture x variant), summarised over seeds (aggregate.ts).
 */
import type { CellResults, Row, TableColumn } from '../../engine/contract.ts';
import { aggregateOver, groupOver, summarise } from '../metrics/aggregate.ts';
import { SYSTEM_LABELS, VARIANTS, type Architecture, type Variant } from './systems.ts';

export const systemLabel = (arch: string, variant: string): string => SYSTEM_LABELS[`${arch as Architecture}-${variant as Variant}`] ?? `${arch} ${variant}`;

const num = (c: CellResults, name: string): number | null => {
  const v = c.metrics[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};

/** One row per system and group (other axes): mean over seeds of a per-variant metric (`bleu` -> plainBleu, dropoutBleu). */
export function systemRows(cells: readonly CellResults[], metric: string): Row[] {
  const rows: Row[] = [];
  for (const variant of VARIANTS) {
    const name = `${variant}${metric[0].toUpperCase()}${metric.slice(1)}`;
    for (const r of aggregateOver(cells, 'seed', (c) => num(c, name))) {
      rows.push({ ...r, variant, system: systemLabel(String(r.arch), variant) });
    }
  }
  return rows;
}

/** Per system: every seed's test BLEU with its bootstrap interval (the figure's points and whiskers). */
export function seedIntervals(cells: readonly CellResults[], metric = 'bleu'): Row[] {
  const cap = metric[0].toUpperCase() + metric.slice(1);
  return cells.flatMap((c) =>
    VARIANTS.map((variant) => ({
      ...c.cell,
      variant,
      system: systemLabel(String(c.cell.arch), variant),
      score: num(c, `${variant}${cap}`),
      low: num(c, `${variant}${cap}Low`),
      high: num(c, `${variant}${cap}High`),
    })),
  );
}

/** The summary table: per system, test BLEU and chrF over seeds, parameters, layers, training and decoding tokens/s. */
export function summaryRows(cells: readonly CellResults[]): Row[] {
  const out: Row[] = [];
  for (const { cell, members } of groupOver(cells, 'seed')) {
    for (const variant of VARIANTS) {
      const pick = (m: string) => members.map((c) => num(c, `${variant}${m}`)).filter((v): v is number => v !== null);
      const bleu = pick('Bleu');
      if (bleu.length === 0) continue;
      const s = summarise(bleu);
      const meanOf = (m: string) => {
        const xs = pick(m);
        return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
      };
      out.push({
        ...cell,
        system: systemLabel(String(cell.arch), variant),
        parameters: meanOf('Parameters'),
        layers: meanOf('Layers'),
        bleu: s.mean,
        bleuStd: s.std,
        bleuLow: s.low,
        bleuHigh: s.high,
        chrf: meanOf('Chrf'),
        trainTokensPerSecond: meanOf('TrainTokensPerSecond'),
        decodeTokensPerSecond: meanOf('DecodeTokensPerSecond'),
        bestRound: meanOf('BestRound'),
        seeds: s.n,
      });
    }
  }
  return out;
}

/** The columns of a dropoutRows table after its row labels: the gain with its interval, the test counts, the seeds. */
export const DROPOUT_GAIN_COLUMNS: TableColumn[] = [
  { key: 'gain', label: 'BLEU gain', format: '+.2f', align: 'right' },
  { key: 'gainLow', label: 'CI low', format: '+.2f', align: 'right' },
  { key: 'gainHigh', label: 'CI high', format: '+.2f', align: 'right' },
  { key: 'significantGains', label: 'Significant gains', format: ',.0f', align: 'right' },
  { key: 'significantLosses', label: 'Significant losses', format: ',.0f', align: 'right' },
];

/** Per group (architecture, size or pair): the paired dropout effect over seeds, with its per-seed p-values. */
export function dropoutRows(cells: readonly CellResults[]): Row[] {
  return groupOver(cells, 'seed').map(({ cell, members }) => {
    const gains = members.map((c) => num(c, 'dropoutGain')).filter((v): v is number => v !== null);
    const s = summarise(gains);
    return {
      ...cell,
      parameters: num(members[0], 'plainParameters'),
      gain: s.mean,
      gainLow: s.low,
      gainHigh: s.high,
      significantGains: members.filter((c) => num(c, 'significantGain') === 1).length,
      significantLosses: members.filter((c) => num(c, 'significantLoss') === 1).length,
      pValues: members.map((c) => (num(c, 'pValue') ?? NaN).toFixed(3)).join(', '),
      seeds: s.n,
    };
  });
}

/** Validation BLEU per round, mean over seeds, per system and group. */
export function curveRows(cells: readonly CellResults[]): Row[] {
  const byKey = new Map<string, { base: Row; values: number[] }>();
  for (const c of cells) {
    const rest = Object.fromEntries(Object.entries(c.cell).filter(([a]) => a !== 'seed'));
    for (const point of c.series('curve')) {
      const key = JSON.stringify([rest, point.variant, point.round]);
      const entry = byKey.get(key) ?? { base: { ...rest, variant: point.variant, round: point.round, system: systemLabel(String(c.cell.arch), String(point.variant)) }, values: [] };
      entry.values.push(Number(point.valBleu));
      byKey.set(key, entry);
    }
  }
  return [...byKey.values()].map(({ base, values }) => ({ ...base, ...summarise(values) }));
}
