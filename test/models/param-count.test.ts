import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../kernels/tf.ts';
import { MambaLM, mambaConfig } from '../../experiments/models/mamba.ts';
import { TransformerLM, transformerConfig } from '../../experiments/models/transformer.ts';
import { fitWidth, mambaParams, transformerParams, widths } from '../../experiments/models/param-count.ts';
import { useCpu } from './helpers.ts';

describe('parameter counts', () => {
  beforeAll(useCpu);

  const mambaCases = [
    { vocabSize: 13, dModel: 16, nLayer: 2, dState: 4 },
    { vocabSize: 50, dModel: 40, nLayer: 3 }, // dt_rank = ceil(40 / 16) = 3
    { vocabSize: 7, dModel: 24, nLayer: 1, dState: 8, expand: 3, dConv: 3, dtRank: 5 },
  ];
  for (const base of mambaCases) {
    for (const ssm of ['selective', 'lti'] as const) {
      it(`Mamba ${ssm} ${JSON.stringify(base)}: built model = formula`, () => {
        const config = mambaConfig({ ...base, ssm });
        const model = new MambaLM(config, 0);
        expect(model.params.count()).toBe(mambaParams(config));
        model.dispose();
      });
    }
  }

  it('Mamba formula matches a hand count for d = 16, e = 32, n = 4, r = 1, k = 4, v = 13, 2 layers', () => {
    // in_proj 16*64 + conv 4*32+32 + x_proj 32*9 + dt_proj 1*32+32 + A_log 32*4 + D 32 + out_proj 32*16 + norm 16
    const perLayer = 1024 + 160 + 288 + 64 + 128 + 32 + 512 + 16;
    expect(mambaParams(mambaConfig({ vocabSize: 13, dModel: 16, nLayer: 2, dState: 4 }))).toBe(13 * 16 + 2 * perLayer + 16);
  });

  it('Transformer: built model = formula', () => {
    const config = transformerConfig({ vocabSize: 11, dModel: 24, nLayer: 2, nHead: 3, maxLen: 20 });
    const model = new TransformerLM(config, 0);
    expect(model.params.count()).toBe(transformerParams(config));
    expect(transformerParams(config)).toBe((11 + 20) * 24 + 2 * (2 * 24 + 4 * 576 + 2 * 24 * 96) + 24);
    model.dispose();
  });

  it('fitWidth picks the width whose count is closest to the target', () => {
    const target = mambaParams(mambaConfig({ vocabSize: 16, dModel: 64, nLayer: 2 }));
    const count = (d: number) => transformerParams(transformerConfig({ vocabSize: 16, dModel: d, nLayer: 2, nHead: 4, maxLen: 64 }));
    const d = fitWidth(target, widths(8, 256, 4), count);
    for (const other of widths(8, 256, 4)) {
      expect(Math.abs(count(d) - target)).toBeLessThanOrEqual(Math.abs(count(other) - target));
    }
    expect(Math.abs(count(d) - target) / target).toBeLessThan(0.1);
  });

  it('no weights are left behind', () => {
    expect(tf.memory().numTensors).toBe(0);
  });
});
