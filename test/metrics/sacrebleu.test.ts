/**
 * Agreement with sacreBLEU 2.6.0 itself on 40 generated corpora (1-25 segments, 1-3 references,
 * punctuation, entities, Cyrillic, astral letters, Python-only whitespace, empty segments). The
 * expected numbers were computed by sacreBLEU (fixtures/make-sacrebleu-vectors.py says how), not by
 * this project's code.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BLEU, CHRF, corpusBleu, corpusChrf } from '../../experiments/metrics/bleu.ts';
import { pairedBootstrap } from '../../experiments/metrics/significance.ts';

interface Case {
  hypotheses: string[];
  references: string[][];
  bleu: { score: number; counts: number[]; totals: number[]; sys_len: number; ref_len: number; precisions: number[]; bp: number };
  chrf: number;
  bleu_signature: string;
  chrf_signature: string;
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/sacrebleu-vectors.json', import.meta.url), 'utf8')) as { sacrebleu: string; cases: Case[] };

describe('agreement with sacreBLEU', () => {
  it('uses the version the fixture was made with', () => {
    expect(fixture.sacrebleu).toBe('2.6.0');
    expect(fixture.cases.length).toBe(40);
  });
  fixture.cases.forEach((c, i) => {
    it(`corpus ${i}: ${c.hypotheses.length} segments, ${c.references.length} reference(s)`, () => {
      const b = corpusBleu(c.hypotheses, c.references);
      expect(Math.abs(b.score - c.bleu.score)).toBeLessThan(1e-9);
      expect(b.counts).toEqual(c.bleu.counts);
      expect(b.totals).toEqual(c.bleu.totals);
      expect([b.sysLen, b.refLen]).toEqual([c.bleu.sys_len, c.bleu.ref_len]);
      b.precisions.forEach((p, k) => expect(Math.abs(p - c.bleu.precisions[k])).toBeLessThan(1e-9));
      expect(Math.abs(b.bp - c.bleu.bp)).toBeLessThan(1e-12);
      expect(b.signature).toBe(c.bleu_signature);
      const f = corpusChrf(c.hypotheses, c.references);
      expect(Math.abs(f.score - c.chrf)).toBeLessThan(1e-9);
      expect(f.signature).toBe(c.chrf_signature);
    });
  });
});

interface PairedCase {
  references: string[][];
  baseline: string[];
  system: string[];
  bleu: { baseline: { score: number; mean: number; ci: number }; system: { score: number; mean: number; ci: number; p_value: number } };
  chrf: PairedCase['bleu'];
}
const paired = fixture as unknown as { paired_indices: number[]; paired: PairedCase[] };

describe('paired bootstrap against sacreBLEU --paired-bs (its numpy draws replayed)', () => {
  const indices = Int32Array.from(paired.paired_indices);
  paired.paired.forEach((c, i) => {
    it(`comparison ${i}`, () => {
      for (const [metric, want] of [[BLEU, c.bleu], [CHRF, c.chrf]] as const) {
        const r = pairedBootstrap(metric, c.system, c.baseline, c.references, { indices });
        expect(Math.abs(r.system.score - want.system.score)).toBeLessThan(1e-9);
        expect(Math.abs(r.baseline.score - want.baseline.score)).toBeLessThan(1e-9);
        expect(r.pValue).toBe(want.system.p_value);
        // sacreBLEU sums resampled statistics in float32, so its resampled scores differ in the 7th digit
        expect(Math.abs(r.system.mean - want.system.mean)).toBeLessThan(1e-4);
        expect(Math.abs(r.system.ci - want.system.ci)).toBeLessThan(1e-4);
        expect(Math.abs(r.baseline.mean - want.baseline.mean)).toBeLessThan(1e-4);
        expect(Math.abs(r.baseline.ci - want.baseline.ci)).toBeLessThan(1e-4);
      }
    });
  });
});
