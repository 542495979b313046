import { describe, expect, it } from 'vitest';
import { BLEU, CHRF, corpusBleu } from '../../experiments/metrics/bleu.ts';
import { bootstrapCorpusScore, pairedBootstrap } from '../../experiments/metrics/significance.ts';
import { copySourceBaseline, mostFrequentTarget, mostFrequentTargetBaseline } from '../../experiments/metrics/baselines.ts';
import { Rng } from '../../experiments/models/rng.ts';

/** A synthetic test set: references of 6-10 words over a 30-word vocabulary. */
function corpus(n: number, seed: number): string[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: 6 + rng.int(5) }, () => `w${rng.int(30)}`).join(' '));
}
/** Corrupt each word with probability q (a weaker "system"). */
function corrupt(refs: string[], q: number, seed: number): string[] {
  const rng = new Rng(seed);
  return refs.map((r) => r.split(' ').map((w) => (rng.uniform() < q ? 'zz' : w)).join(' '));
}

describe('bootstrapCorpusScore', () => {
  it('has no spread when every segment is the same', () => {
    const hyps = Array(20).fill('the cat sat on a mat');
    const refs = [Array(20).fill('the cat sat on the mat')];
    const r = bootstrapCorpusScore(BLEU, hyps, refs, { seed: 1 });
    const full = corpusBleu(hyps, refs).score;
    expect(r.score).toBe(full);
    expect(Math.abs(r.mean - full)).toBeLessThan(1e-9);
    expect([r.low, r.high, r.ci]).toEqual([r.score, r.score, 0]);
    expect(r.samples).toBe(1000);
  });
  it('brackets the corpus score, is seeded, and narrows with more segments', () => {
    const refs = corpus(400, 1);
    const hyps = corrupt(refs, 0.3, 2);
    const a = bootstrapCorpusScore(CHRF, hyps, [refs], { seed: 7 });
    expect(a.low).toBeLessThan(a.score);
    expect(a.high).toBeGreaterThan(a.score);
    expect(a.ci).toBeCloseTo((a.high - a.low) / 2, 12);
    expect(bootstrapCorpusScore(CHRF, hyps, [refs], { seed: 7 })).toEqual(a);
    expect(bootstrapCorpusScore(CHRF, hyps, [refs], { seed: 8 }).low).not.toBe(a.low);
    const small = bootstrapCorpusScore(CHRF, hyps.slice(0, 25), [refs.slice(0, 25)], { seed: 7 });
    expect(small.ci).toBeGreaterThan(2 * a.ci); // sqrt(400 / 25) = 4 times narrower in theory
    expect(a.signature).toMatch(/^nrefs:1\|case:mixed\|eff:yes\|nc:6/);
  });
  it('uses sacreBLEU\'s order statistics: the (m // 40)-th from each end', () => {
    // with 40 resamples j = 1: low is the second smallest, high the second largest; check on a corpus
    // whose resampled BLEU takes few distinct values: one good segment among 3 empty ones
    const hyps = ['a b c d', '', '', ''];
    const refs = [['a b c d', 'x', 'x', 'x']];
    const r = bootstrapCorpusScore(BLEU, hyps, refs, { samples: 40, seed: 3 });
    expect(r.low).toBeGreaterThanOrEqual(0);
    expect(r.high).toBeLessThanOrEqual(100);
  });
});

describe('pairedBootstrap', () => {
  it('gives p = 1 / (m + 1) for two identical systems, as sacreBLEU does', () => {
    const refs = corpus(50, 3);
    const hyps = corrupt(refs, 0.2, 4);
    const r = pairedBootstrap(BLEU, hyps, hyps, [refs], { seed: 0 });
    expect(r.difference).toBe(0);
    expect(r.pValue).toBe(1 / 1001);
  });
  it('finds a large difference significant and a tiny one not', () => {
    const refs = corpus(300, 5);
    const good = corrupt(refs, 0.1, 6);
    const bad = corrupt(refs, 0.4, 7);
    const big = pairedBootstrap(BLEU, good, bad, [refs], { seed: 1 });
    expect(big.difference).toBeGreaterThan(10);
    expect(big.pValue).toBeLessThan(0.01);
    // the same system with two of 300 segments made worse: a difference well inside the noise
    const near = good.map((h, i) => (i < 2 ? bad[i] : h));
    const same = pairedBootstrap(BLEU, good, near, [refs], { seed: 1 });
    expect(same.difference).toBeGreaterThan(0);
    expect(same.pValue).toBeGreaterThan(0.05);
    expect(pairedBootstrap(BLEU, good, bad, [refs], { seed: 1 })).toEqual(big);
  });
  it('rejects systems of different lengths', () => {
    expect(() => pairedBootstrap(BLEU, ['a'], ['a', 'b'], [['a']])).toThrow(/1 hypotheses, the baseline 2/);
  });
});

describe('baselines', () => {
  it('copy the source scores the source against the references', () => {
    const test = { source: ['the red house is big', 'hello'], target: ['la maison rouge est grande', 'bonjour'] };
    const r = copySourceBaseline(test);
    expect(r.bleu.score).toBe(0); // no word shared
    // chrF: shared characters exist, so it is above 0
    expect(r.chrf.score).toBeGreaterThan(0);
    const same = copySourceBaseline({ source: ['Linux kernel 6.1 is out'], target: ['Linux kernel 6.1 is out'] });
    expect(same.bleu.score).toBeCloseTo(100, 9);
  });
  it('the most frequent target breaks ties by the smaller string', () => {
    expect(mostFrequentTarget({ source: ['a', 'b', 'c', 'd'], target: ['y', 'x', 'y', 'x'] })).toBe('x');
    expect(mostFrequentTarget({ source: ['a', 'b', 'c'], target: ['b', 'a', 'b'] })).toBe('b');
    const r = mostFrequentTargetBaseline(
      { source: ['1', '2', '3'], target: ['open the file now', 'open the file now', 'close it'] },
      { source: ['x', 'y'], target: ['open the file now', 'save'] },
    );
    // hyps: 'open the file now' twice; seg 1 exact (4/3/2/1 matched), seg 2 none: totals 8/6/4/2,
    // matches 4/3/2/1, sys 8, ref 4 + 1 = 5 -> BP 1
    expect(r.bleu.score).toBeCloseTo(100 * Math.pow((4 / 8) * (3 / 6) * (2 / 4) * (1 / 2), 1 / 4), 9);
  });
  it('fails on a split whose sides differ in length', () => {
    expect(() => copySourceBaseline({ source: ['a'], target: [] })).toThrow(/1 sources but 0 targets/);
  });
});
