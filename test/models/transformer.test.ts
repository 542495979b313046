import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../kernels/tf.ts';
import { TransformerLM, transformerConfig } from '../../experiments/models/transformer.ts';
import { tailLoss } from '../../experiments/models/language-model.ts';
import { maxAbsDiff, tokenGrid, useCpu } from './helpers.ts';

const tiny = transformerConfig({ vocabSize: 11, dModel: 16, nLayer: 2, nHead: 2, maxLen: 12 });

describe('TransformerLM', () => {
  beforeAll(useCpu);

  it('maps (b, l) tokens to (b, l, v) logits and rejects sequences beyond maxLen', () => {
    const model = new TransformerLM(tiny, 0);
    const tokens = tokenGrid(2, 9, 11);
    const logits = model.forward(tokens);
    expect(logits.shape).toEqual([2, 9, 11]);
    const tooLong = tokenGrid(1, 13, 11);
    expect(() => model.forward(tooLong)).toThrow(/maxLen/);
    tf.dispose([tokens, logits, tooLong]);
    model.dispose();
  });

  it('is causal: changing a later token leaves earlier logits unchanged', () => {
    const model = new TransformerLM(tiny, 1);
    const a = tf.tensor2d([[1, 2, 3, 4, 5, 6]], [1, 6], 'int32');
    const b = tf.tensor2d([[1, 2, 3, 4, 9, 9]], [1, 6], 'int32');
    const [la, lb] = [model.forward(a), model.forward(b)];
    const head = (t: tf.Tensor3D) => tf.slice(t, [0, 0, 0], [1, 4, 11]);
    const [ha, hb] = [head(la), head(lb)];
    expect(maxAbsDiff(ha, hb)).toBeLessThan(1e-6);
    expect(maxAbsDiff(la, lb)).toBeGreaterThan(1e-4);
    tf.dispose([a, b, la, lb, ha, hb]);
    model.dispose();
  });

  it('every parameter receives a non-zero gradient, and nothing leaks', () => {
    const model = new TransformerLM(tiny, 2);
    const tokens = tokenGrid(2, 8, 11);
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => tailLoss(model.forward(tokens), tokens), model.params.list());
    model.params.list().forEach((v, i) => {
      const norm = tf.tidy(() => tf.sum(tf.abs(grads[v.name])).dataSync()[0]);
      expect(norm, model.params.names()[i]).toBeGreaterThan(0);
    });
    tf.dispose([value, grads]);
    expect(tf.memory().numTensors).toBe(before);
    tokens.dispose();
    model.dispose();
  });
});
