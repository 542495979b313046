/**
 * Evaluation of an image classifier on chosen images of a set (evaluation mode: batch-norm running
 * statistics, no drop-path), in chunks, read asynchronously: the predicted class of every image and,
 * for a two-class set, the probability of class 1 (the score ROC AUC ranks).
 */
import * as tf from '../../kernels/tf.ts';
import { assembleBatch, batchTensors, type AssembleOptions } from '../data/batch.ts';
import type { ImageSet } from '../data/image-set.ts';
import type { ImageClassifier } from '../models/image-classifier.ts';
import { accuracy, balancedAccuracy, rocAuc } from '../metrics/classification.ts';

export interface Predictions {
  labels: Int32Array;
  predicted: Int32Array;
  /** P(class 1) per image, for two classes; null otherwise. */
  positiveScore: Float32Array | null;
}

export async function predict(model: ImageClassifier, set: ImageSet, indices: Int32Array, chunk: number, input: Pick<AssembleOptions, 'pad' | 'mean' | 'std'>): Promise<Predictions> {
  const n = indices.length;
  const out: Predictions = { labels: new Int32Array(n), predicted: new Int32Array(n), positiveScore: set.classes.length === 2 ? new Float32Array(n) : null };
  for (let s = 0; s < n; s += chunk) {
    const batch = assembleBatch(set, indices.subarray(s, s + chunk), input);
    out.labels.set(batch.y, s);
    const [predicted, score] = tf.tidy(() => {
      const { x } = batchTensors(batch);
      const logits = model.forward(x); // (b, classes)
      return [tf.argMax(logits, -1), out.positiveScore ? tf.slice(tf.softmax(logits), [0, 1], [-1, 1]) : null] as const;
    });
    out.predicted.set((await predicted.data()) as Int32Array, s);
    if (score && out.positiveScore) out.positiveScore.set((await score.data()) as Float32Array, s);
    tf.dispose([predicted, ...(score ? [score] : [])]);
  }
  return out;
}

/** Accuracy, and for two classes balanced accuracy and ROC AUC, of predictions. */
export function scores(p: Predictions): Record<string, number> {
  const out: Record<string, number> = { accuracy: accuracy(p.labels, p.predicted) };
  if (p.positiveScore) {
    out.balancedAccuracy = balancedAccuracy(p.labels, p.predicted);
    // Both classes are needed for an AUC: a tiny split may hold one class only.
    if (p.labels.includes(0) && p.labels.includes(1)) out.auc = rocAuc(p.labels, p.positiveScore);
  }
  return out;
}
