/**
 * Prints the trivial baselines (baselines.ts) on the test split of every gettext language pair, with
 * 95% bootstrap intervals and the metric signatures:
 *   node --import tsx experiments/metrics/baselines-cli.ts
 */
import { readFile } from 'node:fs/promises';
import { GETTEXT_LANGUAGES, loadGettextPair } from '../data/gettext-corpus.ts';
import { copySourceBaseline, mostFrequentTarget, mostFrequentTargetBaseline } from './baselines.ts';
import { BLEU, CHRF } from './bleu.ts';
import { bootstrapCorpusScore } from './significance.ts';

for (const lang of GETTEXT_LANGUAGES) {
  const s = await loadGettextPair(lang, (p) => readFile(p));
  const copy = copySourceBaseline(s.test);
  const freq = mostFrequentTargetBaseline(s.train, s.test);
  const ci = bootstrapCorpusScore(BLEU, s.test.source, [s.test.target], { seed: 0 });
  const cci = bootstrapCorpusScore(CHRF, s.test.source, [s.test.target], { seed: 0 });
  console.log(
    `en-${lang} test ${s.test.source.length}: copy the source BLEU ${copy.bleu.score.toFixed(2)} [${ci.low.toFixed(2)}, ${ci.high.toFixed(2)}] ` +
      `chrF ${copy.chrf.score.toFixed(2)} [${cci.low.toFixed(2)}, ${cci.high.toFixed(2)}]; most frequent target ` +
      `(${JSON.stringify(mostFrequentTarget(s.train))}) BLEU ${freq.bleu.score.toFixed(2)} chrF ${freq.chrf.score.toFixed(2)}`,
  );
}
console.log(`signatures: BLEU ${BLEU.signature(1)}; chrF ${CHRF.signature(1)}`);
