/**
 * What the planner knows about each experiment and figures module without importing it: ids, titles,
 * params per profile (validated), seeds, data sets, figure and table ids. Facts come from a child process
 * (describe.ts) and are cached in `.cache/facts.json` by the fingerprint of the module's import graph,
 * so a build where no source changed imports no experiment code at all.
 *
 * This relies on a module's facts being a function of its source: `profiles`, `seeds` and
 * `Dataset.files(profile)` must not read environment variables or the clock.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendName, GridAxes, Profile, Use } from '../contract.ts';
import type { ParamsResult } from './params.ts';
import { randomId, writeFileAtomic } from '../files/fsx.ts';
import { spawnTsx } from '../run/spawn.ts';

export type Described<T> = { ok: true; value: T } | { ok: false; error: string };

export interface DatasetFacts {
  id: string;
  title: string;
  source: string;
  files: Record<Profile, string[]>;
}

export interface ExperimentFacts {
  id: string;
  title: string;
  summary: string;
  seeds: number[];
  cacheVersion: string | null;
  unsupportedBackends: BackendName[];
  /** The backend the experiment must run on, or null. */
  requiresBackend: BackendName | null;
  datasets: DatasetFacts[];
  params: Record<Profile, ParamsResult>;
  /** A grid experiment's axes per profile (validated), or null. */
  grid: Record<Profile, GridAxes> | null;
  /** Results of other experiments its cells use, by name. */
  uses: Record<string, Use>;
}

export interface FiguresFacts {
  /** Figure id -> title. */
  figures: Record<string, string>;
  tables: Record<string, string>;
}

export interface DescribeRequest {
  root: string;
  experiments: string[];
  figures: string[];
}

export interface DescribeResponse {
  experiments: Record<string, Described<ExperimentFacts>>;
  figures: Record<string, Described<FiguresFacts>>;
}

/** A module to describe: repository-relative path and the fingerprint of its import graph. */
export interface ModuleRef {
  file: string;
  graphHash: string;
}

interface Stored {
  format: number;
  experiments: Record<string, { graphHash: string; facts: Described<ExperimentFacts> }>;
  figures: Record<string, { graphHash: string; facts: Described<FiguresFacts> }>;
}

const FORMAT = 3;

/** Facts for every module, from the cache where its graph is unchanged, else from one describe child. */
export async function describeModules(
  root: string,
  experiments: readonly ModuleRef[],
  figures: readonly ModuleRef[],
): Promise<DescribeResponse> {
  const cacheFile = join(root, '.cache', 'facts.json');
  const stored = loadStored(cacheFile);
  const staleExperiments = experiments.filter((m) => stored.experiments[m.file]?.graphHash !== m.graphHash);
  const staleFigures = figures.filter((m) => stored.figures[m.file]?.graphHash !== m.graphHash);
  if (staleExperiments.length + staleFigures.length > 0) {
    const fresh = await runDescribe(root, {
      root,
      experiments: staleExperiments.map((m) => m.file),
      figures: staleFigures.map((m) => m.file),
    });
    for (const m of staleExperiments) stored.experiments[m.file] = { graphHash: m.graphHash, facts: fresh.experiments[m.file]! };
    for (const m of staleFigures) stored.figures[m.file] = { graphHash: m.graphHash, facts: fresh.figures[m.file]! };
    writeFileAtomic(cacheFile, JSON.stringify(stored));
  }
  return {
    experiments: Object.fromEntries(experiments.map((m) => [m.file, stored.experiments[m.file]!.facts])),
    figures: Object.fromEntries(figures.map((m) => [m.file, stored.figures[m.file]!.facts])),
  };
}

function loadStored(file: string): Stored {
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Stored;
    if (stored.format === FORMAT) return stored;
  } catch {
    // no cache yet
  }
  return { format: FORMAT, experiments: {}, figures: {} };
}

async function runDescribe(root: string, request: DescribeRequest): Promise<DescribeResponse> {
  const responseFile = join(root, '.cache', `describe-${process.pid}-${randomId()}.json`);
  try {
    const child = await spawnTsx(root, join(import.meta.dirname, 'describe.ts'), [JSON.stringify(request), responseFile]);
    if (child.exitCode !== 0) {
      throw new Error(`describing experiment modules failed (exit ${child.exitCode ?? child.signal}):\n${child.output.trim()}`);
    }
    return JSON.parse(readFileSync(responseFile, 'utf8')) as DescribeResponse;
  } finally {
    rmSync(responseFile, { force: true });
  }
}

