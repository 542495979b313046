/** The tensorflow backend: the native binding of @tensorflow/tfjs-node-gpu, else @tensorflow/tfjs-node. */
import type { Json } from '../../../engine/contract.ts';
import * as tf from '../../tf.ts';
import type { BackendInfo } from '../index.ts';
import { NATIVE_PACKAGES } from '../resolve.ts';
import { selectBackend } from '../select.ts';

export async function setup(): Promise<BackendInfo> {
  const failures: string[] = [];
  for (const pkg of NATIVE_PACKAGES) {
    try {
      // A variable specifier: these packages are optional and usually absent (no types to check).
      const specifier: string = pkg;
      const mod = (await import(specifier)) as { version?: Record<string, string> };
      await selectBackend('tensorflow');
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
