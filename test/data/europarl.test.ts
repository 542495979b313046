import { describe, expect, it } from 'vitest';
import { europarlDataset, europarlPairs, loadEuroparl } from '../../experiments/data/europarl.ts';
import { europarlFixtureFiles, smokeTranslationData, toyTranslate } from '../../experiments/data/translation-fixture.ts';

const enoent = () => Object.assign(new Error('no such file'), { code: 'ENOENT' });

describe('Europarl v7 loader', () => {
  it('reads a generated fixture in the release format: drops failed alignments and markup, collapses spaces', async () => {
    const fx = europarlFixtureFiles(300, 4);
    const files: Record<string, string> = {
      'd/europarl-v7.fr-en.en': fx.en,
      'd/europarl-v7.fr-en.fr': fx.other,
    };
    const read = async (p: string) => {
      if (!(p in files)) throw enoent();
      return Buffer.from(files[p]);
    };
    const splits = await loadEuroparl('fr', read, { dir: 'd', fractions: { validBp: 1000, testBp: 1000 } });
    const got = [...splits.train.source.map((s, i) => [s, splits.train.target[i]]), ...splits.valid.source.map((s, i) => [s, splits.valid.target[i]]), ...splits.test.source.map((s, i) => [s, splits.test.target[i]])];
    expect(got.length).toBe(300);
    expect(new Set(got.map(([s, t]) => `${s}\t${t}`))).toEqual(new Set(fx.pairs.map((p) => `${p.source}\t${p.target}`)));
    expect(splits.valid.source.length).toBeGreaterThan(10);
    // the same call gives the same splits
    expect(await loadEuroparl('fr', read, { dir: 'd', fractions: { validBp: 1000, testBp: 1000 } })).toEqual(splits);
  });
  it('drops over-long and badly proportioned pairs', () => {
    const long = Array(81).fill('w').join(' ');
    const pairs = europarlPairs(`${long}\none two three four five six seven eight nine ten\nok fine\n`, `x\ny\nbien bon\n`, { en: 'a.en', other: 'a.fr' });
    expect(pairs).toEqual([{ source: 'ok fine', target: 'bien bon' }]);
  });
  it('fails on misaligned files, naming both and their line counts', () => {
    expect(() => europarlPairs('a\nb\n', 'a\n', { en: 'x.en', other: 'x.fr' })).toThrow(/x\.en has 2 lines but x\.fr has 1/);
  });
  it('says what to download and where to put it when a file is missing', async () => {
    await expect(loadEuroparl('de', async () => { throw enoent(); })).rejects.toThrow(
      /data\/europarl\/europarl-v7\.de-en\.en is missing: download https:\/\/www\.statmt\.org\/europarl\/v7\/de-en\.tgz and extract europarl-v7\.de-en\.en and europarl-v7\.de-en\.de into data\/europarl\//,
    );
    expect(europarlDataset('fr').files('paper')).toEqual(['data/europarl/europarl-v7.fr-en.en', 'data/europarl/europarl-v7.fr-en.fr']);
    expect(europarlDataset('fr').files('local')).toEqual([]);
  });
});

describe('smoke fixture', () => {
  it('translates word by word and puts adjectives after nouns', () => {
    expect(toyTranslate('the red house is big')).toBe('le maison rouge est grand');
    expect(toyTranslate('a dog sees the old cat')).toBe('un chien voit le chat vieux');
  });
  it('is seeded, deduplicated and split by source', () => {
    const a = smokeTranslationData({ seed: 1 });
    expect(smokeTranslationData({ seed: 1 })).toEqual(a);
    expect(smokeTranslationData({ seed: 2 })).not.toEqual(a);
    const all = [...a.train.source, ...a.valid.source, ...a.test.source];
    expect(all.length).toBe(400);
    expect(new Set(all).size).toBe(400);
    expect(a.test.source.length).toBeGreaterThan(15);
    a.test.source.forEach((s, i) => expect(a.test.target[i]).toBe(toyTranslate(s)));
  });
});
