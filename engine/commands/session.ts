/**
 * What every command starts from: the project root, the fingerprint cache, the catalog index and the
 * backend the build's keys use. Opening one also clears temp folders left by builds that died.
 */
import { join } from 'node:path';
import type { AdapterClass, BackendName, Profile } from '../contract.ts';
import { planExperiments, type PlanEntry } from '../plan/plan.ts';
import { availableBackends, loadBackendModule, type BackendRequest } from '../plan/backend.ts';
import { loadCatalogIndex, type CatalogIndex } from '../plan/catalog.ts';
import { FingerprintCache } from '../files/fingerprints.ts';
import { probeGpu } from '../plan/gpu-probe.ts';
import { projectPaths } from './project.ts';
import { removeOrphans } from '../store/store.ts';

export interface Session {
  root: string;
  fingerprints: FingerprintCache;
  index: CatalogIndex;
  backend: BackendName;
  /** Backends experiments may run on here (availableBackends): a required one outside it is never run. */
  available: BackendName[];
  /** The class of this machine's WebGPU adapter (the GPU probe), when webgpu is the build's backend or available. */
  adapter?: AdapterClass;
}

/** `listed`: the backends AVAILABLE_BACKENDS names (see availableBackends). */
export async function openSession(root: string, backend: BackendRequest, listed: readonly BackendName[] = []): Promise<Session> {
  const paths = projectPaths(root);
  removeOrphans(paths.root);
  const fingerprints = FingerprintCache.load(join(paths.cache, 'fingerprints.json'));
  const [index, resolved] = await Promise.all([loadCatalogIndex(paths.root, fingerprints), resolveBackendHere(paths.root, backend)]);
  const available = availableBackends(resolved, listed);
  // Probed (cached per machine) only where webgpu may run: other builds' keys never depend on it.
  const adapter: AdapterClass | undefined = available.includes('webgpu') ? (probeGpu(paths.root).hardware ? 'gpu' : 'software') : undefined;
  return { root: paths.root, fingerprints, index, backend: resolved, available, ...(adapter ? { adapter } : {}) };
}

/** The backend a request means on this machine: `auto` prefers a native TensorFlow binding; without one, a real GPU (WebGPU) over the CPU backends. */
export async function resolveBackendHere(root: string, backend: BackendRequest): Promise<BackendName> {
  const chosen = await loadBackendModule(root).then((m) => m.resolveBackend(backend));
  return backend === 'auto' && chosen !== 'tensorflow' && probeGpu(root).hardware ? 'webgpu' : chosen;
}

/** The plan of experiments `ids` under `profile`, with this session's backend, availability and fingerprints. */
export function planInSession(session: Session, ids: readonly string[], profile: Profile): Promise<PlanEntry[]> {
  return planExperiments(session.root, session.index, ids, {
    profile,
    backend: session.backend,
    available: session.available,
    ...(session.adapter ? { adapter: session.adapter } : {}),
    fingerprints: session.fingerprints,
  });
}
