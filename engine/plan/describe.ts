/**
 * Child-process entry that imports experiment and figures modules and reports what the planner needs to
 * know about them (ids, params per profile, seeds, data sets, figure ids) as JSON. Run in its own process
 * so the planning process never loads TensorFlow.js or a stale copy of an edited module; its answers are
 * cached by the modules' import-graph fingerprint (facts.ts).
 *
 * Usage: node --import tsx engine/describe.ts '<request json>' <response path>
 */
import { pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { PROFILES, type Experiment, type FiguresModule, type Grid } from '../contract.ts';
import { validateParams } from './params.ts';
import { gridProblem } from './cells.ts';
import { writeFileAtomic } from '../files/fsx.ts';
import type { DescribeRequest, DescribeResponse, ExperimentFacts, FiguresFacts, Described } from './facts.ts';

async function describeExperiment(root: string, file: string): Promise<Described<ExperimentFacts>> {
  try {
    const gridFile = join(root, dirname(file), 'grid.ts');
    const grid = existsSync(gridFile) ? ((await import(pathToFileURL(gridFile).href)) as { grid?: Grid }).grid ?? null : null;
    const gridWhere = join(dirname(file), 'grid.ts');
    if (existsSync(gridFile) && !grid) return { ok: false, error: `${gridWhere}: export the grid as \`export const grid: Grid = {...}\`` };
    const module = (await import(pathToFileURL(join(root, file)).href)) as { default?: Experiment };
    const experiment = module.default;
    if (!experiment || typeof experiment.run !== 'function' || typeof experiment.id !== 'string') {
      return { ok: false, error: `${file}: the default export is not an experiment (use defineExperiment)` };
    }
    const params = Object.fromEntries(PROFILES.map((profile) => [profile, validateParams(experiment, profile, file)]));
    const datasets = (experiment.datasets ?? []).map((dataset) => ({
      id: dataset.id,
      title: dataset.title,
      source: dataset.source,
      files: Object.fromEntries(PROFILES.map((profile) => [profile, dataset.files(profile)])),
    }));
    if (grid) {
      for (const profile of PROFILES) {
        const axes = grid[profile];
        if (!axes) return { ok: false, error: `${gridWhere}: grid: no axes for profile ${profile}` };
        const problem = gridProblem(axes, `${gridWhere}: grid.${profile}`);
        if (problem) return { ok: false, error: problem };
      }
    }
    const seedAxis = grid !== null && PROFILES.every((profile) => 'seed' in grid[profile]);
    if (!seedAxis && (!Array.isArray(experiment.seeds) || experiment.seeds.length === 0)) {
      return { ok: false, error: `${file}: declare seeds, or a grid with a 'seed' axis in every profile` };
    }
    return {
      ok: true,
      value: {
        id: experiment.id,
        title: experiment.title,
        summary: experiment.summary,
        seeds: [...(experiment.seeds ?? [])],
        cacheVersion: experiment.cacheVersion ?? null,
        unsupportedBackends: [...(experiment.unsupportedBackends ?? [])],
        requiresBackend: experiment.requiresBackend ?? null,
        datasets,
        params,
        grid: grid ? (Object.fromEntries(PROFILES.map((profile) => [profile, grid[profile]])) as ExperimentFacts['grid']) : null,
        uses: { ...(experiment.uses ?? {}) },
      } as ExperimentFacts,
    };
  } catch (error) {
    return { ok: false, error: `${file}: ${(error as Error).stack ?? String(error)}` };
  }
}

async function describeFigures(root: string, file: string): Promise<Described<FiguresFacts>> {
  try {
    const module = (await import(pathToFileURL(join(root, file)).href)) as FiguresModule;
    const titles = (specs: Record<string, { title: string }> | undefined) =>
      Object.fromEntries(Object.entries(specs ?? {}).map(([id, spec]) => [id, spec.title]));
    return { ok: true, value: { figures: titles(module.figures), tables: titles(module.tables) } };
  } catch (error) {
    return { ok: false, error: `${file}: ${(error as Error).stack ?? String(error)}` };
  }
}

const request = JSON.parse(process.argv[2]!) as DescribeRequest;
const response: DescribeResponse = { experiments: {}, figures: {} };
for (const file of request.experiments) response.experiments[file] = await describeExperiment(request.root, file);
for (const file of request.figures) response.figures[file] = await describeFigures(request.root, file);
writeFileAtomic(process.argv[3]!, JSON.stringify(response));
// Modules may leave handles open (thread pools, timers); the answer is written, so leave now.
process.exit(0);
