/**
 * The parallel data of the translation study, per profile, through the engine's declared data sets:
 * - smoke: the generated toy pair of translation-fixture.ts (no files);
 * - local: the Debian gettext corpus (`make data`), either a whole en-<lang> pair or, for the
 *   comparison across languages, the six-way set (the same English sources in every language);
 * - paper: Europarl v7 en-<lang> (Russian has none: the paper profile's language comparison is
 *   the five Europarl pairs, which do not share their English sides).
 */
import type { DataAccess, Dataset, Profile } from '../../engine/contract.ts';
import type { ParallelSplit } from '../metrics/baselines.ts';
import { CORPUS_DIR, GETTEXT_LANGUAGES, gettextPairDataset, gettextSixWayDataset, loadGettextPair, loadSixWay, type GettextLanguage } from '../data/gettext-corpus.ts';
import { EUROPARL_LANGUAGES, europarlDataset, loadEuroparl, type EuroparlLanguage } from '../data/europarl.ts';
import { smokeTranslationData } from '../data/translation-fixture.ts';
import type { SplitName } from '../data/parallel-split.ts';

export type CorpusKind = 'pair' | 'six-way';
export type Splits = Record<SplitName, ParallelSplit>;

export function isLanguage(lang: string): lang is GettextLanguage {
  return (GETTEXT_LANGUAGES as readonly string[]).includes(lang);
}

/** Every data set a translation experiment may read (the engine fingerprints those of the profile). */
export function translationDatasets(languages: readonly GettextLanguage[], kind: CorpusKind): Dataset[] {
  const out: Dataset[] = languages.map((l) => gettextPairDataset(l));
  if (kind === 'six-way') out.push(gettextSixWayDataset);
  for (const l of languages) if ((EUROPARL_LANGUAGES as readonly string[]).includes(l)) out.push(europarlDataset(l as EuroparlLanguage));
  return out;
}

/** The training, validation and test splits of English-`lang` for this profile. */
export async function loadSplits(profile: Profile, lang: string, kind: CorpusKind, data: DataAccess): Promise<Splits> {
  if (!isLanguage(lang)) throw new Error(`translation: unknown language '${lang}' (expected one of ${GETTEXT_LANGUAGES.join(', ')})`);
  if (profile === 'smoke') return smokeTranslationData({ pairs: 400, seed: GETTEXT_LANGUAGES.indexOf(lang) });
  if (profile === 'paper') {
    if (!(EUROPARL_LANGUAGES as readonly string[]).includes(lang)) throw new Error(`translation: Europarl v7 has no English-${lang} corpus (paper profile)`);
    const ds = europarlDataset(lang as EuroparlLanguage);
    return loadEuroparl(lang as EuroparlLanguage, (p) => data.read(ds.id, p));
  }
  if (kind === 'pair') {
    const ds = gettextPairDataset(lang);
    return loadGettextPair(lang, (p) => data.read(ds.id, p), CORPUS_DIR);
  }
  const six = await loadSixWay((p) => data.read(gettextSixWayDataset.id, p), CORPUS_DIR);
  const pick = (s: SplitName): ParallelSplit => ({ source: six[s].source, target: six[s].targets[lang] });
  return { train: pick('train'), valid: pick('valid'), test: pick('test') };
}
