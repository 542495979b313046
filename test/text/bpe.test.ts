import { describe, expect, it } from 'vitest';
import { Bpe, BOS, EOS, PAD, SEP, UNK, normalize, pretokenize, trainBpe } from '../../experiments/text/bpe.ts';
import { smokeTranslationData } from '../../experiments/data/translation-fixture.ts';

describe('pre-tokenisation', () => {
  it('cuts letter/digit runs and single symbols, each with its leading space', () => {
    expect(pretokenize('Open the file.')).toEqual(['Open', ' the', ' file', '.']);
    expect(pretokenize("l'été  2024 (ok)")).toEqual(['l', "'", 'été', ' 2024', ' (', 'ok', ')']);
    expect(pretokenize('Файл не найден')).toEqual(['Файл', ' не', ' найден']);
    expect(pretokenize('  a\tb \n')).toEqual(['a', ' b']);
    expect(normalize('  a\tb \n')).toBe('a b');
  });
});

describe('BPE training', () => {
  it('learns the hand-checked merges of a small corpus', () => {
    // pre-tokens: 'low' x5, ' low' x2 ... use words without spaces to check by hand:
    // corpus words: low x5, lower x2, newest x6, widest x3 (as separate texts)
    const texts = [...Array(5).fill('low'), ...Array(2).fill('lower'), ...Array(6).fill('newest'), ...Array(3).fill('widest')];
    // pair counts: l o 7, o w 7, w e 2+6 = 8, e r 2, n e 6, e w 6, e s 9, s t 9, w i 3, i d 3, d e 3
    // 1st: e s and s t tie at 9 -> smaller left string: 'e' < 's' -> (e, s)
    // then: es t 9 -> (es, t); then l o 7 vs o w 7 -> (l, o); then lo w 7 -> (lo, w);
    // then n e 6, e w 6 (w e is now 2 from lower + 6 from newest? newest = n e w es t: e w 6, w es 6)
    //   candidates at 6: (e, w), (n, e), (w, es): smallest left 'e' -> (e, w)
    const json = trainBpe(texts, { vocabSize: 5 + 10 + 5 });
    expect(json.alphabet).toEqual(['d', 'e', 'i', 'l', 'n', 'o', 'r', 's', 't', 'w']);
    expect(json.merges).toEqual([['e', 's'], ['es', 't'], ['l', 'o'], ['lo', 'w'], ['e', 'w']]);
  });
  it('stops when no pair occurs twice', () => {
    const json = trainBpe(['ab', 'cd'], { vocabSize: 100 });
    expect(json.merges).toEqual([]);
    expect(trainBpe(['ab', 'ab'], { vocabSize: 100 }).merges).toEqual([['a', 'b']]);
  });
  it('refuses a vocabulary smaller than specials + alphabet', () => {
    expect(() => trainBpe(['abc'], { vocabSize: 7 })).toThrow(/vocabSize 7 is below the 5 special tokens \+ 3 characters .* \(8\)/);
  });
  it('is deterministic and independent of text order', () => {
    const d = smokeTranslationData({ seed: 3 });
    const texts = [...d.train.source, ...d.train.target];
    const a = trainBpe(texts, { vocabSize: 200 });
    expect(trainBpe([...texts].reverse(), { vocabSize: 200 })).toEqual(a);
  });
});

describe('BPE encode / decode', () => {
  const d = smokeTranslationData({ seed: 5 });
  const bpe = Bpe.train([...d.train.source, ...d.train.target], { vocabSize: 150 });
  it('has the special tokens first', () => {
    expect([PAD, BOS, EOS, SEP, UNK]).toEqual([0, 1, 2, 3, 4]);
    expect(bpe.tokens.slice(0, 5)).toEqual(['<pad>', '<bos>', '<eos>', '<sep>', '<unk>']);
    expect(bpe.vocabSize).toBe(150);
  });
  it('round-trips every normalised text exactly, and compresses', () => {
    let tokens = 0;
    let chars = 0;
    for (const t of [...d.test.source, ...d.test.target]) {
      const ids = bpe.encode(t);
      expect(bpe.decode(ids)).toBe(normalize(t));
      tokens += ids.length;
      chars += t.length;
    }
    expect(tokens).toBeLessThan(chars / 2);
  });
  it('encodes training words as training segmented them', () => {
    // 'es' + 't' merges of the hand corpus: 'newest' ends in the token 'est'
    const small = Bpe.train(['low', 'low', 'newest', 'newest', 'newest'], { vocabSize: 30 });
    expect(small.decode(small.encode('newest'))).toBe('newest');
    expect(small.encode('newest')).toEqual([small.tokenToId('newest')]);
  });
  it('maps unknown characters to <unk>, decoded as U+FFFD, and skips other specials', () => {
    const ids = bpe.encode('the Ω cat');
    expect(ids).toContain(UNK);
    expect(bpe.decode([BOS, ...bpe.encode('the cat'), EOS, PAD])).toBe('the cat');
    expect(bpe.decode(ids)).toBe('the \ufffd cat');
    expect(() => bpe.decode([9999])).toThrow(/id 9999 outside the vocabulary/);
  });
  it('serialises to JSON and back with identical ids', () => {
    const again = Bpe.fromJSON(JSON.parse(JSON.stringify(bpe.toJSON())));
    for (const t of d.valid.target) expect(again.encode(t)).toEqual(bpe.encode(t));
    expect(() => Bpe.fromJSON({ format: 'bpe-v1', specials: ['<pad>'], alphabet: [], merges: [] })).toThrow(/special tokens/);
    expect(() => Bpe.fromJSON({ ...bpe.toJSON(), merges: [['q', 'zz']] })).toThrow(/merge 0 .* not defined/);
  });
});
