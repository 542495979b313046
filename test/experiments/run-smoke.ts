/**
 * Runs an experiment's smoke profile in this process with an in-memory context (what the engine's
 * worker provides, minus files), every cell of a grid in order, and hands back what it wrote as the
 * `Results` figures and tables read (with `cells` for a grid).
 */
import type { BackendName, CellResults, CheckpointState, Experiment, Grid, Json, Results, Row } from '../../engine/contract.ts';
import { gridCells } from '../../engine/plan/cells.ts';

export interface SmokeRun {
  results: Results;
  /** Every `step` the run reported through ctx.progress, in order (all cells). */
  steps: number[];
}

function cellResults(cell: CellResults['cell'], metrics: Record<string, Json>, series: Record<string, Row[]>, id: string): CellResults {
  return {
    cell,
    metrics,
    series: (name) => {
      const rows = series[name];
      if (!rows) throw new Error(`${id} wrote no series '${name}'`);
      return rows;
    },
    json: () => null,
  };
}

/** `grid`: the experiment's grid.ts export, for a grid experiment. */
export async function runSmoke<P>(experiment: Experiment<P>, backend: BackendName, grid?: Grid): Promise<SmokeRun> {
  const steps: number[] = [];
  const axes = grid?.smoke;
  const cells = axes ? gridCells(axes) : [{}];
  const done: CellResults[] = [];
  for (const cell of cells) {
    const series: Record<string, Row[]> = {};
    const metrics: Record<string, Json> = {};
    let saved: CheckpointState | null = null;
    const seed = typeof cell.seed === 'number' ? cell.seed : experiment.seeds![0]!;
    await experiment.run({
      experimentId: experiment.id,
      profile: 'smoke',
      params: experiment.paramsSchema.parse(experiment.profiles.smoke),
      seed,
      seeds: typeof cell.seed === 'number' ? [cell.seed] : experiment.seeds!,
      backend,
      progress: { update: (s) => steps.push(s.step) },
      log: { info: () => {}, warn: () => {} },
      results: { metrics: (v) => Object.assign(metrics, v), series: (name, rows) => void (series[name] = rows), json: () => {}, file: () => {} },
      data: { files: () => [], read: async () => Buffer.alloc(0) },
      signal: new AbortController().signal,
      cell,
      checkpoint: { save: async (state) => void (saved = state), load: async () => saved },
      uses: (name) => {
        throw new Error(`the smoke runner provides no use '${name}'`);
      },
    });
    done.push(cellResults(cell, metrics, series, experiment.id));
  }
  const only = done[0]!;
  const results: Results = {
    experimentId: experiment.id,
    profile: 'smoke',
    params: experiment.profiles.smoke as Json,
    metrics: axes ? {} : only.metrics,
    series: (name) => (axes ? (() => { throw new Error(`${experiment.id} is a grid: read results.cells`); })() : only.series(name)),
    json: () => null,
    cells: axes ? done : [],
  };
  return { results, steps };
}
