/**
 * The joint BPE vocabulary of each language pair (experiments/text/bpe.ts), trained once on the pair's
 * training split (both sides together) and used by every translation cell of that pair (`uses`): its
 * key joins theirs, so a change of vocabulary reruns the models trained on it. The model itself is a
 * JSON result (`bpe`, committed with the artifact: small, and what a clone needs to decode), with its
 * size and how finely it cuts the validation split.
 */
import { z } from 'zod';
import { defineExperiment } from '../../engine/contract.ts';
import { GETTEXT_LANGUAGES } from '../data/gettext-corpus.ts';
import { Bpe, normalize } from '../text/bpe.ts';
import { loadSplits, translationDatasets } from '../translation/corpus.ts';

const paramsSchema = z.object({
  vocabSize: z.number().int().min(16),
  minFrequency: z.number().int().min(1),
});

export default defineExperiment({
  id: 'translation-bpe',
  title: 'Joint BPE vocabularies of the translation pairs',
  summary: 'A byte-pair-encoding vocabulary per language pair, learnt from both sides of its training split; the translation models of that pair all use it.',
  paramsSchema,
  profiles: {
    smoke: { vocabSize: 120, minFrequency: 2 },
    local: { vocabSize: 2000, minFrequency: 2 },
    paper: { vocabSize: 32000, minFrequency: 2 },
  },
  seeds: [1],
  datasets: translationDatasets(GETTEXT_LANGUAGES, 'pair'),
  async run(ctx) {
    const lang = String(ctx.cell.pair);
    const splits = await loadSplits(ctx.profile, lang, 'pair', ctx.data);
    const started = performance.now();
    const bpe = Bpe.train([...splits.train.source, ...splits.train.target], ctx.params);
    const seconds = (performance.now() - started) / 1000;
    let tokens = 0;
    let words = 0;
    let exact = 0;
    const valid = [...splits.valid.source, ...splits.valid.target];
    for (const t of valid) {
      const ids = bpe.encode(t);
      tokens += ids.length;
      words += normalize(t).split(' ').length;
      if (bpe.decode(ids) === normalize(t)) exact++;
    }
    const json = bpe.toJSON();
    ctx.results.json('bpe', json);
    ctx.results.metrics({
      pair: `en-${lang}`,
      vocabSize: bpe.vocabSize,
      merges: json.merges.length,
      alphabet: json.alphabet.length,
      trainingTexts: splits.train.source.length * 2,
      validTokensPerWord: tokens / words,
      validRoundTrip: exact / valid.length,
      trainSeconds: seconds,
    });
    ctx.log.info(`en-${lang}: vocab ${bpe.vocabSize}, ${(tokens / words).toFixed(3)} tokens/word on valid, ${seconds.toFixed(1)} s`);
  },
});
