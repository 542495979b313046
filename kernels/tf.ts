/**
 * The one place the project imports TensorFlow.js from.
 *
 * Usage, everywhere in the project:
 *
 *     import * as tf from '../kernels/tf.ts';
 *
 * `tf` is then the whole `@tensorflow/tfjs-core` API (ops, optimizers, `tf.grad`, kernel registry),
 * with every gradient and the chained tensor methods (`x.add(y)`) registered, and the cpu and wasm
 * backends available. Choosing and preparing a backend is `setupBackend` in
 * kernels/backend/index.ts; this module only makes them available.
 *
 * Why the side-effect imports:
 * - `@tensorflow/tfjs-core`'s Node entry (dist/tf-core.node.js) registers neither gradients nor
 *   chained ops, and its `register_all_gradients.js` / `register_all_chained_ops.js` are ES-module
 *   sources that Node cannot load from that package (directory imports). The union package
 *   `@tensorflow/tfjs` registers both into tfjs-core's global registries when imported (about 0.5 s;
 *   its webgl backend does not register outside a browser). Its exports are not re-exported: the
 *   API here is tfjs-core's.
 * - The backends register themselves with the one engine on import. node_modules holds a single copy
 *   of `@tensorflow/tfjs-core` (4.22.0), which the union, layers and both backends require, so they
 *   all share it. Models that use `@tensorflow/tfjs-layers` import it directly: the same instance.
 */
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

export * from '@tensorflow/tfjs-core';
