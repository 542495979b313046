/**
 * Corpus BLEU and chrF, computed exactly as sacreBLEU 2.x does with its defaults (checked against the
 * behaviour of sacreBLEU 2.6.0; the defaults have not changed across the 2.x releases):
 * BLEU signature `nrefs:N|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0`, chrF signature
 * `nrefs:N|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0`. No npm package does this (the BLEU
 * packages there are sentence-level, whitespace-tokenised and unsmoothed), hence this module.
 *
 * Inputs follow sacreBLEU's order: `hypotheses[i]` is the system output for segment i and
 * `references[k][i]` the k-th reference of segment i (every reference stream as long as the hypotheses).
 *
 * BLEU (Papineni et al. 2002, as sacreBLEU computes it):
 *  - every hypothesis and reference is `rstrip()`-ed (Python whitespace) and tokenised with 13a
 *    (tokenize-13a.ts), then split on spaces;
 *  - per segment: the word n-grams of orders 1..4 of the hypothesis, each count clipped by its largest
 *    count in any one reference; `total[n]` = hypothesis n-grams, `correct[n]` = clipped matches; the
 *    hypothesis length, and the "closest" reference length (smallest |hyp - ref|, the shorter on ties);
 *  - the corpus sums those ten numbers over segments (`sufficient statistics`, also what the bootstrap
 *    resamples); BP = 1 if sys >= ref, else exp(1 - ref / sys), and 0 when sys = 0;
 *  - if no n-gram of any order matched, the score is 0 (precisions all 0);
 *  - otherwise, smoothing 'exp': k = 1, and for n = 1..4: stop at the first order whose total is 0 (its
 *    precision and the following stay 0); if correct[n] = 0 then k *= 2 and p[n] = 100 / (k total[n]),
 *    else p[n] = 100 correct[n] / total[n];
 *  - score = BP exp((1/4) sum_n log p[n]) with log 0 taken as -9999999999 (so a corpus without any
 *    4-gram scores 0: sacreBLEU's effective order is off by default).
 *
 * chrF (Popović 2015; chrF2 with sacreBLEU's defaults: character order 6, word order 0, beta 2):
 *  - no tokenisation: Python-whitespace is removed from the segment, then character n-grams of orders
 *    1..6 are counted over Unicode code points (not UTF-16 units);
 *  - per segment and reference, for each order: hypothesis count (0 when the reference has no n-gram
 *    of that order), reference count, and matches (the min of the two counts per n-gram, summed); with
 *    several references the statistics of the reference whose segment-level chrF is highest are kept
 *    (the first on ties);
 *  - the corpus sums those 18 numbers; for each order P = match / hyp and R = match / ref, averaged
 *    over the orders where both counts are > 0 (none: score 0);
 *    F = (1 + beta^2) P R / (beta^2 P + R) * 100, and 0 when P + R = 0.
 */
import { pyRstrip, pySplit } from './python-text.ts';
import { tokenize13a } from './tokenize-13a.ts';

/** The sacreBLEU release whose default behaviour these functions reproduce. */
export const SACREBLEU_VERSION = '2.6.0';

const MAX_ORDER = 4;
const CHAR_ORDER = 6;
const BETA = 2;

export interface BleuScore {
  score: number;
  /** Per-order precisions in percent (after smoothing), orders 1..4. */
  precisions: number[];
  bp: number;
  sysLen: number;
  refLen: number;
  /** Clipped n-gram matches per order. */
  counts: number[];
  /** Hypothesis n-grams per order. */
  totals: number[];
  signature: string;
}

export interface ChrfScore {
  score: number;
  signature: string;
}

/** A corpus metric through its per-segment sufficient statistics (what bootstrap tests resample). */
export interface CorpusMetric {
  name: 'BLEU' | 'chrF2';
  /** The statistics of every segment (one row per hypothesis), after checking the inputs. */
  segmentStats(hypotheses: readonly string[], references: readonly (readonly string[])[]): number[][];
  /** The score of summed statistics. */
  scoreOfStats(stats: readonly number[]): number;
  signature(nrefs: number): string;
}

export function checkCorpusArgs(hypotheses: readonly string[], references: readonly (readonly string[])[]): void {
  if (!Array.isArray(hypotheses) || hypotheses.length === 0) throw new Error('corpus score: no hypotheses (an empty list)');
  if (!Array.isArray(references) || references.length === 0) throw new Error('corpus score: no reference streams (references is an empty list)');
  references.forEach((stream, k) => {
    if (!Array.isArray(stream)) throw new Error(`corpus score: references[${k}] is not a list of strings (references[k][i] is the k-th reference of segment i)`);
    if (stream.length !== hypotheses.length) {
      throw new Error(`corpus score: ${hypotheses.length} hypotheses but reference stream ${k} has ${stream.length} segments`);
    }
  });
  hypotheses.forEach((h, i) => {
    if (typeof h !== 'string') throw new Error(`corpus score: hypothesis ${i} is ${typeof h}, not a string`);
  });
  for (let k = 0; k < references.length; k++) {
    const stream: readonly unknown[] = references[k];
    for (let i = 0; i < stream.length; i++) {
      const r = stream[i];
      if (typeof r !== 'string') throw new Error(`corpus score: reference ${k} of segment ${i} is ${typeof r}, not a string`);
    }
  }
}

// ----------------------------------------------------------------------------------------------
// BLEU

/** Word n-gram counts of orders 1..MAX_ORDER, keyed by the tokens joined with a space (tokens hold none). */
function wordNgrams(tokens: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (let n = 1; n <= MAX_ORDER; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      const key = `${n}|${tokens.slice(i, i + n).join(' ')}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

const bleuTokens = (s: string): string[] => pySplit(tokenize13a(pyRstrip(s)));

function closestRefLen(hypLen: number, refLens: readonly number[]): number {
  let closest = -1;
  let best = -1;
  for (const len of refLens) {
    const diff = Math.abs(hypLen - len);
    if (best === -1 || diff < best) {
      best = diff;
      closest = len;
    } else if (diff === best) {
      closest = Math.min(closest, len);
    }
  }
  return closest;
}

/** [sysLen, refLen, correct 1..4, total 1..4] of one segment. */
function bleuSegment(hyp: string, refs: readonly string[]): number[] {
  const refMax = new Map<string, number>();
  const refLens: number[] = [];
  for (const ref of refs) {
    const toks = bleuTokens(ref);
    refLens.push(toks.length);
    for (const [g, c] of wordNgrams(toks)) refMax.set(g, Math.max(refMax.get(g) ?? 0, c));
  }
  const hypToks = bleuTokens(hyp);
  const stats = new Array<number>(2 + 2 * MAX_ORDER).fill(0);
  stats[0] = hypToks.length;
  stats[1] = closestRefLen(hypToks.length, refLens);
  for (const [g, c] of wordNgrams(hypToks)) {
    const n = Number(g.slice(0, g.indexOf('|')));
    stats[2 + MAX_ORDER + n - 1] += c;
    const r = refMax.get(g);
    if (r !== undefined) stats[2 + n - 1] += Math.min(c, r);
  }
  return stats;
}

const myLog = (x: number): number => (x === 0 ? -9999999999 : Math.log(x));

/** BLEU from summed statistics (sacreBLEU's compute_bleu with smooth 'exp', effective order off). */
export function bleuFromStats(stats: readonly number[]): Omit<BleuScore, 'signature'> {
  const sysLen = stats[0];
  const refLen = stats[1];
  const counts = stats.slice(2, 2 + MAX_ORDER);
  const totals = stats.slice(2 + MAX_ORDER, 2 + 2 * MAX_ORDER);
  const bp = sysLen < refLen ? (sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0) : 1;
  const precisions = new Array<number>(MAX_ORDER).fill(0);
  if (!counts.some((c) => c !== 0)) return { score: 0, precisions, bp, sysLen, refLen, counts, totals };
  let k = 1;
  for (let n = 0; n < MAX_ORDER; n++) {
    if (totals[n] === 0) break;
    if (counts[n] === 0) {
      k *= 2;
      precisions[n] = 100 / (k * totals[n]);
    } else {
      precisions[n] = (100 * counts[n]) / totals[n];
    }
  }
  let sumLog = 0;
  for (const p of precisions) sumLog += myLog(p);
  return { score: bp * Math.exp(sumLog / MAX_ORDER), precisions, bp, sysLen, refLen, counts, totals };
}

export const bleuSignature = (nrefs: number): string =>
  `nrefs:${nrefs}|case:mixed|eff:no|tok:13a|smooth:exp|version:${SACREBLEU_VERSION}`;

/** Transpose sacreBLEU's reference streams into the references of each segment. */
const segmentRefs = (references: readonly (readonly string[])[], i: number): string[] => references.map((s) => s[i]);

export const BLEU: CorpusMetric = {
  name: 'BLEU',
  segmentStats(hypotheses, references) {
    checkCorpusArgs(hypotheses, references);
    return hypotheses.map((h, i) => bleuSegment(h, segmentRefs(references, i)));
  },
  scoreOfStats: (stats) => bleuFromStats(stats).score,
  signature: bleuSignature,
};

export function sumStats(rows: readonly (readonly number[])[]): number[] {
  const out = new Array<number>(rows[0].length).fill(0);
  for (const row of rows) for (let j = 0; j < row.length; j++) out[j] += row[j];
  return out;
}

export function corpusBleu(hypotheses: readonly string[], references: readonly (readonly string[])[]): BleuScore {
  const stats = sumStats(BLEU.segmentStats(hypotheses, references));
  return { ...bleuFromStats(stats), signature: bleuSignature(references.length) };
}

// ----------------------------------------------------------------------------------------------
// chrF

/** Character n-gram counts per order 1..CHAR_ORDER over code points, whitespace removed. */
function charNgrams(s: string): Map<string, number>[] {
  const chars = Array.from(pySplit(s).join(''));
  const out: Map<string, number>[] = [];
  for (let n = 1; n <= CHAR_ORDER; n++) {
    const m = new Map<string, number>();
    for (let i = 0; i + n <= chars.length; i++) {
      const g = chars.slice(i, i + n).join('');
      m.set(g, (m.get(g) ?? 0) + 1);
    }
    out.push(m);
  }
  return out;
}

function matchStats(hyp: Map<string, number>, ref: Map<string, number>): [number, number, number] {
  let match = 0;
  let hypCount = 0;
  for (const [g, c] of hyp) {
    hypCount += c;
    const r = ref.get(g);
    if (r !== undefined) match += Math.min(c, r);
  }
  let refCount = 0;
  for (const c of ref.values()) refCount += c;
  return [ref.size > 0 ? hypCount : 0, refCount, match];
}

/** chrF from summed statistics [hyp, ref, match] x 6 (sacreBLEU's _compute_f_score, eps smoothing off). */
export function chrfFromStats(stats: readonly number[]): number {
  const factor = BETA * BETA;
  let avgP = 0;
  let avgR = 0;
  let eff = 0;
  for (let i = 0; i < CHAR_ORDER; i++) {
    const [nHyp, nRef, nMatch] = [stats[3 * i], stats[3 * i + 1], stats[3 * i + 2]];
    if (nHyp > 0 && nRef > 0) {
      avgP += nMatch / nHyp;
      avgR += nMatch / nRef;
      eff += 1;
    }
  }
  if (eff === 0) return 0;
  avgP /= eff;
  avgR /= eff;
  if (avgP + avgR === 0) return 0;
  return (100 * ((1 + factor) * avgP * avgR)) / (factor * avgP + avgR);
}

function chrfSegment(hyp: string, refs: readonly string[]): number[] {
  const h = charNgrams(hyp);
  let best: number[] = [];
  let bestF = -1;
  for (const ref of refs) {
    const r = charNgrams(ref);
    const stats = h.flatMap((hn, n) => matchStats(hn, r[n]));
    const f = chrfFromStats(stats);
    if (f > bestF) {
      bestF = f;
      best = stats;
    }
  }
  return best;
}

export const chrfSignature = (nrefs: number): string =>
  `nrefs:${nrefs}|case:mixed|eff:yes|nc:${CHAR_ORDER}|nw:0|space:no|version:${SACREBLEU_VERSION}`;

export const CHRF: CorpusMetric = {
  name: 'chrF2',
  segmentStats(hypotheses, references) {
    checkCorpusArgs(hypotheses, references);
    return hypotheses.map((h, i) => chrfSegment(h, segmentRefs(references, i)));
  },
  scoreOfStats: chrfFromStats,
  signature: chrfSignature,
};

export function corpusChrf(hypotheses: readonly string[], references: readonly (readonly string[])[]): ChrfScore {
  const stats = sumStats(CHRF.segmentStats(hypotheses, references));
  return { score: chrfFromStats(stats), signature: chrfSignature(references.length) };
}
