/**
 * The smoke profile's translation data: a generated toy language pair, seeded and tiny, in the same
 * in-memory shape as the real corpora (train/valid/test of ParallelSplit).
 *
 * English side: 3 to 8 words drawn from a fixed 32-word vocabulary (seeded mulberry32, rng.ts). Target
 * side: each word replaced by its fixed counterpart in a made-up lexicon and every adjacent
 * (adjective, noun) pair swapped, as French places most adjectives after the noun - enough structure
 * that a model must learn a lexicon and one reordering rule, small enough to learn in seconds. Pairs
 * are split by the hash of the source (parallel-split.ts), exactly like the real corpora.
 *
 * `europarlFixtureFiles` writes pairs in Europarl v7's release format (two line-aligned UTF-8 files),
 * with the irregularities the loader must handle: empty lines on one side, markup lines, extra spaces.
 */
import { Rng } from '../models/rng.ts';
import { splitBySource, type SplitFractions, type SplitName } from './parallel-split.ts';
import type { ParallelSplit } from '../metrics/baselines.ts';

const NOUNS = ['house', 'cat', 'dog', 'file', 'window', 'city', 'book', 'car', 'table', 'river', 'tree', 'door'];
const ADJECTIVES = ['red', 'big', 'small', 'old', 'new', 'green', 'open', 'empty'];
const OTHERS = ['the', 'a', 'sees', 'has', 'opens', 'and', 'near', 'under', 'is', 'with', 'for', 'not'];
const LEXICON: Record<string, string> = {
  house: 'maison', cat: 'chat', dog: 'chien', file: 'fichier', window: 'fenêtre', city: 'ville', book: 'livre',
  car: 'voiture', table: 'table', river: 'rivière', tree: 'arbre', door: 'porte', red: 'rouge', big: 'grand',
  small: 'petit', old: 'vieux', new: 'neuf', green: 'vert', open: 'ouvert', empty: 'vide', the: 'le', a: 'un',
  sees: 'voit', has: 'a', opens: 'ouvre', and: 'et', near: 'près', under: 'sous', is: 'est', with: 'avec',
  for: 'pour', not: 'pas',
};
const isAdj = (w: string) => ADJECTIVES.includes(w);
const isNoun = (w: string) => NOUNS.includes(w);

/** The toy target of an English toy sentence: lexicon lookup, then adjective-noun pairs swapped. */
export function toyTranslate(source: string): string {
  const words = source.split(' ');
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    if (i + 1 < words.length && isAdj(words[i]) && isNoun(words[i + 1])) {
      out.push(LEXICON[words[i + 1]], LEXICON[words[i]]);
      i++;
    } else {
      out.push(LEXICON[words[i]]);
    }
  }
  return out.join(' ');
}

function toySentence(rng: Rng): string {
  const n = 3 + rng.int(6);
  const words: string[] = [];
  while (words.length < n) {
    const r = rng.uniform();
    if (r < 0.3 && words.length + 2 <= n) words.push(ADJECTIVES[rng.int(ADJECTIVES.length)], NOUNS[rng.int(NOUNS.length)]);
    else if (r < 0.6) words.push(NOUNS[rng.int(NOUNS.length)]);
    else words.push(OTHERS[rng.int(OTHERS.length)]);
  }
  return words.join(' ');
}

/** `count` distinct toy pairs (sources deduplicated, as in the real corpora), in generation order. */
export function toyPairs(count: number, seed: number): { source: string; target: string }[] {
  const rng = new Rng(seed);
  const seen = new Set<string>();
  const out: { source: string; target: string }[] = [];
  for (let tries = 0; out.length < count; tries++) {
    if (tries > 100 * count) throw new Error(`toyPairs: could not draw ${count} distinct sentences`);
    const s = toySentence(rng);
    if (seen.has(s)) continue;
    seen.add(s);
    out.push({ source: s, target: toyTranslate(s) });
  }
  return out;
}

/** The smoke profile's splits (default 400 pairs, 10% valid and 10% test by source hash). */
export function smokeTranslationData(
  opts: { pairs?: number; seed?: number; fractions?: SplitFractions } = {},
): Record<SplitName, ParallelSplit> {
  const pairs = toyPairs(opts.pairs ?? 400, opts.seed ?? 0);
  const parts = splitBySource(pairs, (p) => p.source, opts.fractions ?? { validBp: 1000, testBp: 1000 });
  const as = (ps: typeof pairs): ParallelSplit => ({ source: ps.map((p) => p.source), target: ps.map((p) => p.target) });
  return { train: as(parts.train), valid: as(parts.valid), test: as(parts.test) };
}

/** Europarl-format text of toy pairs: `{ en, other }` file contents, line-aligned, with irregular lines. */
export function europarlFixtureFiles(count: number, seed: number): { en: string; other: string; pairs: { source: string; target: string }[] } {
  const rng = new Rng(seed ^ 0x5eed);
  const pairs = toyPairs(count, seed);
  const en: string[] = [];
  const other: string[] = [];
  pairs.forEach((p, i) => {
    en.push(i % 7 === 3 ? `  ${p.source.replace(' ', '   ')} ` : p.source);
    other.push(p.target);
    const r = rng.uniform();
    if (r < 0.1) {
      en.push('this line lost its translation');
      other.push('');
    } else if (r < 0.15) {
      en.push('<CHAPTER ID=7>');
      other.push('<CHAPTER ID=7>');
    }
  });
  return { en: `${en.join('\n')}\n`, other: `${other.join('\n')}\n`, pairs };
}
