/**
 * Planning: for each experiment a build needs, the current key components and key, and whether the
 * store already holds a verified artifact for that key (a hit) or the experiment must run (a miss).
 */
import { existsSync } from 'node:fs';
import type { BackendName, KeyComponents, Manifest, Profile } from '../contract.ts';
import type { CatalogIndex, ExperimentEntry } from './catalog.ts';
import type { FingerprintCache } from '../files/fingerprints.ts';
import { backendFor } from './backend.ts';
import { fingerprintData } from './data.ts';
import { cacheKey } from './key.ts';
import { artifactDir, listArtifacts, readFailure, verifyArtifact, type StoredArtifact } from '../store/store.ts';

interface PlanBase {
  experimentId: string;
  sourceFile: string;
  title: string;
}

export type PlanEntry =
  /** The module does not load, its params are invalid, or its backend cannot be chosen. */
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
    })
  | (PlanBase & {
      status: 'miss';
      key: string;
      components: KeyComponents;
      /** Why an artifact stored under this key was rejected (corrupted result file, bad manifest). */
      rejected: string | null;
      /** The recorded failure of an earlier run of this key. */
      failure: Manifest | null;
      /** The backend the experiment requires when it is not available here: the engine does not run it. */
      needsBackend: BackendName | null;
    });

export interface PlanOptions {
  profile: Profile;
  /** The build's backend (already resolved from the request). */
  backend: BackendName;
  fingerprints: FingerprintCache;
  /** Backends experiments may run on here; an experiment requiring another is never run. Default: any. */
  available?: readonly BackendName[];
}

/** a's entries and b's, keys sorted. */
function sortedUnion(a: Record<string, string>, b: Record<string, string> = {}): Record<string, string> {
  const all = { ...a, ...b };
  return Object.fromEntries(Object.keys(all).sort().map((k) => [k, all[k]!]));
}

export async function planExperiment(root: string, entry: ExperimentEntry, options: PlanOptions): Promise<PlanEntry> {
  const base: PlanBase = {
    experimentId: entry.id,
    sourceFile: entry.sourceFile,
    title: entry.facts.ok ? entry.facts.value.title : entry.id,
  };
  if (!entry.facts.ok) return { ...base, status: 'invalid', error: entry.facts.error };
  const facts = entry.facts.value;
  const params = facts.params[options.profile];
  if (!params.ok) return { ...base, status: 'invalid', error: params.error };
  let backend: BackendName;
  try {
    backend = backendFor(options.backend, facts.unsupportedBackends, facts.requiresBackend);
  } catch (error) {
    return { ...base, status: 'invalid', error: `${entry.sourceFile}: ${(error as Error).message}` };
  }
  const data = await fingerprintData(root, facts.datasets, options.profile, options.fingerprints);
  const components: KeyComponents = {
    experiment: entry.id,
    profile: options.profile,
    // The experiment's graph and the graph of the one backend setup module the run loads.
    files: sortedUnion(entry.graph.hashes, entry.backendSetups[backend]?.hashes),
    packages: sortedUnion(entry.graph.packages, entry.backendSetups[backend]?.packages),
    params: params.value,
    seeds: facts.seeds,
    backend,
    data: data.data,
    cacheVersion: facts.cacheVersion,
  };
  if (data.unavailable.length > 0) {
    const match = await artifactIgnoringMissingData(root, components, data.unavailable, options.fingerprints);
    if (match) return { ...base, status: 'hit', key: match.manifest.key, components: match.manifest.components, artifact: match, unverifiedData: data.unavailable };
    return { ...base, status: 'unavailable', unavailable: data.unavailable, components };
  }
  const key = cacheKey(components);
  const dir = artifactDir(root, entry.id, key);
  const verified = await verifyArtifact(dir, options.fingerprints, key);
  if (verified.ok) return { ...base, status: 'hit', key, components, artifact: { dir, manifest: verified.manifest }, unverifiedData: [] };
  return {
    ...base,
    status: 'miss',
    key,
    components,
    rejected: existsSync(dir) ? verified.reason : null,
    failure: readFailure(root, entry.id, key),
    needsBackend: facts.requiresBackend && options.available && !options.available.includes(facts.requiresBackend) ? facts.requiresBackend : null,
  };
}

/**
 * A stored artifact whose key equals the current one once the missing data files take the fingerprints
 * that artifact recorded: the data cannot be checked here, everything else can. This lets a clone
 * without the data render the committed artifacts, saying which data it could not verify.
 */
async function artifactIgnoringMissingData(
  root: string,
  components: KeyComponents,
  missing: readonly string[],
  fingerprints: FingerprintCache,
): Promise<StoredArtifact | null> {
  for (const artifact of listArtifacts(root, components.experiment)) {
    const recorded = artifact.manifest.components.data;
    const data: Record<string, Record<string, string>> = {};
    for (const [datasetId, files] of Object.entries(components.data)) data[datasetId] = { ...files };
    let complete = true;
    for (const [datasetId, files] of Object.entries(recorded)) {
      for (const file of missing) {
        if (file in files && data[datasetId]) data[datasetId]![file] = files[file]!;
      }
    }
    for (const file of missing) if (!Object.values(data).some((files) => file in files)) complete = false;
    if (!complete || cacheKey({ ...components, data }) !== artifact.manifest.key) continue;
    if ((await verifyArtifact(artifact.dir, fingerprints, artifact.manifest.key)).ok) return artifact;
  }
  return null;
}

export async function planExperiments(
  root: string,
  index: CatalogIndex,
  ids: readonly string[],
  options: PlanOptions,
): Promise<PlanEntry[]> {
  return Promise.all(
    ids.map((id) => {
      const entry = index.experiments.get(id);
      if (!entry) throw new Error(`unknown experiment '${id}'`);
      return planExperiment(root, entry, options);
    }),
  );
}
