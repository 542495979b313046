/**
 * The compute backend that goes into a cache key. `kernels/backend/index.ts` owns the choice
 * (`resolveBackend`, cheap: it must not load TensorFlow.js) and the setup the worker runs
 * (`setupBackend`). An experiment that cannot run on the chosen backend falls back to wasm, then cpu.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { BACKENDS, type AdapterClass, type BackendName } from '../contract.ts';
import { projectPaths } from '../commands/project.ts';

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

/**
 * The backend an experiment runs on: the one it requires, if any; else the resolved one unless the
 * experiment declares it unsupported.
 */
export function backendFor(resolved: BackendName, unsupported: readonly BackendName[], required: BackendName | null = null): BackendName {
  if (required) return required;
  if (!unsupported.includes(resolved)) return resolved;
  const fallback = FALLBACKS.find((b) => !unsupported.includes(b));
  if (!fallback) throw new Error(`no backend left: ${resolved} and all fallbacks (${FALLBACKS.join(', ')}) are unsupported`);
  return fallback;
}

/** Backends every machine has: TensorFlow.js' own, in JavaScript and WebAssembly. */
const EVERYWHERE: readonly BackendName[] = ['wasm', 'cpu'];

/**
 * The backends experiments may run on in this build, decided without probing any device (probing
 * Dawn for an adapter takes seconds, too long for planning): wasm and cpu, the build's own backend
 * (BACKEND=webgpu given explicitly, or what auto resolved to), and those the AVAILABLE_BACKENDS
 * environment variable lists (comma-separated, e.g. AVAILABLE_BACKENDS=webgpu on a GPU host).
 */
export function availableBackends(build: BackendName, listed: readonly BackendName[] = []): BackendName[] {
  return [...new Set([...EVERYWHERE, build, ...listed])];
}

/** AVAILABLE_BACKENDS parsed: names separated by commas or spaces; an unknown name is an error. */
export function parseAvailableBackends(value: string | undefined): BackendName[] {
  const names = (value ?? '').split(/[\s,]+/).filter(Boolean);
  for (const name of names) {
    if (!(BACKENDS as readonly string[]).includes(name)) throw new Error(`AVAILABLE_BACKENDS: unknown backend '${name}' (expected ${BACKENDS.join(', ')})`);
  }
  return names as BackendName[];
}

/**
 * The adapter class in the key of a webgpu run: 'gpu' for an experiment that requires webgpu (a GPU
 * series: it runs on hardware only, so its key is the same wherever it is planned), else this
 * machine's (`here`, from the GPU probe; no probe or no answer means 'software').
 */
export function webgpuAdapterClass(required: BackendName | null, here: AdapterClass | undefined): AdapterClass {
  return required === 'webgpu' ? 'gpu' : (here ?? 'software');
}

/**
 * Whether an experiment requiring `required` cannot run here: that backend is not available, or it is
 * webgpu and this machine's adapter is a software renderer (llvmpipe never counts as a GPU).
 */
export function requiredBackendMissing(required: BackendName | null, available: readonly BackendName[] | undefined, adapter: AdapterClass | undefined): boolean {
  if (!required) return false;
  if (available && !available.includes(required)) return true;
  return required === 'webgpu' && adapter === 'software';
}

/** The command that refreshes an experiment needing `backend`, on a machine that has it. */
export function refreshOn(backend: BackendName, experimentId: string, profile: string): string {
  const where = backend === 'webgpu' ? 'webgpu on a GPU' : backend;
  return `needs ${where} to refresh: node --import tsx engine/cli.ts run ${experimentId} --profile ${profile} --backend ${backend}`;
}
