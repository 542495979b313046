/**
 * Section II, sub-study (a): the four systems on English-French. Each cell trains one architecture
 * (encoder-decoder Transformer, decoder-only Mamba) from one seed, plain and with dropout (cell.ts), so
 * a cell holds a pair of systems and the paired significance test between them. Grid: pair x arch x
 * seed (grid.ts); the pair axis picks the BPE vocabulary the cell uses (translation-bpe).
 */
import { defineExperiment } from '../../engine/contract.ts';
import { cellParamsSchema, runTranslationCell } from './cell.ts';
import { BASE_PROFILES } from './profiles.ts';
import { translationDatasets } from './corpus.ts';

export default defineExperiment({
  id: 'translation',
  title: 'Translation, English-French: Transformer and Mamba, with and without dropout',
  summary:
    'An encoder-decoder Transformer and a decoder-only Mamba of matched parameter count, each trained plain and with dropout from the same seed, translate English to French; test BLEU and chrF with bootstrap intervals, and a paired test of dropout against plain.',
  paramsSchema: cellParamsSchema,
  profiles: BASE_PROFILES,
  datasets: translationDatasets(['fr'], 'pair'),
  uses: { tokenizer: { experiment: 'translation-bpe', axes: ['pair'] } },
  async run(ctx) {
    await runTranslationCell(ctx, { lang: String(ctx.cell.pair), kind: 'pair', sizeName: 'base' });
  },
});
