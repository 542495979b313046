/**
 * Section II, sub-study (a): the four systems on English-French. Each cell trains one architecture
 * (encoder-decoder Transformer, decoder-only Mamba) from one seed, plain and with dropout (cell.ts), so
 * a cell holds a pair of systems and the paired significance test between them. Grid: pair x arch x
 * seed (grid.ts); the pair axis picks the BPE vocabulary the cell uses (translation-bpe).
 */
import { defineExperiment } from '../../engine/contract.ts';
import { CELL_DEFAULTS, cellParamsSchema, runTranslationCell } from './cell.ts';
import { translationDatasets } from './corpus.ts';

const decode = { lengthPenalty: 1, maxLengthA: 1.5, maxLengthB: 10 };

export default defineExperiment({
  id: 'translation',
  title: 'Translation, English-French: Transformer and Mamba, with and without dropout',
  summary:
    'An encoder-decoder Transformer and a decoder-only Mamba of matched parameter count, each trained plain and with dropout from the same seed, translate English to French; test BLEU and chrF with bootstrap intervals, and a paired test of dropout against plain.',
  paramsSchema: cellParamsSchema,
  profiles: {
    smoke: {
      ...CELL_DEFAULTS,
      sizes: { base: { dModel: 16, layers: 1, nHead: 2, mlpRatio: 2 } },
      dropout: 0.1,
      batchSize: 16,
      maxTokens: 24,
      roundsPerPass: 2,
      rounds: 2,
      learningRate: 3e-3,
      warmup: 4,
      patience: 2,
      validSize: 16,
      validDecode: { ...decode, beam: 1, batchSize: 16, cap: 24 },
      testDecode: { ...decode, beam: 2, batchSize: 16, cap: 24 },
      bootstrapSamples: 50,
    },
    local: {
      ...CELL_DEFAULTS,
      sizes: { base: { dModel: 64, layers: 1, nHead: 4, mlpRatio: 4 } },
      dropout: 0.1,
      batchSize: 64,
      maxTokens: 24,
      roundsPerPass: 4,
      rounds: 4,
      learningRate: 3e-3,
      warmup: 200,
      patience: 2,
      validSize: 400,
      validDecode: { ...decode, beam: 1, batchSize: 200, cap: 48 },
      testDecode: { ...decode, beam: 5, batchSize: 100, cap: 48 },
      bootstrapSamples: 1000,
    },
    // The original's ~77M-parameter systems on Europarl (a GPU budget): 6+6 layers of width 512.
    paper: {
      ...CELL_DEFAULTS,
      sizes: { base: { dModel: 512, layers: 6, nHead: 8, mlpRatio: 4 } },
      dropout: 0.1,
      batchSize: 128,
      maxTokens: 128,
      roundsPerPass: 1,
      rounds: 30,
      learningRate: 5e-4,
      warmup: 4000,
      patience: 5,
      validSize: 2000,
      validDecode: { ...decode, beam: 1, batchSize: 128, cap: 256 },
      testDecode: { ...decode, beam: 5, batchSize: 64, cap: 256 },
      bootstrapSamples: 1000,
    },
  },
  datasets: translationDatasets(['fr'], 'pair'),
  uses: { tokenizer: { experiment: 'translation-bpe', axes: ['pair'] } },
  async run(ctx) {
    await runTranslationCell(ctx, { lang: String(ctx.cell.pair), kind: 'pair', sizeName: 'base' });
  },
});
