/**
 * The local profile's parallel corpus: English program messages and their human translations into
 * French, German, Dutch, Polish, Czech and Russian, from the gettext catalogs (.mo) of 25 pinned Debian
 * packages (experiments/data/gettext-corpus-debs.sha256 lists them with their sha256). Short software
 * strings (about 8 words on average), not parliamentary speech: BLEU levels are not comparable with
 * Europarl's; comparisons between models and between language pairs are.
 *
 * Recipe (this module is the pure part; build-gettext-corpus.ts downloads, verifies and extracts):
 *  1. catalogs: every `.../locale/<lang>/LC_MESSAGES/*.mo` and LibreOffice's
 *     `.../resource/<lang>/LC_MESSAGES/*.mo` whose locale directory is exactly one of the six codes
 *     (regional variants such as fr_CA are left out), processed in the order of (package file name,
 *     path) so that the first occurrence of a sentence is the same on every build;
 *  2. entries: the singular msgid and msgstr[0] (mo-file.ts; the header and empty translations are
 *     skipped; the context only disambiguates, it is not text);
 *  3. both sides cleaned (text-cleaning.ts), kept when they differ and have 3 to 50 words;
 *  4. per language, deduplicated by cleaned source: the first occurrence wins;
 *  5. the six-way set: the English sources present in all six languages, each with its six targets;
 *  6. every pair goes to train/valid/test by a hash of its cleaned source (parallel-split.ts), so an
 *     English sentence lands in the same split for every language;
 *  7. files, rows sorted by source (UTF-16 code-unit order): `en-<lang>.<split>.tsv` (source TAB
 *     target) and `six-way.<split>.tsv` (en fr de nl pl cs ru), UTF-8, one pair per line; cleaned text
 *     holds no tab or newline. A manifest.json records the packages, yields and each file's sha256;
 *     its `fingerprint` is the sha256 of the sorted (file, sha256) list. Nothing in it depends on time
 *     or machine, so a rebuild is byte-identical.
 * Licences: the catalogs carry their packages' licences (mostly GPL/LGPL/MPL); the manifest keeps the
 * package and version of every catalog used, and the corpus is built, never committed.
 */
import { createHash } from 'node:crypto';
import type { Dataset, Profile } from '../../engine/contract.ts';
import type { MoCatalog } from './mo-file.ts';
import { cleanMessage, keepPair } from './text-cleaning.ts';
import { SPLITS, splitOf, type SplitFractions, DEFAULT_FRACTIONS, type SplitName } from './parallel-split.ts';
import type { ParallelSplit } from '../metrics/baselines.ts';

export const GETTEXT_LANGUAGES = ['fr', 'de', 'nl', 'pl', 'cs', 'ru'] as const;
export type GettextLanguage = (typeof GETTEXT_LANGUAGES)[number];
/** Languages of the comparison by origin: Germanic (similar to English) and Slavic (different). */
export const SIMILAR_ORIGIN: readonly GettextLanguage[] = ['de', 'nl'];
export const DIFFERENT_ORIGIN: readonly GettextLanguage[] = ['pl', 'cs', 'ru'];

/** Where the build writes, relative to the repository root (git-ignored). */
export const GETTEXT_DIR = 'data/gettext';
export const CORPUS_DIR = `${GETTEXT_DIR}/corpus`;
export const RECIPE_VERSION = 1;

export interface CatalogFile {
  /** The .deb file name it came from (package, version, architecture). */
  deb: string;
  /** Path inside the package. */
  path: string;
  lang: GettextLanguage;
  catalog: MoCatalog;
}

/** The language of a catalog path, or undefined when the path is not one the recipe uses. */
export function catalogLanguage(path: string): GettextLanguage | undefined {
  const m = /(?:^|\/)(?:locale|resource)\/([^/]+)\/LC_MESSAGES\/[^/]+\.mo$/.exec(path);
  if (!m) return undefined;
  return (GETTEXT_LANGUAGES as readonly string[]).includes(m[1]) ? (m[1] as GettextLanguage) : undefined;
}

export interface PairRow {
  source: string;
  target: string;
}

export interface GettextCorpus {
  /** Per language, the deduplicated pairs sorted by source. */
  pairs: Record<GettextLanguage, PairRow[]>;
  /** English sources translated into all six languages, sorted, with the targets in GETTEXT_LANGUAGES order. */
  sixWay: { source: string; targets: string[] }[];
  /** Catalog files used per language: "deb path". */
  catalogs: Record<GettextLanguage, string[]>;
}

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function buildGettextCorpus(files: readonly CatalogFile[]): GettextCorpus {
  const sorted = [...files].sort((a, b) => byCodeUnits(a.deb, b.deb) || byCodeUnits(a.path, b.path));
  const maps = Object.fromEntries(GETTEXT_LANGUAGES.map((l) => [l, new Map<string, string>()])) as Record<GettextLanguage, Map<string, string>>;
  const catalogs = Object.fromEntries(GETTEXT_LANGUAGES.map((l) => [l, [] as string[]])) as Record<GettextLanguage, string[]>;
  for (const f of sorted) {
    catalogs[f.lang].push(`${f.deb} ${f.path}`);
    const map = maps[f.lang];
    for (const e of f.catalog.entries) {
      const tgtRaw = e.msgstr[0] ?? '';
      if (e.msgid === '' || tgtRaw === '') continue;
      const source = cleanMessage(e.msgid);
      const target = cleanMessage(tgtRaw);
      if (!keepPair(source, target) || map.has(source)) continue;
      map.set(source, target);
    }
  }
  const pairs = Object.fromEntries(
    GETTEXT_LANGUAGES.map((l) => [l, [...maps[l].keys()].sort(byCodeUnits).map((s) => ({ source: s, target: maps[l].get(s)! }))]),
  ) as Record<GettextLanguage, PairRow[]>;
  const sixWay = pairs.fr
    .filter((p) => GETTEXT_LANGUAGES.every((l) => maps[l].has(p.source)))
    .map((p) => ({ source: p.source, targets: GETTEXT_LANGUAGES.map((l) => maps[l].get(p.source)!) }));
  return { pairs, sixWay, catalogs };
}

export const pairFile = (lang: GettextLanguage, split: SplitName): string => `en-${lang}.${split}.tsv`;
export const sixWayFile = (split: SplitName): string => `six-way.${split}.tsv`;

/** The corpus as files (name -> content), plus manifest.json. */
export function corpusFiles(
  corpus: GettextCorpus,
  packages: readonly { file: string; sha256: string }[],
  fractions: SplitFractions = DEFAULT_FRACTIONS,
): Map<string, string> {
  const out = new Map<string, string>();
  const rows = (lines: string[][]) => lines.map((cols) => `${cols.join('\t')}\n`).join('');
  const yields: Record<string, Record<string, number>> = {};
  for (const lang of GETTEXT_LANGUAGES) {
    yields[`en-${lang}`] = { all: corpus.pairs[lang].length };
    for (const split of SPLITS) {
      const part = corpus.pairs[lang].filter((p) => splitOf(p.source, fractions) === split);
      yields[`en-${lang}`][split] = part.length;
      out.set(pairFile(lang, split), rows(part.map((p) => [p.source, p.target])));
    }
  }
  yields['six-way'] = { all: corpus.sixWay.length };
  for (const split of SPLITS) {
    const part = corpus.sixWay.filter((p) => splitOf(p.source, fractions) === split);
    yields['six-way'][split] = part.length;
    out.set(sixWayFile(split), rows(part.map((p) => [p.source, ...p.targets])));
  }
  const files = [...out.entries()]
    .map(([name, text]) => ({ name, sha256: createHash('sha256').update(text, 'utf8').digest('hex') }))
    .sort((a, b) => byCodeUnits(a.name, b.name));
  const fingerprint = createHash('sha256').update(files.map((f) => `${f.name} ${f.sha256}\n`).join('')).digest('hex');
  const manifest = {
    recipe: RECIPE_VERSION,
    fingerprint,
    splitBasisPoints: { valid: fractions.validBp, test: fractions.testBp },
    sixWayColumns: ['en', ...GETTEXT_LANGUAGES],
    yields,
    files,
    packages,
    catalogs: corpus.catalogs,
  };
  out.set('manifest.json', `${JSON.stringify(manifest, null, 1)}\n`);
  return out;
}

/** Parse a TSV of `columns` fields per line; errors name the file, the line and what is wrong. */
export function parseTsv(text: string, name: string, columns: number): string[][] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line, i) => {
    const cols = line.split('\t');
    if (cols.length !== columns) throw new Error(`${name}:${i + 1}: ${cols.length} tab-separated fields, expected ${columns}`);
    cols.forEach((c, k) => {
      if (c === '') throw new Error(`${name}:${i + 1}: field ${k + 1} is empty`);
    });
    return cols;
  });
}

export type ReadFile = (path: string) => Promise<Buffer>;

const notBuilt = (path: string) =>
  new Error(`${path} is missing: build the local translation corpus with \`make data\` (node --import tsx experiments/data/build-gettext-corpus.ts)`);

async function readCorpusFile(read: ReadFile, path: string): Promise<string> {
  try {
    return (await read(path)).toString('utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw notBuilt(path);
    throw e;
  }
}

/** The three splits of en-<lang>, read through `read` (the engine's DataAccess.read, or fs). */
export async function loadGettextPair(lang: GettextLanguage, read: ReadFile, dir = CORPUS_DIR): Promise<Record<SplitName, ParallelSplit>> {
  const out = {} as Record<SplitName, ParallelSplit>;
  for (const split of SPLITS) {
    const path = `${dir}/${pairFile(lang, split)}`;
    const rows = parseTsv(await readCorpusFile(read, path), path, 2);
    out[split] = { source: rows.map((r) => r[0]), target: rows.map((r) => r[1]) };
  }
  return out;
}

/** The six-way set: per split, the English sources and, per language, the targets. */
export async function loadSixWay(
  read: ReadFile,
  dir = CORPUS_DIR,
): Promise<Record<SplitName, { source: string[]; targets: Record<GettextLanguage, string[]> }>> {
  const out = {} as Record<SplitName, { source: string[]; targets: Record<GettextLanguage, string[]> }>;
  for (const split of SPLITS) {
    const path = `${dir}/${sixWayFile(split)}`;
    const rows = parseTsv(await readCorpusFile(read, path), path, 1 + GETTEXT_LANGUAGES.length);
    out[split] = {
      source: rows.map((r) => r[0]),
      targets: Object.fromEntries(GETTEXT_LANGUAGES.map((l, k) => [l, rows.map((r) => r[k + 1])])) as Record<GettextLanguage, string[]>,
    };
  }
  return out;
}

const SOURCE_NOTE =
  'gettext catalogs of 25 Debian 12 packages (pinned versions and sha256 in experiments/data/gettext-corpus-debs.sha256; ' +
  'mostly GPL/LGPL/MPL), built by `make data`';

/** The en-<lang> corpus as an engine data set: its three split files under the local profile. */
export function gettextPairDataset(lang: GettextLanguage): Dataset {
  return {
    id: `gettext-en-${lang}`,
    title: `Debian gettext messages, English-${lang}`,
    source: SOURCE_NOTE,
    files: (profile: Profile) => (profile === 'local' ? SPLITS.map((s) => `${CORPUS_DIR}/${pairFile(lang, s)}`) : []),
  };
}

/** The six-way set as an engine data set. */
export const gettextSixWayDataset: Dataset = {
  id: 'gettext-six-way',
  title: 'Debian gettext messages, the same English sources in fr, de, nl, pl, cs and ru',
  source: SOURCE_NOTE,
  files: (profile: Profile) => (profile === 'local' ? SPLITS.map((s) => `${CORPUS_DIR}/${sixWayFile(s)}`) : []),
};
