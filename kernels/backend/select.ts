/** Making a TensorFlow.js backend the active one, with an error that names it when it cannot start. */
import * as tf from '../tf.ts';

export async function selectBackend(name: string): Promise<void> {
  if (!(await tf.setBackend(name))) {
    throw new Error(`TensorFlow.js could not initialise the '${name}' backend (see the warning above)`);
  }
}
