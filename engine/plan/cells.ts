/**
 * Grids of cells. An experiment that declares `grid` (axes with values per profile) is computed cell by
 * cell: the cartesian product of its axes in declared order, first axis slowest. A cell is cached, run,
 * failed and resumed on its own; its coordinates join its key, so adding a value to an axis runs only
 * the new cells.
 */
import type { Cell, GridAxes, Use } from '../contract.ts';

const AXIS = /^[a-z][A-Za-z0-9_]*$/;

/** Why a grid declaration is unusable, or null. Checked when the experiment is described. */
export function gridProblem(axes: GridAxes, where: string): string | null {
  const names = Object.keys(axes);
  if (names.length === 0) return `${where}: a grid needs at least one axis`;
  for (const name of names) {
    if (!AXIS.test(name)) return `${where}: axis name '${name}' must match ${AXIS}`;
    const values = axes[name]!;
    if (!Array.isArray(values) || values.length === 0) return `${where}: axis '${name}' has no values`;
    const seen = new Set<string | number>();
    for (const value of values) {
      if (typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) {
        return `${where}: axis '${name}' has the value ${JSON.stringify(value)}: values are strings or finite numbers`;
      }
      if (seen.has(value)) return `${where}: axis '${name}' lists ${JSON.stringify(value)} twice`;
      seen.add(value);
    }
    if (name === 'seed' && values.some((v) => typeof v !== 'number' || !Number.isInteger(v))) {
      return `${where}: axis 'seed' must hold integers`;
    }
  }
  return null;
}

/** Every cell of a grid, first axis slowest. */
export function gridCells(axes: GridAxes): Cell[] {
  let cells: Cell[] = [{}];
  for (const [name, values] of Object.entries(axes)) {
    cells = cells.flatMap((cell) => values.map((value) => ({ ...cell, [name]: value })));
  }
  return cells;
}

/** `system=mamba seed=2`: how a cell is named in progress lines, errors and the report. */
export function cellLabel(cell: Cell): string {
  return Object.entries(cell)
    .map(([axis, value]) => `${axis}=${value}`)
    .join(' ');
}

/** `selective-copying[system=mamba seed=2]`, or the experiment id alone for an experiment without a grid. */
export function runLabel(experimentId: string, cell: Cell | undefined): string {
  return cell ? `${experimentId}[${cellLabel(cell)}]` : experimentId;
}

/** Whether two cells agree on the given axes. */
export function sameOn(a: Cell, b: Cell, axes: readonly string[]): boolean {
  return axes.every((axis) => a[axis] === b[axis]);
}

/** Why a use cannot be resolved against the used experiment's axes, or null. */
export function useProblem(name: string, use: Use, ownAxes: readonly string[], usedAxes: readonly string[] | null, where: string): string | null {
  const axes = use.axes ?? [];
  for (const axis of axes) {
    if (!ownAxes.includes(axis)) return `${where}: use '${name}' matches on axis '${axis}', which this experiment's grid lacks`;
  }
  const used = usedAxes ?? [];
  if (used.length !== axes.length || used.some((axis) => !axes.includes(axis))) {
    return `${where}: use '${name}' matches on [${axes.join(', ')}] but ${use.experiment}'s grid has axes [${used.join(', ')}]: they must be the same`;
  }
  return null;
}
