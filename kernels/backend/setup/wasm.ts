/**
 * The wasm backend (the default): tfjs's WebAssembly backend with the training kernels of
 * kernels/backend/wasm/ registered.
 */
import { getThreadsCount, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '../../tf.ts';
import type { BackendInfo } from '../index.ts';
import { selectBackend } from '../select.ts';
import { kernelThreads } from '../../threads/count.ts';
import { ADDED_KERNELS, registerWasmTrainingKernels, WRAPPED_KERNELS } from '../wasm/index.ts';

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

export async function setup(): Promise<BackendInfo> {
  await withoutAddedErrorHandlers(() => selectBackend('wasm'));
  registerWasmTrainingKernels();
  return {
    name: 'wasm',
    version: tf.version_core,
    details: {
      package: `@tensorflow/tfjs-backend-wasm@${version_wasm}`,
      simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
      // The convolutions, matmuls and the scan run on kernelThreads(); XNNPACK (the rest) on getThreadsCount(), 1 under Node.
      threads: kernelThreads(),
      xnnpackThreads: getThreadsCount(),
      addedKernels: [...ADDED_KERNELS],
      wrappedKernels: [...WRAPPED_KERNELS],
    },
  };
}
