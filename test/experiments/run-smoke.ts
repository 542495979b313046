/**
 * Runs an experiment's smoke profile in this process with an in-memory context (what the engine's
 * worker provides, minus files), and hands back what it wrote as the `Results` figures and tables read.
 */
import type { BackendName, Experiment, Json, Results, Row } from '../../engine/contract.ts';

export interface SmokeRun {
  results: Results;
  /** Every `step` the run reported through ctx.progress, in order. */
  steps: number[];
}

export async function runSmoke<P>(experiment: Experiment<P>, backend: BackendName): Promise<SmokeRun> {
  const series: Record<string, Row[]> = {};
  const metrics: Record<string, Json> = {};
  const steps: number[] = [];
  await experiment.run({
    experimentId: experiment.id,
    profile: 'smoke',
    params: experiment.paramsSchema.parse(experiment.profiles.smoke),
    seed: experiment.seeds[0]!,
    seeds: experiment.seeds,
    backend,
    progress: { update: (s) => steps.push(s.step) },
    log: { info: () => {}, warn: () => {} },
    results: { metrics: (v) => Object.assign(metrics, v), series: (name, rows) => void (series[name] = rows), json: () => {} },
    data: { files: () => [], read: async () => Buffer.alloc(0) },
    signal: new AbortController().signal,
  });
  const results: Results = {
    experimentId: experiment.id,
    profile: 'smoke',
    params: experiment.profiles.smoke as Json,
    metrics,
    series: (name) => {
      const rows = series[name];
      if (!rows) throw new Error(`${experiment.id} wrote no series '${name}'`);
      return rows;
    },
    json: () => null,
  };
  return { results, steps };
}
