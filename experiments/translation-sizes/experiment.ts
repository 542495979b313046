/**
 * Section II, sub-study (b): does the effect of dropout depend on model size? English-French, both
 * architectures at three sizes (the Transformer's width and layers per stack; Mamba matched in
 * parameters, systems.ts), each cell trained plain and with dropout from one seed (cell.ts).
 */
import { defineExperiment } from '../../engine/contract.ts';
import { cellParamsSchema, runTranslationCell } from '../translation/cell.ts';
import { translationDatasets } from '../translation/corpus.ts';
import { profilesWith } from '../translation/profiles.ts';

export const SIZES = ['small', 'medium', 'large'] as const;

export default defineExperiment({
  id: 'translation-sizes',
  title: 'Translation, English-French: the dropout effect against model size',
  summary: 'The plain and dropout variants of the Transformer and of Mamba at three matched sizes on English-French; the BLEU gain of dropout per size, paired by seed.',
  paramsSchema: cellParamsSchema,
  profiles: profilesWith({
    smoke: {
      sizes: {
        small: { dModel: 8, layers: 1, nHead: 2, mlpRatio: 2 },
        medium: { dModel: 16, layers: 1, nHead: 2, mlpRatio: 2 },
        large: { dModel: 24, layers: 1, nHead: 2, mlpRatio: 2 },
      },
    },
    local: {
      sizes: {
        small: { dModel: 32, layers: 1, nHead: 4, mlpRatio: 4 },
        medium: { dModel: 64, layers: 1, nHead: 4, mlpRatio: 4 },
        large: { dModel: 96, layers: 2, nHead: 4, mlpRatio: 4 },
      },
    },
    // around the original's ~77M configuration: half, as given, double the width
    paper: {
      sizes: {
        small: { dModel: 256, layers: 6, nHead: 4, mlpRatio: 4 },
        medium: { dModel: 512, layers: 6, nHead: 8, mlpRatio: 4 },
        large: { dModel: 768, layers: 6, nHead: 12, mlpRatio: 4 },
      },
    },
  }),
  datasets: translationDatasets(['fr'], 'pair'),
  uses: { tokenizer: { experiment: 'translation-bpe', axes: ['pair'] } },
  async run(ctx) {
    await runTranslationCell(ctx, { lang: String(ctx.cell.pair), kind: 'pair', sizeName: String(ctx.cell.size) });
  },
});
