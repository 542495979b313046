/**
 * The paper profile's parallel corpus: Europarl v7 (Koehn 2005), the sentence-aligned release of
 * https://www.statmt.org/europarl/ . Each pair comes as `<lang>-en.tgz` holding two line-aligned
 * UTF-8 files, `europarl-v7.<lang>-en.en` and `europarl-v7.<lang>-en.<lang>`: line i of one translates
 * line i of the other. Russian is not an EU language, so en-ru has no Europarl data (the other five of
 * the six gettext languages do).
 *
 * Loading: the two files must have the same number of lines (else an error naming both counts);
 * each line is cleaned by collapsing whitespace and trimming; a pair is dropped when either side is
 * empty (a failed alignment), when either side is a markup line (`<...>` only, e.g. `<CHAPTER ID=7>`),
 * or when either side has more than 80 words or one side has more than 9 times the words of the other
 * (the limits of Moses' clean-corpus-n.perl as commonly used). Duplicates are kept, since Europarl's
 * repeated formulas are real data; the split by source hash keeps every copy in one split.
 * Split: parallel-split.ts with 0.1% valid and 0.1% test by default (about 2,000 pairs each of the
 * 2 million of en-fr).
 */
import type { Dataset, Profile } from '../../engine/contract.ts';
import type { ParallelSplit } from '../metrics/baselines.ts';
import { SPLITS, splitOf, type SplitFractions, type SplitName } from './parallel-split.ts';
import type { ReadFile } from './gettext-corpus.ts';

export const EUROPARL_LANGUAGES = ['fr', 'de', 'nl', 'pl', 'cs'] as const;
export type EuroparlLanguage = (typeof EUROPARL_LANGUAGES)[number];
export const EUROPARL_DIR = 'data/europarl';
export const EUROPARL_FRACTIONS: SplitFractions = { validBp: 10, testBp: 10 };
export const MAX_WORDS = 80;
export const MAX_RATIO = 9;

export const europarlUrl = (lang: EuroparlLanguage): string => `https://www.statmt.org/europarl/v7/${lang}-en.tgz`;
export const europarlFiles = (lang: EuroparlLanguage, dir = EUROPARL_DIR): { en: string; other: string } => ({
  en: `${dir}/europarl-v7.${lang}-en.en`,
  other: `${dir}/europarl-v7.${lang}-en.${lang}`,
});

const clean = (line: string): string => line.replace(/\s+/g, ' ').trim();
const isMarkup = (s: string): boolean => /^<[^<>]*>$/.test(s);

/** The kept pairs of two line-aligned texts, in file order. */
export function europarlPairs(enText: string, otherText: string, names: { en: string; other: string }): { source: string; target: string }[] {
  const split = (t: string) => {
    const lines = t.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return lines;
  };
  const en = split(enText);
  const other = split(otherText);
  if (en.length !== other.length) {
    throw new Error(`${names.en} has ${en.length} lines but ${names.other} has ${other.length}: the files must be line-aligned`);
  }
  const out: { source: string; target: string }[] = [];
  for (let i = 0; i < en.length; i++) {
    const s = clean(en[i]);
    const t = clean(other[i]);
    if (s === '' || t === '' || isMarkup(s) || isMarkup(t)) continue;
    const a = s.split(' ').length;
    const b = t.split(' ').length;
    if (a > MAX_WORDS || b > MAX_WORDS || a > MAX_RATIO * b || b > MAX_RATIO * a) continue;
    out.push({ source: s, target: t });
  }
  return out;
}

async function readOrExplain(read: ReadFile, path: string, lang: EuroparlLanguage, dir: string): Promise<string> {
  try {
    return (await read(path)).toString('utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    const f = europarlFiles(lang, dir);
    throw new Error(
      `${path} is missing: download ${europarlUrl(lang)} and extract ${f.en.split('/').pop()} and ${f.other.split('/').pop()} into ${dir}/ ` +
        `(e.g. curl -LO ${europarlUrl(lang)} && tar -xzf ${lang}-en.tgz -C ${dir})`,
    );
  }
}

/** Europarl v7 en-<lang>, cleaned and split, read through `read`. */
export async function loadEuroparl(
  lang: EuroparlLanguage,
  read: ReadFile,
  opts: { dir?: string; fractions?: SplitFractions } = {},
): Promise<Record<SplitName, ParallelSplit>> {
  const dir = opts.dir ?? EUROPARL_DIR;
  const f = europarlFiles(lang, dir);
  const pairs = europarlPairs(await readOrExplain(read, f.en, lang, dir), await readOrExplain(read, f.other, lang, dir), f);
  const out = Object.fromEntries(SPLITS.map((s) => [s, { source: [] as string[], target: [] as string[] }])) as Record<SplitName, { source: string[]; target: string[] }>;
  for (const p of pairs) {
    const s = out[splitOf(p.source, opts.fractions ?? EUROPARL_FRACTIONS)];
    s.source.push(p.source);
    s.target.push(p.target);
  }
  return out;
}

/** Europarl en-<lang> as an engine data set: its two files under the paper profile. */
export function europarlDataset(lang: EuroparlLanguage): Dataset {
  const f = europarlFiles(lang);
  return {
    id: `europarl-v7-en-${lang}`,
    title: `Europarl v7, English-${lang}`,
    source: `${europarlUrl(lang)} (Koehn 2005; free use, see statmt.org/europarl)`,
    files: (profile: Profile) => (profile === 'paper' ? [f.en, f.other] : []),
  };
}
