import * as tf from '../../kernels/tf.ts';

/** Tests run on the cpu backend: always available, and the reference every other backend matches. */
export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/** Deterministic token ids in [0, vocab). */
export function tokenGrid(batch: number, length: number, vocab: number, offset = 0): tf.Tensor2D {
  const ids = Array.from({ length: batch * length }, (_, i) => (i * 7 + offset * 3 + Math.floor(i / length)) % vocab);
  return tf.tensor2d(ids, [batch, length], 'int32');
}
