/**
 * Preparing a backend in this process: the heavy half of kernels/backend/index.ts (it loads
 * TensorFlow.js). Called once per run; calling it again with the same name is cheap and harmless.
 */
import { getThreadsCount, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import type { BackendName, Json } from '../../engine/contract.ts';
import * as tf from '../tf.ts';
import type { BackendInfo } from './index.ts';
import { NATIVE_PACKAGES } from './resolve.ts';
import { ADDED_KERNELS, registerWasmTrainingKernels, WRAPPED_KERNELS } from './wasm/index.ts';

async function select(name: string): Promise<void> {
  if (!(await tf.setBackend(name))) {
    throw new Error(`TensorFlow.js could not initialise the '${name}' backend (see the warning above)`);
  }
}

/**
 * Run `init`, then remove the process-wide error handlers it added. The wasm backend's Emscripten
 * glue installs an 'uncaughtException' handler that rethrows and an 'unhandledRejection' handler
 * that throws, so any later error in the process is reported from inside its minified source (a
 * multi-kilobyte line) instead of Node's usual message; without them Node's defaults apply.
 */
async function withoutAddedErrorHandlers(init: () => Promise<void>): Promise<void> {
  const emitter: NodeJS.EventEmitter = process;
  const events = ['uncaughtException', 'unhandledRejection'];
  const before = new Map(events.map((e) => [e, emitter.listeners(e)]));
  await init();
  for (const e of events) {
    for (const listener of emitter.listeners(e)) {
      if (!before.get(e)!.includes(listener)) emitter.removeListener(e, listener as (...args: unknown[]) => void);
    }
  }
}

async function setupWasm(): Promise<BackendInfo> {
  await withoutAddedErrorHandlers(() => select('wasm'));
  registerWasmTrainingKernels();
  return {
    name: 'wasm',
    version: tf.version_core,
    details: {
      package: `@tensorflow/tfjs-backend-wasm@${version_wasm}`,
      simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
      threads: getThreadsCount(),
      addedKernels: [...ADDED_KERNELS],
      wrappedKernels: [...WRAPPED_KERNELS],
    },
  };
}

async function setupCpu(): Promise<BackendInfo> {
  await select('cpu');
  return { name: 'cpu', version: tf.version_core, details: { package: `@tensorflow/tfjs-backend-cpu@${tf.version_core}` } };
}

async function setupTensorflow(): Promise<BackendInfo> {
  const failures: string[] = [];
  for (const pkg of NATIVE_PACKAGES) {
    try {
      // A variable specifier: these packages are optional and usually absent (no types to check).
      const specifier: string = pkg;
      const mod = (await import(specifier)) as { version?: Record<string, string> };
      await select('tensorflow');
      const details: Record<string, Json> = { package: pkg };
      for (const [k, v] of Object.entries(mod.version ?? {})) details[k] = v;
      return { name: 'tensorflow', version: tf.version_core, details };
    } catch (err) {
      failures.push(`${pkg}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(
    `backend 'tensorflow' needs @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node with its native ` +
      `binding, and neither loaded (${failures.join('; ')}). Use BACKEND=wasm (the default) or BACKEND=cpu.`,
  );
}

export async function setupBackend(name: BackendName): Promise<BackendInfo> {
  switch (name) {
    case 'wasm':
      return setupWasm();
    case 'cpu':
      return setupCpu();
    case 'tensorflow':
      return setupTensorflow();
    case 'webgpu':
      return (await import('../webgpu/index.ts')).setupWebGPUBackend();
    default:
      throw new Error(`unknown backend '${name as string}'`);
  }
}
