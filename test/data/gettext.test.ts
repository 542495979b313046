import { describe, expect, it } from 'vitest';
import { parseMo, writeMo } from '../../experiments/data/mo-file.ts';
import { cleanMessage, keepPair } from '../../experiments/data/text-cleaning.ts';
import { sourceBucket, splitOf, splitBySource } from '../../experiments/data/parallel-split.ts';
import { parseDebPins, verifyDeb, sha256Hex } from '../../experiments/data/deb-pins.ts';
import {
  buildGettextCorpus, catalogLanguage, corpusFiles, gettextPairDataset, loadGettextPair, parseTsv, type CatalogFile,
} from '../../experiments/data/gettext-corpus.ts';
import { readFileSync } from 'node:fs';

describe('.mo reader', () => {
  const entries = [
    { msgid: 'Open the file', msgstr: ['Ouvrir le fichier'] },
    { context: 'menu', msgid: 'File', msgstr: ['Fichier'] },
    { msgid: 'One file', msgidPlural: '%d files', msgstr: ['Un fichier', '%d fichiers'] },
  ];
  it('reads both byte orders, contexts and plural forms', () => {
    for (const littleEndian of [true, false]) {
      const cat = parseMo(writeMo(entries, { littleEndian }), 'x.mo');
      expect(cat.charset).toBe('utf-8');
      expect(cat.entries).toEqual(entries);
      expect(cat.header).toMatch(/charset=UTF-8/);
    }
  });
  it('decodes the charset the header names', () => {
    // ISO-8859-2 0xB1 is ą; KOI8-R 0xC1 is а
    const latin2 = writeMo([{ msgid: 'x', msgstr: ['\u0000'] }], { charset: 'ISO-8859-2', encode: (s) => Uint8Array.from(s, (c) => (c === '\u0000' ? 0xb1 : c.charCodeAt(0))) });
    expect(parseMo(latin2, 'pl.mo').entries[0].msgstr).toEqual(['ą']);
    const koi = writeMo([{ msgid: 'a', msgstr: ['\u0000'] }], { charset: 'KOI8-R', encode: (s) => Uint8Array.from(s, (c) => (c === '\u0000' ? 0xc1 : c.charCodeAt(0))) });
    expect(parseMo(koi, 'ru.mo').entries[0].msgstr).toEqual(['а']);
  });
  it('fails naming the file on bad input', () => {
    expect(() => parseMo(new Uint8Array(40), 'bad.mo')).toThrow(/bad\.mo: not a \.mo file/);
    expect(() => parseMo(new Uint8Array(3), 'short.mo')).toThrow(/short\.mo: 3 bytes/);
    const good = writeMo(entries);
    expect(() => parseMo(good.subarray(0, 60), 'cut.mo')).toThrow(/cut\.mo: string \d+ .* runs past the end/);
  });
});

describe('message cleaning', () => {
  it('strips markup and decodes entities, in that order', () => {
    expect(cleanMessage('<b>Bold</b> &amp; <i>italic</i> text')).toBe('Bold & italic text');
    expect(cleanMessage('Use &lt;b&gt; for bold')).toBe('Use <b> for bold');
    expect(cleanMessage('caf&#233; &#x263A;')).toBe('café ☺');
  });
  it('strips printf, GCC and brace placeholders and the quotes they leave empty', () => {
    expect(cleanMessage('Cannot open %s: %d errors')).toBe('Cannot open : errors');
    expect(cleanMessage('%1$s of %2$s, %-10s %lu %.*s %5.2f')).toBe('of ,');
    expect(cleanMessage('value %(name)s is %<PRId64> bytes')).toBe('value is bytes');
    expect(cleanMessage('%<%s%> is not a %qs in %qE at %L')).toBe('is not a in at');
    expect(cleanMessage("file '%s' and \"%s\" and « %s » gone")).toBe('file and and gone');
    expect(cleanMessage('Hello {0}, {name} and ${var}')).toBe('Hello , and');
    expect(cleanMessage('50% off')).toBe('50% off');
    expect(cleanMessage("%'d. odkaz na soubor")).toBe('. odkaz na soubor');
  });
  it('strips keyboard accelerators', () => {
    expect(cleanMessage('_File')).toBe('File');
    expect(cleanMessage('Ou_vrir le fichier')).toBe('Ouvrir le fichier');
    expect(cleanMessage('&Open ~Save')).toBe('Open Save');
    expect(cleanMessage('ファイル(_F)')).toBe('ファイル');
    expect(cleanMessage('Tom & Jerry')).toBe('Tom & Jerry');
  });
  it('collapses whitespace', () => {
    expect(cleanMessage('  a\tb\n\nc  ')).toBe('a b c');
  });
  it('keeps pairs of 3 to 50 words that differ', () => {
    expect(keepPair('open the file', 'ouvrir le fichier')).toBe(true);
    expect(keepPair('open file', 'ouvrir le fichier')).toBe(false);
    expect(keepPair('a b c', 'a b c')).toBe(false);
    expect(keepPair(Array(51).fill('w').join(' '), 'x y z')).toBe(false);
    expect(keepPair(Array(50).fill('w').join(' '), 'x y z')).toBe(true);
  });
});

describe('split by source hash', () => {
  it('is a function of the source alone', () => {
    // sha256('abc') = ba7816bf...: 0xba7816bf = 3128432319, mod 10,000 = 2319 -> train
    expect(sourceBucket('abc')).toBe(3128432319 % 10_000);
    expect(splitOf('abc')).toBe('train');
    expect(splitOf('abc', { validBp: 2320, testBp: 0 })).toBe('valid');
    expect(splitOf('abc', { validBp: 2000, testBp: 320 })).toBe('test');
  });
  it('puts about the stated fractions in each split', () => {
    const items = Array.from({ length: 20_000 }, (_, i) => `sentence ${i}`);
    const s = splitBySource(items, (x) => x, { validBp: 1000, testBp: 500 });
    expect(Math.abs(s.valid.length - 2000)).toBeLessThan(200);
    expect(Math.abs(s.test.length - 1000)).toBeLessThan(150);
    expect(s.train.length + s.valid.length + s.test.length).toBe(20_000);
  });
});

describe('pinned packages', () => {
  it('parses the project\'s list: 25 packages, versions with epochs decoded', () => {
    const pins = parseDebPins(readFileSync('experiments/data/gettext-corpus-debs.sha256', 'utf8'), 'list');
    expect(pins).toHaveLength(25);
    expect(pins.find((p) => p.pkg === 'git')).toMatchObject({ version: '1:2.39.5-0+deb12u3', file: 'git_1%3a2.39.5-0+deb12u3_amd64.deb' });
  });
  it('names a missing or mismatching package', () => {
    const bytes = new TextEncoder().encode('deb');
    const pin = { file: 'x_1.0_all.deb', pkg: 'x', version: '1.0', sha256: sha256Hex(bytes) };
    expect(() => verifyDeb(pin, bytes)).not.toThrow();
    expect(() => verifyDeb(pin, undefined)).toThrow(/package x=1\.0 \(x_1\.0_all\.deb\) is missing/);
    expect(() => verifyDeb(pin, new Uint8Array(1))).toThrow(/package x=1\.0 .*: sha256 [0-9a-f]{64}, expected/);
    expect(() => parseDebPins('nonsense\n', 'l.sha256')).toThrow(/l\.sha256:1: expected/);
  });
});

describe('gettext corpus', () => {
  const cat = (deb: string, path: string, lang: 'fr' | 'de' | 'nl' | 'pl' | 'cs' | 'ru', pairs: [string, string][]): CatalogFile => ({
    deb, path, lang, catalog: { charset: 'utf-8', header: '', entries: pairs.map(([msgid, s]) => ({ msgid, msgstr: [s] })) },
  });
  it('selects catalogs by exact locale directory', () => {
    expect(catalogLanguage('usr/share/locale/fr/LC_MESSAGES/gtk30.mo')).toBe('fr');
    expect(catalogLanguage('usr/lib/libreoffice/program/resource/ru/LC_MESSAGES/sw.mo')).toBe('ru');
    expect(catalogLanguage('usr/share/locale/fr_CA/LC_MESSAGES/x.mo')).toBeUndefined();
    expect(catalogLanguage('usr/share/locale/fr/LC_TIME/coreutils.mo')).toBeUndefined();
    expect(catalogLanguage('usr/share/locale/es/LC_MESSAGES/x.mo')).toBeUndefined();
  });
  it('cleans, filters, keeps the first occurrence in sorted catalog order, and builds the six-way set', () => {
    const all = ['fr', 'de', 'nl', 'pl', 'cs', 'ru'] as const;
    const files: CatalogFile[] = [
      // 'b.deb' sorts after 'a.deb': its translation of 'Open the _file' loses
      cat('b.deb', 'l/fr/LC_MESSAGES/x.mo', 'fr', [['Open the _file', 'DEUXIÈME'], ['Save the file now', 'Enregistrer le fichier']]),
      cat('a.deb', 'l/fr/LC_MESSAGES/x.mo', 'fr', [['Open the _file', 'Ouvrir le _fichier'], ['Too short', 'Trop court'], ['same same same', 'same same same'], ['Skip empty one', '']]),
      ...all.filter((l) => l !== 'fr').map((l) => cat('a.deb', `l/${l}/LC_MESSAGES/x.mo`, l, [['Open the file', `${l} ${l} ${l}`]])),
    ];
    const c = buildGettextCorpus(files);
    expect(c.pairs.fr).toEqual([
      { source: 'Open the file', target: 'Ouvrir le fichier' },
      { source: 'Save the file now', target: 'Enregistrer le fichier' },
    ]);
    expect(c.sixWay).toEqual([{ source: 'Open the file', targets: ['Ouvrir le fichier', ...all.slice(1).map((l) => `${l} ${l} ${l}`)] }]);
    // the file set is deterministic and fingerprinted
    const a = corpusFiles(c, [{ file: 'a.deb', sha256: '0'.repeat(64) }]);
    const b = corpusFiles(buildGettextCorpus([...files].reverse()), [{ file: 'a.deb', sha256: '0'.repeat(64) }]);
    expect([...a.entries()]).toEqual([...b.entries()]);
    const manifest = JSON.parse(a.get('manifest.json')!);
    expect(manifest.yields['en-fr'].all).toBe(2);
    expect(manifest.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });
  it('loads the split files through a read function, and says how to build them when missing', async () => {
    const c = buildGettextCorpus([cat('a.deb', 'l/de/LC_MESSAGES/x.mo', 'de', [['Open the file', 'Datei jetzt öffnen']])]);
    const files = corpusFiles(c, []);
    const read = async (p: string) => {
      const t = files.get(p.split('/').pop()!);
      if (t === undefined) throw Object.assign(new Error('no'), { code: 'ENOENT' });
      return Buffer.from(t);
    };
    const splits = await loadGettextPair('de', read, 'mem');
    const all = [...splits.train.source, ...splits.valid.source, ...splits.test.source];
    expect(all).toEqual(['Open the file']);
    await expect(loadGettextPair('fr', async () => { throw Object.assign(new Error('x'), { code: 'ENOENT' }); })).rejects.toThrow(/en-fr\.train\.tsv is missing: build .*make data/);
    expect(gettextPairDataset('fr').files('local')).toEqual(['data/gettext/corpus/en-fr.train.tsv', 'data/gettext/corpus/en-fr.valid.tsv', 'data/gettext/corpus/en-fr.test.tsv']);
    expect(gettextPairDataset('fr').files('smoke')).toEqual([]);
  });
  it('names the file and line of a malformed TSV row', () => {
    expect(() => parseTsv('a\tb\nc\n', 'x.tsv', 2)).toThrow(/x\.tsv:2: 1 tab-separated fields, expected 2/);
    expect(() => parseTsv('a\t\n', 'x.tsv', 2)).toThrow(/x\.tsv:1: field 2 is empty/);
  });
});
