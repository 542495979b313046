/**
 * Planning: for each experiment a build needs, and for each cell of a grid experiment, the current key
 * components and key, and whether the store already holds a verified artifact for that key (a hit) or
 * the run must happen (a miss). Experiments another one `uses` are planned first: a cell's key includes
 * the key of each result it uses, so it is known before anything runs.
 */
import { existsSync } from 'node:fs';
import type { AdapterClass, BackendName, Cell, KeyComponents, Manifest, Profile } from '../contract.ts';
import type { CatalogIndex, ExperimentEntry } from './catalog.ts';
import type { FingerprintCache } from '../files/fingerprints.ts';
import { backendFor, requiredBackendMissing, webgpuAdapterClass } from './backend.ts';
import { cellLabel, gridCells, runLabel, sameOn, useProblem } from './cells.ts';
import { fingerprintData } from './data.ts';
import { cacheKey } from './key.ts';
import { artifactDir, listArtifacts, readFailure, verifyArtifact, type StoredArtifact } from '../store/store.ts';

interface PlanBase {
  experimentId: string;
  sourceFile: string;
  title: string;
  /** The cell of a grid experiment; absent for an experiment without a grid. */
  cell?: Cell;
  /** `id` or `id[axis=value ...]`: how the run is named in progress lines and messages. */
  label: string;
}

/** A result a planned run uses: which experiment's run, under which key. */
export interface PlannedUse {
  experimentId: string;
  key: string;
  label: string;
}

export type PlanEntry =
  /** The module does not load, its params are invalid, its backend cannot be chosen, or a use cannot be resolved. */
  | (PlanBase & { status: 'invalid'; error: string })
  /** Declared data files are missing and no artifact matches the rest of the key. */
  | (PlanBase & { status: 'unavailable'; unavailable: string[]; components: KeyComponents })
  | (PlanBase & {
      status: 'hit';
      key: string;
      components: KeyComponents;
      artifact: StoredArtifact;
      /** Declared data files that are missing here, whose fingerprints were taken from the artifact. */
      unverifiedData: string[];
      uses: Record<string, PlannedUse>;
    })
  | (PlanBase & {
      status: 'miss';
      key: string;
      components: KeyComponents;
      /** Why an artifact stored under this key was rejected (corrupted result file, edited manifest). */
      rejected: string | null;
      /** The recorded failure of an earlier run of this key. */
      failure: Manifest | null;
      /** The backend the experiment requires when it is not available here: the engine does not run it. */
      needsBackend: BackendName | null;
      uses: Record<string, PlannedUse>;
    });

export interface PlanOptions {
  profile: Profile;
  /** The build's backend (already resolved from the request). */
  backend: BackendName;
  fingerprints: FingerprintCache;
  /** Backends experiments may run on here; an experiment requiring another is never run. Default: any. */
  available?: readonly BackendName[];
  /** The class of this machine's WebGPU adapter, when webgpu is the build's backend or available (default 'software'). */
  adapter?: AdapterClass;
}

/** a's entries and b's, keys sorted. */
function sortedUnion(a: Record<string, string>, b: Record<string, string> = {}): Record<string, string> {
  const all = { ...a, ...b };
  return Object.fromEntries(Object.keys(all).sort().map((k) => [k, all[k]!]));
}

/** Plan entries of experiments planned so far, by id (what `uses` resolves against). */
type Planned = Map<string, PlanEntry[]>;

export async function planExperiment(root: string, entry: ExperimentEntry, options: PlanOptions, planned: Planned = new Map()): Promise<PlanEntry[]> {
  const title = entry.facts.ok ? entry.facts.value.title : entry.id;
  const base = (cell?: Cell): PlanBase => ({
    experimentId: entry.id,
    sourceFile: entry.sourceFile,
    title,
    ...(cell ? { cell } : {}),
    label: runLabel(entry.id, cell),
  });
  if (!entry.facts.ok) return [{ ...base(), status: 'invalid', error: entry.facts.error }];
  const facts = entry.facts.value;
  const params = facts.params[options.profile];
  if (!params.ok) return [{ ...base(), status: 'invalid', error: params.error }];
  let backend: BackendName;
  try {
    backend = backendFor(options.backend, facts.unsupportedBackends, facts.requiresBackend);
  } catch (error) {
    return [{ ...base(), status: 'invalid', error: `${entry.sourceFile}: ${(error as Error).message}` }];
  }
  const axes = facts.grid?.[options.profile] ?? null;
  const ownAxes = axes ? Object.keys(axes) : [];
  for (const [name, use] of Object.entries(facts.uses)) {
    const used = planned.get(use.experiment);
    if (!used) return [{ ...base(), status: 'invalid', error: `${entry.sourceFile}: use '${name}': no experiment '${use.experiment}'` }];
    const usedAxes = used[0]?.cell ? Object.keys(used[0].cell) : null;
    const problem = useProblem(name, use, ownAxes, usedAxes, entry.sourceFile);
    if (problem) return [{ ...base(), status: 'invalid', error: problem }];
  }
  const data = await fingerprintData(root, facts.datasets, options.profile, options.fingerprints);
  const shared = {
    experiment: entry.id,
    profile: options.profile,
    // The experiment's graph and the graph of the one backend setup module the run loads.
    files: sortedUnion(entry.graph.hashes, entry.backendSetups[backend]?.hashes),
    packages: sortedUnion(entry.graph.packages, entry.backendSetups[backend]?.packages),
    params: params.value,
    backend,
    data: data.data,
    cacheVersion: facts.cacheVersion,
    ...(backend === 'webgpu' ? { adapter: webgpuAdapterClass(facts.requiresBackend, options.adapter) } : {}),
  };
  const needsBackend = requiredBackendMissing(facts.requiresBackend, options.available, options.adapter) ? facts.requiresBackend : null;
  let listed: StoredArtifact[] | null = null;
  const artifacts = () => (listed ??= listArtifacts(root, entry.id));

  const planCell = async (cell: Cell | undefined): Promise<PlanEntry> => {
    const uses: Record<string, PlannedUse> = {};
    for (const [name, use] of Object.entries(facts.uses)) {
      const match = planned.get(use.experiment)!.find((p) => !p.cell || sameOn(p.cell, cell ?? {}, use.axes ?? []));
      const what = `use '${name}' (${use.experiment}${cell && use.axes?.length ? ` at ${cellLabel(Object.fromEntries(use.axes.map((a) => [a, cell[a]!])))}` : ''})`;
      if (!match) return { ...base(cell), status: 'invalid', error: `${entry.sourceFile}: ${what}: no such cell in ${use.experiment}'s grid for profile ${options.profile}` };
      if (match.status === 'invalid' || match.status === 'unavailable') {
        return { ...base(cell), status: 'invalid', error: `${entry.sourceFile}: ${what} cannot be computed: ${match.status === 'invalid' ? match.error.split('\n')[0] : `data unavailable: ${match.unavailable.join(', ')}`}` };
      }
      uses[name] = { experimentId: match.experimentId, key: match.key, label: match.label };
    }
    const components: KeyComponents = {
      ...shared,
      seeds: cell && typeof cell.seed === 'number' ? [cell.seed] : facts.seeds,
      ...(cell ? { cell } : {}),
      ...(Object.keys(uses).length ? { uses: Object.fromEntries(Object.entries(uses).map(([name, u]) => [name, u.key])) } : {}),
    };
    if (data.unavailable.length > 0) {
      const match = await artifactIgnoringMissingData(components, data.unavailable, options.fingerprints, artifacts());
      if (match) return { ...base(cell), status: 'hit', key: match.manifest.key, components: match.manifest.components, artifact: match, unverifiedData: data.unavailable, uses };
      return { ...base(cell), status: 'unavailable', unavailable: data.unavailable, components };
    }
    const key = cacheKey(components);
    const dir = artifactDir(root, entry.id, key);
    const verified = await verifyArtifact(dir, options.fingerprints, key);
    if (verified.ok) return { ...base(cell), status: 'hit', key, components, artifact: { dir, manifest: verified.manifest }, unverifiedData: [], uses };
    return {
      ...base(cell),
      status: 'miss',
      key,
      components,
      rejected: existsSync(dir) && !verified.ok ? verified.reason : null,
      failure: readFailure(root, entry.id, key),
      needsBackend,
      uses,
    };
  };
  if (!axes) return [await planCell(undefined)];
  return Promise.all(gridCells(axes).map((cell) => planCell(cell)));
}

/**
 * A stored artifact whose key equals the current one once the missing data files take the fingerprints
 * that artifact recorded: the data cannot be checked here, everything else can. This lets a clone
 * without the data render the committed artifacts, saying which data it could not verify.
 */
async function artifactIgnoringMissingData(
  components: KeyComponents,
  missing: readonly string[],
  fingerprints: FingerprintCache,
  artifacts: StoredArtifact[],
): Promise<StoredArtifact | null> {
  for (const artifact of artifacts) {
    const recorded = artifact.manifest.components.data;
    const data: Record<string, Record<string, string>> = {};
    for (const [datasetId, files] of Object.entries(components.data)) data[datasetId] = { ...files };
    for (const [datasetId, files] of Object.entries(recorded)) {
      for (const file of missing) {
        if (file in files && data[datasetId]) data[datasetId]![file] = files[file]!;
      }
    }
    const complete = missing.every((file) => Object.values(data).some((files) => file in files));
    if (!complete || cacheKey({ ...components, data }) !== artifact.manifest.key) continue;
    if ((await verifyArtifact(artifact.dir, fingerprints, artifact.manifest.key)).ok) return artifact;
  }
  return null;
}

/** `ids` and, before them, every experiment they use (transitively), each once; a cycle is an error. */
export function withUses(index: CatalogIndex, ids: readonly string[]): string[] {
  const order: string[] = [];
  const visiting = new Set<string>();
  const visit = (id: string, path: string[]) => {
    if (order.includes(id)) return;
    if (visiting.has(id)) throw new Error(`experiments use each other in a cycle: ${[...path, id].join(' -> ')}`);
    const entry = index.experiments.get(id);
    if (!entry) throw new Error(`unknown experiment '${id}'`);
    visiting.add(id);
    if (entry.facts.ok) for (const use of Object.values(entry.facts.value.uses)) if (index.experiments.has(use.experiment)) visit(use.experiment, [...path, id]);
    visiting.delete(id);
    order.push(id);
  };
  for (const id of ids) visit(id, []);
  return order;
}

/** The plan of `ids` and the experiments they use, every cell of each, in dependency order. */
export async function planExperiments(root: string, index: CatalogIndex, ids: readonly string[], options: PlanOptions): Promise<PlanEntry[]> {
  const planned: Planned = new Map();
  for (const id of withUses(index, ids)) {
    planned.set(id, await planExperiment(root, index.experiments.get(id)!, options, planned));
  }
  return [...planned.values()].flat();
}
