import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../kernels/tf.ts';
import { selectiveScan } from '../../kernels/index.ts';
import { oracleScan } from './scan-oracle.ts';
import { makeCase, normalisedError, SCAN_CASES } from './scan-cases.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('selectiveScan reference (tfjs op loop)', () => {
  for (const spec of SCAN_CASES) {
    it(`matches the float64 oracle: ${spec.name}`, () => {
      const c = makeCase(spec);
      const start = tf.memory().numTensors;
      const out = selectiveScan({ ...c.tensors(), deltaSoftplus: spec.softplus, returnLastState: true }, { impl: 'reference' });
      const want = oracleScan(c.oracle);
      expect(normalisedError(out.y.dataSync(), want.y)).toBeLessThan(1e-5);
      expect(normalisedError(out.lastState!.dataSync(), want.lastState)).toBeLessThan(1e-5);
      tf.dispose([out.y, out.lastState!]);
      c.dispose();
      expect(tf.memory().numTensors).toBe(start);
    });
  }

  it('rejects B whose groups do not divide d', () => {
    const c = makeCase({ name: 'bad', b: 1, d: 6, l: 3, n: 2, bLayout: 4, cLayout: 'shared', D: false, z: false, bias: false, softplus: false });
    expect(() => selectiveScan(c.tensors(), { impl: 'reference' })).toThrow(/groups/);
    c.dispose();
  });
});
