/**
 * Section II, sub-study (c): languages of similar origin to English (Germanic: German, Dutch) against
 * different origin (Slavic: Polish, Czech, Russian), with French for reference. Local profile: the
 * six-way set, the same English sources translated into every language, so the languages differ and
 * the inputs do not. Each cell trains one architecture plain and with dropout (cell.ts), with the
 * pair's own BPE vocabulary.
 */
import { defineExperiment } from '../../engine/contract.ts';
import { GETTEXT_LANGUAGES } from '../data/gettext-corpus.ts';
import { cellParamsSchema, runTranslationCell } from '../translation/cell.ts';
import { translationDatasets } from '../translation/corpus.ts';
import { profilesWith } from '../translation/profiles.ts';

export default defineExperiment({
  id: 'translation-pairs',
  title: 'Translation from English into six languages of similar and different origin',
  summary:
    'The plain and dropout variants of the Transformer and of Mamba translate the same English sentences into French, German, Dutch, Polish, Czech and Russian; BLEU and chrF per language pair.',
  paramsSchema: cellParamsSchema,
  // the six-way training split is about a quarter of en-fr's: more rounds for a similar number of steps
  profiles: profilesWith({ local: { roundsPerPass: 2, rounds: 8, validSize: 300 } }),
  datasets: translationDatasets(GETTEXT_LANGUAGES, 'six-way'),
  uses: { tokenizer: { experiment: 'translation-bpe', axes: ['pair'] } },
  async run(ctx) {
    await runTranslationCell(ctx, { lang: String(ctx.cell.pair), kind: ctx.profile === 'local' ? 'six-way' : 'pair', sizeName: 'base' });
  },
});
