/**
 * Trivial translation baselines, scored the same way as the models (corpus BLEU and chrF against the
 * test split's references), so that a model's score can be read against "doing nothing":
 *  - copy the source: the hypothesis of every segment is its English source (scores above 0 come from
 *    names, numbers and loanwords shared by both languages);
 *  - the most frequent training target: every hypothesis is the target sentence that occurs most often
 *    in the training split (ties: the smallest string in UTF-16 code-unit order, so the choice does not
 *    depend on the order of the data).
 */
import { corpusBleu, corpusChrf, type BleuScore, type ChrfScore } from './bleu.ts';

/** One split of a parallel corpus: `source[i]` translates to `target[i]`. */
export interface ParallelSplit {
  source: readonly string[];
  target: readonly string[];
}

export interface BaselineScore {
  name: string;
  bleu: BleuScore;
  chrf: ChrfScore;
}

function checkSplit(split: ParallelSplit, what: string): void {
  if (split.source.length !== split.target.length) {
    throw new Error(`${what}: ${split.source.length} sources but ${split.target.length} targets`);
  }
  if (split.source.length === 0) throw new Error(`${what}: the split is empty`);
}

const score = (name: string, hyps: readonly string[], test: ParallelSplit): BaselineScore => ({
  name,
  bleu: corpusBleu(hyps, [test.target]),
  chrf: corpusChrf(hyps, [test.target]),
});

export function copySourceBaseline(test: ParallelSplit): BaselineScore {
  checkSplit(test, 'copy-the-source baseline (test split)');
  return score('copy the source', test.source, test);
}

export function mostFrequentTarget(train: ParallelSplit): string {
  checkSplit(train, 'most frequent target (training split)');
  const counts = new Map<string, number>();
  for (const t of train.target) counts.set(t, (counts.get(t) ?? 0) + 1);
  let best = '';
  let bestCount = -1;
  for (const [t, c] of counts) {
    if (c > bestCount || (c === bestCount && t < best)) {
      best = t;
      bestCount = c;
    }
  }
  return best;
}

export function mostFrequentTargetBaseline(train: ParallelSplit, test: ParallelSplit): BaselineScore {
  checkSplit(test, 'most-frequent-target baseline (test split)');
  const t = mostFrequentTarget(train);
  return score('most frequent training target', test.source.map(() => t), test);
}
