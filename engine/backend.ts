/**
 * The compute backend that goes into a cache key. `kernels/backend/index.ts` owns the choice
 * (`resolveBackend`, cheap: it must not load TensorFlow.js) and the setup the worker runs
 * (`setupBackend`). An experiment that cannot run on the chosen backend falls back to wasm, then cpu.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { BACKENDS, type BackendName } from './contract.ts';
import { projectPaths } from './project.ts';

export type BackendRequest = BackendName | 'auto';

export interface BackendModule {
  resolveBackend(requested: BackendRequest): BackendName | Promise<BackendName>;
  /** Load and select the backend; may return versions and details for the manifest. */
  setupBackend(name: BackendName): unknown;
}

export function parseBackendRequest(value: string): BackendRequest {
  if (value === 'auto' || (BACKENDS as readonly string[]).includes(value)) return value as BackendRequest;
  throw new Error(`unknown backend '${value}' (expected auto or one of ${BACKENDS.join(', ')})`);
}

export async function loadBackendModule(root: string): Promise<BackendModule> {
  const file = projectPaths(root).backendModule;
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: it must export resolveBackend(requested) and setupBackend(name)`);
  }
  const module = (await import(pathToFileURL(file).href)) as Partial<BackendModule>;
  if (typeof module.resolveBackend !== 'function' || typeof module.setupBackend !== 'function') {
    throw new Error(`${file} must export resolveBackend(requested) and setupBackend(name)`);
  }
  return module as BackendModule;
}

const FALLBACKS: readonly BackendName[] = ['wasm', 'cpu'];

/** The backend an experiment runs on: the resolved one unless the experiment declares it unsupported. */
export function backendFor(resolved: BackendName, unsupported: readonly BackendName[]): BackendName {
  if (!unsupported.includes(resolved)) return resolved;
  const fallback = FALLBACKS.find((b) => !unsupported.includes(b));
  if (!fallback) throw new Error(`no backend left: ${resolved} and all fallbacks (${FALLBACKS.join(', ')}) are unsupported`);
  return fallback;
}
