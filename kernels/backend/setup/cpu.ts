/** The cpu backend: tfjs's plain JavaScript kernels. */
import * as tf from '../../tf.ts';
import type { BackendInfo } from '../index.ts';
import { selectBackend } from '../select.ts';

export async function setup(): Promise<BackendInfo> {
  await selectBackend('cpu');
  return { name: 'cpu', version: tf.version_core, details: { package: `@tensorflow/tfjs-backend-cpu@${tf.version_core}` } };
}
