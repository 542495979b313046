/**
 * Where things live in a project. Every engine function takes the project root, so tests build small
 * fixture projects in temporary folders and run the real engine on them.
 */
import { join, relative, resolve, sep } from 'node:path';

/** The repository this engine belongs to: the default project root. */
export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

export interface ProjectPaths {
  root: string;
  artifacts: string;
  cache: string;
  build: string;
  experiments: string;
  report: string;
  /** The compute-backend module the worker loads before an experiment (kernels/backend/index.ts). */
  backendModule: string;
  /** The module that prepares one backend (kernels/backend/setup/<name>.ts), loaded by backendModule. */
  backendSetup(name: string): string;
  /** Prints whether a hardware WebGPU adapter exists (gpu-probe.ts runs it for BACKEND=auto). */
  gpuProbe: string;
}

/**
 * `ARTIFACTS_DIR` (environment) moves the artifact store, e.g. onto a filesystem every node of a
 * cluster shares; relative paths are taken from the project root.
 */
export function projectPaths(root: string, env: NodeJS.ProcessEnv = process.env): ProjectPaths {
  const r = resolve(root);
  return {
    root: r,
    artifacts: env.ARTIFACTS_DIR ? resolve(r, env.ARTIFACTS_DIR) : join(r, 'artifacts'),
    cache: join(r, '.cache'),
    build: join(r, 'build'),
    experiments: join(r, 'experiments'),
    report: join(r, 'report'),
    backendModule: join(r, 'kernels', 'backend', 'index.ts'),
    backendSetup: (name) => join(r, 'kernels', 'backend', 'setup', `${name}.ts`),
    gpuProbe: join(r, 'kernels', 'webgpu', 'probe.ts'),
  };
}

/** Repository-relative path with forward slashes (how paths appear in keys, manifests and messages). */
export function repoPath(root: string, absolute: string): string {
  return relative(root, absolute).split(sep).join('/');
}
