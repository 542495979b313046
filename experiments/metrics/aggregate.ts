/**
 * Aggregation of a grid's cells over one axis (usually `seed`), for figures, tables and the report's
 * values: group the cells by their other coordinates, and summarise a number per group by its mean,
 * sample standard deviation and a 95% percentile-bootstrap interval of the mean (stats.ts, seed 0, so
 * the same cells always give the same interval).
 */
import type { Cell, CellResults, Json, Row } from '../../engine/contract.ts';
import { bootstrapInterval, mean, sampleStd } from './stats.ts';

export interface Summary {
  mean: number;
  std: number;
  /** 95% bootstrap interval of the mean (equal to the mean for one value). */
  low: number;
  high: number;
  n: number;
}

export function summarise(values: readonly number[]): Summary {
  const interval = bootstrapInterval(values, { seed: 0 });
  return { mean: mean(values), std: sampleStd(values), low: interval.low, high: interval.high, n: values.length };
}

/** A cell without one axis: the group it belongs to when aggregating over that axis. */
function without(cell: Cell, axis: string): Cell {
  return Object.fromEntries(Object.entries(cell).filter(([a]) => a !== axis));
}

const groupKey = (cell: Cell) => JSON.stringify(Object.entries(cell));

/** Groups of cells that differ only in `axis`, in the order their first cell appears. */
export function groupOver(cells: readonly CellResults[], axis: string): { cell: Cell; members: CellResults[] }[] {
  const groups = new Map<string, { cell: Cell; members: CellResults[] }>();
  for (const c of cells) {
    const cell = without(c.cell, axis);
    const key = groupKey(cell);
    if (!groups.has(key)) groups.set(key, { cell, members: [] });
    groups.get(key)!.members.push(c);
  }
  return [...groups.values()];
}

/**
 * One row per group: its coordinates (without `axis`) and the summary of `value` over its cells.
 * Cells whose value is null or not finite are left out of their group (`n` counts the rest).
 */
export function aggregateOver(cells: readonly CellResults[], axis: string, value: (cell: CellResults) => number | null): (Cell & Summary)[] {
  const out: (Cell & Summary)[] = [];
  for (const { cell, members } of groupOver(cells, axis)) {
    const values = members.map(value).filter((v): v is number => v !== null && Number.isFinite(v));
    if (values.length > 0) out.push({ ...cell, ...summarise(values) });
  }
  return out;
}

/**
 * A series summarised over `axis`, point by point: for each group and each value of `x`, the summary of
 * `y` over the group's cells that have that point. Rows carry the group's coordinates, `x` and the summary.
 */
export function aggregateSeries(cells: readonly CellResults[], axis: string, series: string, x: string, y: string): Row[] {
  const rows: Row[] = [];
  for (const { cell, members } of groupOver(cells, axis)) {
    const byX = new Map<number | string, number[]>();
    for (const member of members) {
      for (const row of member.series(series)) {
        const at = row[x];
        const v = row[y];
        if ((typeof at !== 'number' && typeof at !== 'string') || typeof v !== 'number') continue;
        byX.set(at, [...(byX.get(at) ?? []), v]);
      }
    }
    for (const [at, values] of byX) rows.push({ ...cell, [x]: at, ...summarise(values) });
  }
  return rows;
}

/**
 * The metrics a grid offers the report's value directives: for each group over `axis`, every numeric
 * metric its cells share, as `<axis=value,...>.<metric>` -> { mean, std, low, high, n }
 * (e.g. `model=mamba.finalAccuracy.mean`), and every metric equal in all cells under its own name
 * (e.g. `steps`). Without the axis in the grid, each cell's metrics appear under its coordinates as they are.
 */
export function gridMetrics(cells: readonly CellResults[], axis = 'seed'): Record<string, Json> {
  const out: Record<string, Json> = {};
  if (cells.length === 0) return out;
  const names = [...new Set(cells.flatMap((c) => Object.keys(c.metrics)))].sort();
  for (const name of names) {
    const values = cells.map((c) => c.metrics[name]);
    if (values.every((v) => v !== undefined && JSON.stringify(v) === JSON.stringify(values[0]))) out[name] = values[0]!;
  }
  const hasAxis = cells.every((c) => axis in c.cell);
  for (const { cell, members } of hasAxis ? groupOver(cells, axis) : cells.map((c) => ({ cell: c.cell, members: [c] }))) {
    const prefix = Object.entries(cell).map(([a, v]) => `${a}=${v}`).join(',');
    for (const name of names) {
      const numbers = members.map((m) => m.metrics[name]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
      if (numbers.length === 0) continue;
      out[`${prefix}.${name}`] = { ...summarise(numbers) };
    }
  }
  return out;
}
