/**
 * Trains the joint BPE of one gettext language pair on its training split and reports what it
 * measured: training time, vocabulary, tokens per word on the validation split, and whether every
 * validation sentence round-trips. Optionally writes the model's JSON (atomically).
 *   node --import tsx experiments/text/train-bpe-cli.ts [--lang fr] [--vocab 8000] [--out FILE]
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { loadGettextPair, type GettextLanguage } from '../data/gettext-corpus.ts';
import { Bpe, normalize } from './bpe.ts';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};

const lang = arg('lang', 'fr') as GettextLanguage;
const vocabSize = Number(arg('vocab', '8000'));
const out = arg('out', '');
const splits = await loadGettextPair(lang, (p) => readFile(p));
const texts = [...splits.train.source, ...splits.train.target];
const t0 = performance.now();
const bpe = Bpe.train(texts, { vocabSize });
const seconds = (performance.now() - t0) / 1000;
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
console.log(
  `en-${lang}: ${texts.length} training texts, vocab ${bpe.vocabSize} (${bpe.toJSON().alphabet.length} characters, ` +
    `${bpe.toJSON().merges.length} merges) trained in ${seconds.toFixed(1)} s; valid: ${(tokens / words).toFixed(3)} tokens/word, ` +
    `exact round trip ${exact}/${valid.length}`,
);
if (out) {
  await writeFile(`${out}.tmp`, JSON.stringify(bpe.toJSON()));
  await rename(`${out}.tmp`, out);
}
