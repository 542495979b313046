/**
 * The one place the project imports TensorFlow.js from.
 *
 * Usage, everywhere in the project:
 *
 *     import * as tf from '../kernels/tf.ts';
 *
 * `tf` is then the whole `@tensorflow/tfjs-core` API (ops, optimizers, `tf.grad`, kernel registry),
 * with every gradient registered and the cpu and wasm backends available. Choosing and preparing a
 * backend is `setupBackend` in kernels/backend/index.ts; this module only makes them available.
 *
 * Why the side-effect imports:
 * - `@tensorflow/tfjs-core`'s Node entry (dist/tf-core.node.js) registers no gradients, and its
 *   `dist/register_all_gradients.js` is ES-module source that Node cannot load from that package
 *   (directory imports). `@tensorflow/tfjs-layers`' Node entry registers all 101 gradient configs into
 *   tfjs-core's global gradient registry, so importing it is what makes `tf.grad` work.
 * - The backends register themselves with the one engine on import. node_modules holds a single copy
 *   of `@tensorflow/tfjs-core` (4.22.0), which layers and both backends require, so they all share
 *   it. Models that use `@tensorflow/tfjs-layers` may import it directly: it is the same instance.
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers';

export * from '@tensorflow/tfjs-core';
