/**
 * Which backend `auto` means on this machine, decided without loading TensorFlow.js: the engine calls
 * this in its own process to compute cache keys, so it must cost a few milliseconds. `auto` is the
 * native TensorFlow binding when @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node is installed with
 * its binding on disk (their install downloads libtensorflow and fails quietly without internet,
 * leaving the package without a binding), else wasm.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { BACKENDS, type BackendName } from '../../engine/contract.ts';

/** Native packages in order of preference. */
export const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

export interface NativeTensorflow {
  package: (typeof NATIVE_PACKAGES)[number];
  /** Absolute path of the package's `tfjs_binding.node`. */
  binding: string;
}

/** The installed package's folder as Node would resolve it from `require`, or null. */
function packageDir(require: NodeJS.Require, name: string): string | null {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    // A package whose "exports" hide package.json: walk up from its main entry.
  }
  try {
    let dir = dirname(require.resolve(name));
    while (dir !== dirname(dir)) {
      const manifest = join(dir, 'package.json');
      if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === name) return dir;
      dir = dirname(dir);
    }
  } catch {
    // Not installed.
  }
  return null;
}

/** The binding file node-pre-gyp put under `lib/napi-v<N>/`, or null. */
function bindingFile(dir: string): string | null {
  const lib = join(dir, 'lib');
  if (!existsSync(lib)) return null;
  for (const entry of readdirSync(lib)) {
    const candidate = join(lib, entry, 'tfjs_binding.node');
    if (/^napi-v\d+$/.test(entry) && existsSync(candidate)) return candidate;
  }
  return null;
}

/**
 * The first native TensorFlow package installed with its binding, resolved from `fromFile`
 * (default: this module, i.e. the project's node_modules), or null.
 */
export function findNativeTensorflow(fromFile: string = import.meta.url): NativeTensorflow | null {
  const require = createRequire(fromFile);
  for (const name of NATIVE_PACKAGES) {
    const dir = packageDir(require, name);
    const binding = dir == null ? null : bindingFile(dir);
    if (binding != null) return { package: name, binding };
  }
  return null;
}

/** `auto` -> 'tensorflow' when a native binding is installed, else 'wasm'; explicit names pass through. */
export function resolveBackend(
  requested: BackendName | 'auto',
  native: () => NativeTensorflow | null = findNativeTensorflow,
): BackendName {
  if (requested === 'auto') return native() != null ? 'tensorflow' : 'wasm';
  if (!(BACKENDS as readonly string[]).includes(requested)) {
    throw new Error(`unknown backend '${requested}': expected auto or one of ${BACKENDS.join(', ')}`);
  }
  return requested;
}
