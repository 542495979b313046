/**
 * Test vectors for sacreBLEU-exact BLEU and chrF. Every expected value is worked out by hand in the
 * comments (n-gram by n-gram) and written as plain arithmetic, never by calling the code under test.
 */
import { describe, expect, it } from 'vitest';
import { BLEU, CHRF, corpusBleu, corpusChrf } from '../../experiments/metrics/bleu.ts';
import { tokenize13a } from '../../experiments/metrics/tokenize-13a.ts';
import { pyRstrip, pySplit } from '../../experiments/metrics/python-text.ts';

const TOL = 1e-9;
const close = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThan(TOL);
/** 100 * geometric mean of four precisions given as fractions. */
const bleu4 = (p: number[], bp = 1) => bp * Math.exp(p.reduce((s, x) => s + Math.log(100 * x), 0) / 4);

describe('Python whitespace', () => {
  it('splits on the separators and next-line characters that JavaScript\'s \\s misses', () => {
    expect(pySplit('a\x1cb\x1dc\x1ed\x1fe\x85f\u2028g\u2029h\u3000i\xa0j')).toEqual('abcdefghij'.split(''));
    // U+FEFF is whitespace to JavaScript, not to Python
    expect(pySplit('a\ufeffb c')).toEqual(['a\ufeffb', 'c']);
    expect(pySplit('  \t ')).toEqual([]);
    expect(pyRstrip('ab \x1f\x85\n')).toBe('ab');
    expect(pyRstrip('ab\ufeff')).toBe('ab\ufeff');
  });
});

describe('13a tokeniser', () => {
  it('separates symbols, periods and commas not beside digits, and dashes after digits', () => {
    expect(tokenize13a('Hello, world!')).toBe('Hello , world !');
    expect(tokenize13a('3.14, and 1,000.5 end.')).toBe('3.14 , and 1,000.5 end .');
    expect(tokenize13a('1-2 a-b (x) [y] {z} "q" a/b $5 50%')).toBe('1 - 2 a-b ( x ) [ y ] { z } " q " a / b $ 5 50 %');
    // the apostrophe (0x27) lies between the ranges ' '-'&' and '('-'+': it stays inside the word
    expect(tokenize13a("it's")).toBe("it's");
  });
  it('decodes the four entities only, in sacreBLEU\'s order', () => {
    expect(tokenize13a('AT&amp;T &lt;b&gt; &quot;x&quot;')).toBe('AT & T < b > " x "');
    // &amp; is decoded before &lt;, so &amp;lt; ends as <
    expect(tokenize13a('&amp;lt;')).toBe('<');
    // other entities stay, their & and ; split off as symbols
    expect(tokenize13a('&eacute;')).toBe('& eacute ;');
  });
  it('removes <skipped>, joins hyphenated line breaks and turns newlines into spaces', () => {
    expect(tokenize13a('a <skipped> b')).toBe('a b');
    expect(tokenize13a('inter-\nnational\nline')).toBe('international line');
  });
  it('collapses Python whitespace, and leaves non-Latin letters alone', () => {
    expect(tokenize13a('кошка\x1cсидит\u2028на ковре.')).toBe('кошка сидит на ковре .');
  });
});

describe('corpusBleu', () => {
  it('scores an exact match 100 and carries the signature', () => {
    const r = corpusBleu(['the cat sat on the mat'], [['the cat sat on the mat']]);
    close(r.score, 100);
    expect(r.signature).toBe('nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0');
    expect(r.counts).toEqual([6, 5, 4, 3]);
    expect(r.totals).toEqual([6, 5, 4, 3]);
  });

  it('clips counts and takes the geometric mean of the four precisions', () => {
    // hyp: the cat sat on a mat | ref: the cat sat on the mat
    // 1-grams: the cat sat on mat match (the clipped at 1 of hyp's 1), 'a' not: 5/6
    // 2-grams: the cat, cat sat, sat on match; on a, a mat not: 3/5
    // 3-grams: the cat sat, cat sat on: 2/4;  4-grams: the cat sat on: 1/3
    const r = corpusBleu(['the cat sat on a mat'], [['the cat sat on the mat']]);
    expect(r.counts).toEqual([5, 3, 2, 1]);
    expect(r.totals).toEqual([6, 5, 4, 3]);
    close(r.score, bleu4([5 / 6, 3 / 5, 2 / 4, 1 / 3]));
    close(r.precisions[0], 500 / 6);
    expect(r.bp).toBe(1);
  });

  it('clips a repeated word by its reference count', () => {
    // hyp: the the the the | ref: the cat: 1-grams 1/4 ('the' clipped to 1), no 2-, 3-, 4-gram matches.
    // sys 4 > ref 2: BP 1. exp smoothing: k = 2: p2 = 100/(2*3); k = 4: p3 = 100/(4*2); k = 8: p4 = 100/(8*1)
    const r = corpusBleu(['the the the the'], [['the cat']]);
    expect(r.counts).toEqual([1, 0, 0, 0]);
    close(r.score, Math.exp((Math.log(25) + Math.log(100 / 6) + Math.log(100 / 8) + Math.log(100 / 8)) / 4));
  });

  it('smooths a missing 4-gram match with the exp method', () => {
    // hyp: the cat sat on the mat | ref: the cat sat in the mat
    // 1: the(2) cat sat mat = 5/6; 2: the cat, cat sat, the mat = 3/5; 3: the cat sat = 1/4; 4: 0/3
    // 4-grams get k = 2: p4 = 100 / (2 * 3)
    const r = corpusBleu(['the cat sat on the mat'], [['the cat sat in the mat']]);
    expect(r.counts).toEqual([5, 3, 1, 0]);
    close(r.precisions[3], 100 / 6);
    close(r.score, Math.exp((Math.log(500 / 6) + Math.log(60) + Math.log(25) + Math.log(100 / 6)) / 4));
  });

  it('scores 0 when the corpus has no 4-grams at all (segments under 4 tokens; effective order off)', () => {
    // 'hello there' is 2 tokens: 3- and 4-gram totals are 0, the loop stops, log(0) = -9999999999
    const r = corpusBleu(['hello there'], [['hello there']]);
    expect(r.score).toBe(0);
    expect(r.precisions).toEqual([100, 100, 0, 0]);
    expect(corpusBleu(['a b c'], [['a b c']]).score).toBe(0);
  });

  it('sums statistics over segments, short ones included', () => {
    // seg 1: 'a b' vs 'a b' -> 1: 2/2, 2: 1/1; seg 2: 'w x y z' vs 'w x y q' -> 1: 3/4, 2: 2/3, 3: 1/2, 4: 0/1
    // corpus: 1: 5/6, 2: 3/4, 3: 1/2, 4: 0/1 -> p4 = 100 / (2 * 1); lengths 6 and 6
    const r = corpusBleu(['a b', 'w x y z'], [['a b', 'w x y q']]);
    expect(r.counts).toEqual([5, 3, 1, 0]);
    expect(r.totals).toEqual([6, 4, 2, 1]);
    close(r.score, Math.exp((Math.log(500 / 6) + Math.log(75) + Math.log(50) + Math.log(50)) / 4));
  });

  it('handles empty hypotheses: score 0 and BP 0 alone, a brevity penalty inside a corpus', () => {
    const alone = corpusBleu([''], [['the cat']]);
    expect([alone.score, alone.bp, alone.sysLen, alone.refLen]).toEqual([0, 0, 0, 2]);
    // seg 1 empty against 'a b' (ref length 2), seg 2 exact 6 tokens: sys 6, ref 8, all precisions 100
    const mixed = corpusBleu(['', 'the cat sat on the mat'], [['a b', 'the cat sat on the mat']]);
    close(mixed.bp, Math.exp(1 - 8 / 6));
    close(mixed.score, 100 * Math.exp(1 - 8 / 6));
  });

  it('takes clipping counts from several references and the closest reference length', () => {
    // hyp: a cat is on the mat | r1: the cat is on the mat | r2: there is a cat on the mat
    // 1-grams all six matched; 2-grams: a cat (r2), cat is, is on, on the, the mat: 5/5
    // 3-grams: cat is on, is on the, on the mat match; a cat is not: 3/4; 4-grams: cat is on the,
    // is on the mat: 2/3. Lengths 6 vs 6 and 7: closest 6, BP 1.
    const r = corpusBleu(['a cat is on the mat'], [['the cat is on the mat'], ['there is a cat on the mat']]);
    expect(r.counts).toEqual([6, 5, 3, 2]);
    close(r.score, 100 * Math.pow((3 / 4) * (2 / 3), 1 / 4));
    expect(r.signature.startsWith('nrefs:2|')).toBe(true);
    // ties in closeness go to the shorter reference: hyp 6 tokens, refs 5 and 7 -> 5 (BP 1);
    // hyp 2 tokens, refs 1 and 3 -> 1
    expect(corpusBleu(['a b c d e f'], [['a b c d e'], ['a b c d e f g']]).refLen).toBe(5);
    expect(corpusBleu(['a b'], [['a'], ['a b c']]).refLen).toBe(1);
    // hyp 5 tokens, refs 7 and 9 -> 7: BP exp(1 - 7/5)
    close(corpusBleu(['a b c d e'], [['a b c d e f g'], ['a b c d e f g h i']]).bp, Math.exp(1 - 7 / 5));
  });

  it('tokenises entities and punctuation before matching', () => {
    // hyp 'AT&amp;T rocks.' -> AT & T rocks . (5 tokens); ref 'AT&T rocks .' -> the same: 100
    close(corpusBleu(['AT&amp;T rocks.'], [['AT&T rocks .']]).score, 100);
    // without decoding, &amp; would give AT & amp ; T ...: not 100
  });

  it('works on Cyrillic', () => {
    // кошка сидит на ковре | кошка сидит на полу: 1: 3/4, 2: 2/3, 3: 1/2, 4: 0/1 -> p4 = 100/2
    const r = corpusBleu(['кошка сидит на ковре'], [['кошка сидит на полу']]);
    expect(r.counts).toEqual([3, 2, 1, 0]);
    close(r.score, Math.exp((Math.log(75) + Math.log(200 / 3) + Math.log(50) + Math.log(50)) / 4));
  });

  it('splits on Python whitespace: \\x1c-\\x1f, \\x85, \\u2028 separate words, \\ufeff does not', () => {
    // hyp tokens: the cat sat on mat (5), identical to the reference
    close(corpusBleu(['the\x1ccat\x1dsat\x85on\u2028mat\x1f'], [['the cat sat on mat']]).score, 100);
    // 'the\ufeffcat' is one token: hyp the\ufeffcat sat on mat (4) vs 5 reference tokens
    // 1: 3/4, 2: sat on, on mat 2/3, 3: sat on mat 1/2, 4: 0/1 -> p4 = 50; BP exp(1 - 5/4)
    const r = corpusBleu(['the\ufeffcat sat on mat'], [['the cat sat on mat']]);
    expect(r.sysLen).toBe(4);
    close(r.score, Math.exp(1 - 5 / 4) * Math.exp((Math.log(75) + Math.log(200 / 3) + Math.log(50) + Math.log(50)) / 4));
  });

  it('rejects mismatched streams, naming the sizes', () => {
    expect(() => corpusBleu(['a', 'b'], [['a']])).toThrow(/2 hypotheses but reference stream 0 has 1/);
    expect(() => corpusBleu(['a'], [])).toThrow(/no reference streams/);
    expect(() => corpusChrf(['a'], [['a'], ['a', 'b']])).toThrow(/reference stream 1 has 2/);
    expect(() => corpusBleu([], [[]])).toThrow(/no hypotheses/);
  });
});

describe('corpusChrf', () => {
  it('scores an exact match 100 and carries the signature', () => {
    const r = corpusChrf(['the cat'], [['the cat']]);
    close(r.score, 100);
    expect(r.signature).toBe('nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0');
  });

  it('averages precision and recall over the orders where both sides have n-grams', () => {
    // 'abc' vs 'abd': order 1: 2/3 each way; 2: ab matches of 2: 1/2; 3: abc vs abd 0/1; 4-6 absent.
    // P = R = (2/3 + 1/2 + 0) / 3 = 7/18, F = P
    close(corpusChrf(['abc'], [['abd']]).score, (100 * 7) / 18);
    // whitespace (Python's) is removed first: same character sequences
    close(corpusChrf(['a b\x1cc'], [['ab\u2028d']]).score, (100 * 7) / 18);
  });

  it('weights recall by beta = 2', () => {
    // 'ab' vs 'abcd': 1: P 2/2, R 2/4; 2: P 1/1, R 1/3; 3: no hyp n-grams (not counted); 4: same.
    // P = 1, R = (1/2 + 1/3) / 2 = 5/12; F = 5 P R / (4 P + R) = (25/12) / (53/12) = 25/53
    close(corpusChrf(['ab'], [['abcd']]).score, (100 * 25) / 53);
  });

  it('does not count hypothesis n-grams of an order the reference lacks, at the corpus level', () => {
    // seg 1 'abcd' vs 'ab': 1: hyp 4, ref 2, match 2; 2: hyp 3, ref 1, match 1; 3: the reference has no
    // 3-grams, so the hypothesis' 2 count as 0. seg 2 'xyz' vs 'xyz': 1: 3/3/3, 2: 2/2/2, 3: 1/1/1.
    // totals 1: 7/5/5, 2: 5/3/3, 3: 1/1/1 -> P = (5/7 + 3/5 + 1)/3 = 27/35, R = 1
    // F = 5 (27/35) / (4 (27/35) + 1) = 135/143
    close(corpusChrf(['abcd', 'xyz'], [['ab', 'xyz']]).score, (100 * 135) / 143);
  });

  it('scores an empty hypothesis 0', () => {
    expect(corpusChrf([''], [['abc']]).score).toBe(0);
    expect(corpusChrf(['x'], [['abc']]).score).toBe(0);
  });

  it('keeps, per segment, the reference with the best segment chrF', () => {
    // refs 'xyz' (F 0) and 'abd' (F 7/18): the second is kept
    close(corpusChrf(['abc'], [['xyz'], ['abd']]).score, (100 * 7) / 18);
    close(corpusChrf(['abc'], [['abd'], ['xyz']]).score, (100 * 7) / 18);
  });

  it('counts characters as code points (Cyrillic, astral-plane letters)', () => {
    // 'кот' vs 'кит': 1: к, т of 3: 2/3; 2: 0/2; 3: 0/1 -> P = R = (2/3)/3 = 2/9
    close(corpusChrf(['кот'], [['кит']]).score, (100 * 2) / 9);
    // '𝔸𝔹' vs '𝔸𝔸' (2 code points, 4 UTF-16 units each): 1: 1/2; 2: 0/1 -> P = R = 1/4
    close(corpusChrf(['𝔸𝔹'], [['𝔸𝔸']]).score, 25);
  });
});

describe('sufficient statistics', () => {
  it('are one row per segment, ten numbers for BLEU and eighteen for chrF', () => {
    const bleu = BLEU.segmentStats(['a b c d', 'x'], [['a b c d', 'y']]);
    expect(bleu).toEqual([[4, 4, 4, 3, 2, 1, 4, 3, 2, 1], [1, 1, 0, 0, 0, 0, 1, 0, 0, 0]]);
    const chrf = CHRF.segmentStats(['ab'], [['ab']]);
    expect(chrf).toEqual([[2, 2, 2, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]);
  });
});
