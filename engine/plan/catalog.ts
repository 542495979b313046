/**
 * The project's experiments and figures, as the planner sees them: found on disk
 * (`experiments/<id>/experiment.ts`, `experiments/<id>/figures.ts`), their import graphs fingerprinted,
 * and their facts read through the facts cache. Figure and table ids are global; a duplicate is an error
 * naming both files.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson, sha256 } from '../files/hash.ts';
import { importGraphs, mergeGraphs, type ImportGraph } from '../files/graph.ts';
import { describeModules, type Described, type ExperimentFacts } from './facts.ts';
import type { FingerprintCache } from '../files/fingerprints.ts';
import { projectPaths, repoPath } from '../commands/project.ts';
import { BACKENDS, type BackendName } from '../contract.ts';

export interface FingerprintedGraph extends ImportGraph {
  /** Repository-relative path -> sha256 of its normalised source, for every file in `files`. */
  hashes: Record<string, string>;
  /** sha256 over the hashes and packages: changes exactly when the graph's code or packages do. */
  hash: string;
}

export interface ExperimentEntry {
  id: string;
  /** Repository-relative path of experiment.ts. */
  sourceFile: string;
  figuresFile: string | null;
  facts: Described<ExperimentFacts>;
  /** The experiment module's graph merged with the backend module's (the worker runs both). */
  graph: FingerprintedGraph;
  /** The graph of each backend's setup module (the worker runs the one of the run's backend); shared by all entries. */
  backendSetups: BackendSetupGraphs;
}

export type BackendSetupGraphs = Partial<Record<BackendName, FingerprintedGraph>>;

export interface PresentationEntry {
  id: string;
  experimentId: string;
  /** Repository-relative path of the figures.ts that defines it. */
  file: string;
  title: string;
}

export interface CatalogIndex {
  experiments: Map<string, ExperimentEntry>;
  figures: Map<string, PresentationEntry>;
  tables: Map<string, PresentationEntry>;
  /** Graph of each figures.ts (repository-relative path -> graph), for the render cache. */
  figuresGraphs: Map<string, FingerprintedGraph>;
  /** Problems that make a module unusable (a module that fails to load, duplicate ids); reported per use. */
  errors: string[];
}

export async function loadCatalogIndex(root: string, fingerprints: FingerprintCache): Promise<CatalogIndex> {
  const paths = projectPaths(root);
  const ids = existsSync(paths.experiments)
    ? readdirSync(paths.experiments, { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(join(paths.experiments, d.name, 'experiment.ts')))
        .map((d) => d.name)
        .sort()
    : [];
  const experimentFiles = ids.map((id) => join(paths.experiments, id, 'experiment.ts'));
  const figuresFiles = ids.map((id) => join(paths.experiments, id, 'figures.ts')).filter((f) => existsSync(f));
  // A grid's axes live beside the experiment, outside its key: adding a cell changes no other cell's key.
  const gridFiles = ids.map((id) => join(paths.experiments, id, 'grid.ts')).filter((f) => existsSync(f));
  const backend = existsSync(paths.backendModule) ? [paths.backendModule] : [];
  const setups = BACKENDS.map((name) => [name, paths.backendSetup(name)] as const).filter(([, file]) => existsSync(file));
  const graphs = await importGraphs(paths.root, [...experimentFiles, ...figuresFiles, ...gridFiles, ...backend, ...setups.map(([, file]) => file)]);
  const backendGraph: ImportGraph = backend.length ? graphs.get(backend[0]!)! : { files: [], packages: {} };
  const backendSetups: BackendSetupGraphs = Object.fromEntries(
    await Promise.all(setups.map(async ([name, file]) => [name, await fingerprintGraph(paths.root, graphs.get(file)!, fingerprints)] as const)),
  );

  const experimentGraphs = await Promise.all(
    experimentFiles.map((f) => fingerprintGraph(paths.root, mergeGraphs(graphs.get(f)!, backendGraph), fingerprints)),
  );
  const figuresGraphs = await Promise.all(figuresFiles.map((f) => fingerprintGraph(paths.root, graphs.get(f)!, fingerprints)));
  const gridHashes = new Map(await Promise.all(gridFiles.map(async (f) => [join(f, '..'), (await fingerprintGraph(paths.root, graphs.get(f)!, fingerprints)).hash] as const)));
  const facts = await describeModules(
    paths.root,
    // Facts include the grid: they are cached under the experiment's graph and its grid file's.
    experimentFiles.map((f, i) => ({ file: repoPath(paths.root, f), graphHash: sha256(experimentGraphs[i]!.hash + (gridHashes.get(join(f, '..')) ?? '')) })),
    figuresFiles.map((f, i) => ({ file: repoPath(paths.root, f), graphHash: figuresGraphs[i]!.hash })),
  );

  const index: CatalogIndex = {
    experiments: new Map(),
    figures: new Map(),
    tables: new Map(),
    figuresGraphs: new Map(figuresFiles.map((f, i) => [repoPath(paths.root, f), figuresGraphs[i]!])),
    errors: [],
  };
  ids.forEach((id, i) => {
    const sourceFile = repoPath(paths.root, experimentFiles[i]!);
    const figuresAbs = join(paths.experiments, id, 'figures.ts');
    let described = facts.experiments[sourceFile]!;
    if (described.ok && described.value.id !== id) {
      described = { ok: false, error: `${sourceFile}: experiment id '${described.value.id}' must match its folder name '${id}'` };
    }
    index.experiments.set(id, {
      id,
      sourceFile,
      figuresFile: existsSync(figuresAbs) ? repoPath(paths.root, figuresAbs) : null,
      facts: described,
      graph: experimentGraphs[i]!,
      backendSetups,
    });
  });
  for (const file of index.figuresGraphs.keys()) {
    const experimentId = file.split('/')[1]!;
    const described = facts.figures[file]!;
    if (!described.ok) {
      index.errors.push(described.error);
      continue;
    }
    for (const [kind, map] of [
      ['figure', index.figures],
      ['table', index.tables],
    ] as const) {
      const titles = kind === 'figure' ? described.value.figures : described.value.tables;
      for (const [id, title] of Object.entries(titles)) {
        const existing = map.get(id);
        if (existing) index.errors.push(`${kind} id '${id}' is defined twice: in ${existing.file} and in ${file}`);
        else map.set(id, { id, experimentId, file, title });
      }
    }
  }
  return index;
}

async function fingerprintGraph(root: string, graph: ImportGraph, fingerprints: FingerprintCache): Promise<FingerprintedGraph> {
  const hashes: Record<string, string> = {};
  await Promise.all(graph.files.map(async (file) => (hashes[file] = await fingerprints.hash(join(root, file), 'source'))));
  const sorted = Object.fromEntries(graph.files.map((f) => [f, hashes[f]!]));
  return { ...graph, hashes: sorted, hash: sha256(canonicalJson({ files: sorted, packages: graph.packages })) };
}
