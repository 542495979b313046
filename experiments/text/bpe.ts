/**
 * Byte-pair encoding (Sennrich et al. 2016) over characters: a joint subword vocabulary for both
 * sides of a language pair, trained on the training split, deterministic, plain TypeScript.
 * (The `tokenizers` npm package is a native binding whose `train()` takes no vocabulary size; this
 * trainer needs neither native code nor a fixed 30k vocabulary.)
 *
 * Normalisation and pre-tokenisation: a text is normalised by collapsing every whitespace run to one
 * space and trimming (`normalize`; the corpora are already in this form). The normalised text is cut
 * into pre-tokens by `/ ?[\p{L}\p{M}\p{N}]+| ?[^\s\p{L}\p{M}\p{N}]/gu`: a run of letters, marks and
 * digits, or one other character, each with the space before it, if any. The pre-tokens concatenate
 * back to the normalised text, merges never cross them, and a token's string includes its leading
 * space, so `decode(encode(t)) === normalize(t)` exactly whenever every character of t occurs in the
 * training texts (an unknown character encodes as <unk>, which decodes to U+FFFD).
 *
 * Vocabulary: ids 0-4 are the special tokens <pad> <bos> <eos> <sep> <unk>; then the alphabet (every
 * code point of the training texts, ascending); then one token per merge, in merge order (a merge
 * whose string already exists, reached by another path, reuses that token).
 *
 * Training: count the pre-tokens of all texts; each distinct pre-token is a sequence of symbols
 * weighted by its count. Repeatedly take the adjacent symbol pair with the highest weighted count
 * (ties: the smallest left symbol string, then the smallest right one, in UTF-16 code-unit order),
 * append it to the merges and replace its non-overlapping occurrences, left to right, in every
 * pre-token; stop at `vocabSize` tokens or when no pair occurs `minFrequency` (default 2) times.
 * Pair counts are updated incrementally (only the pre-tokens that contain the merged pair are
 * recounted) and the best pair comes from a max-heap with stale entries skipped.
 *
 * Encoding: per pre-token, repeatedly merge (all non-overlapping occurrences, left to right) the
 * adjacent pair with the lowest merge rank: on the training pre-tokens this reproduces the training
 * segmentation exactly.
 */
import { z } from 'zod';

export const SPECIAL_TOKENS = ['<pad>', '<bos>', '<eos>', '<sep>', '<unk>'] as const;
export const PAD = 0;
export const BOS = 1;
export const EOS = 2;
export const SEP = 3;
export const UNK = 4;

const PRETOKEN = / ?[\p{L}\p{M}\p{N}]+| ?[^\s\p{L}\p{M}\p{N}]/gu;

export const normalize = (text: string): string => text.replace(/\s+/g, ' ').trim();
export const pretokenize = (text: string): string[] => normalize(text).match(PRETOKEN) ?? [];

export const BpeJson = z.object({
  format: z.literal('bpe-v1'),
  specials: z.array(z.string()),
  alphabet: z.array(z.string()),
  merges: z.array(z.tuple([z.string(), z.string()])),
});
export type BpeJson = z.infer<typeof BpeJson>;

export interface TrainOptions {
  vocabSize: number;
  minFrequency?: number;
}

const KEY = 2 ** 21; // pair key a * KEY + b: ids stay below 2^21, keys below 2^42 (exact doubles)

export class Bpe {
  readonly tokens: string[];
  private readonly ids = new Map<string, number>();
  private readonly ranks = new Map<number, { rank: number; id: number }>();
  private readonly cache = new Map<string, number[]>();

  private constructor(readonly json: BpeJson) {
    if (json.specials.join() !== SPECIAL_TOKENS.join()) throw new Error(`BPE: special tokens must be ${SPECIAL_TOKENS.join(' ')}, got ${json.specials.join(' ')}`);
    this.tokens = [...json.specials, ...json.alphabet];
    this.tokens.forEach((t, i) => {
      if (i >= SPECIAL_TOKENS.length && Array.from(t).length !== 1) throw new Error(`BPE: alphabet entry '${t}' is not one character`);
      if (this.ids.has(t)) throw new Error(`BPE: token '${t}' appears twice`);
      this.ids.set(t, i);
    });
    json.merges.forEach(([a, b], r) => {
      const ia = this.ids.get(a);
      const ib = this.ids.get(b);
      if (ia === undefined || ib === undefined) throw new Error(`BPE: merge ${r} ('${a}', '${b}') uses a token not defined before it`);
      // two merge paths can spell the same string ('ab'+'c', 'a'+'bc'): they share one token
      const t = a + b;
      let id = this.ids.get(t);
      if (id === undefined) {
        id = this.tokens.length;
        this.tokens.push(t);
        this.ids.set(t, id);
      }
      this.ranks.set(ia * KEY + ib, { rank: r, id });
    });
  }

  static fromJSON(value: unknown): Bpe {
    return new Bpe(BpeJson.parse(value));
  }

  toJSON(): BpeJson {
    return this.json;
  }

  get vocabSize(): number {
    return this.tokens.length;
  }

  tokenToId(token: string): number | undefined {
    return this.ids.get(token);
  }

  private encodeWord(word: string): number[] {
    const hit = this.cache.get(word);
    if (hit) return hit;
    let seq = Array.from(word, (ch) => this.ids.get(ch) ?? UNK);
    for (;;) {
      let best: { rank: number; id: number } | undefined;
      let bestKey = -1;
      for (let i = 0; i + 1 < seq.length; i++) {
        const k = seq[i] * KEY + seq[i + 1];
        const m = this.ranks.get(k);
        if (m && (!best || m.rank < best.rank)) {
          best = m;
          bestKey = k;
        }
      }
      if (!best) break;
      seq = mergeSeq(seq, Math.floor(bestKey / KEY), bestKey % KEY, best.id);
    }
    if (this.cache.size < 200_000) this.cache.set(word, seq);
    return seq;
  }

  /** Token ids of a text (no <bos>/<eos>: the models add those). */
  encode(text: string): number[] {
    const out: number[] = [];
    for (const w of pretokenize(text)) for (const id of this.encodeWord(w)) out.push(id);
    return out;
  }

  /** The text of token ids: special tokens are skipped, except <unk>, which becomes U+FFFD. */
  decode(ids: readonly number[]): string {
    let s = '';
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.tokens.length) throw new Error(`BPE decode: id ${id} outside the vocabulary (0..${this.tokens.length - 1})`);
      if (id === UNK) s += '\ufffd';
      else if (id >= SPECIAL_TOKENS.length) s += this.tokens[id];
    }
    return s;
  }

  /** Learn a BPE from texts (see the module comment). */
  static train(texts: Iterable<string>, opts: TrainOptions): Bpe {
    return new Bpe(trainBpe(texts, opts));
  }
}

function mergeSeq(seq: readonly number[], a: number, b: number, id: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < seq.length; i++) {
    if (i + 1 < seq.length && seq[i] === a && seq[i + 1] === b) {
      out.push(id);
      i++;
    } else {
      out.push(seq[i]);
    }
  }
  return out;
}

/** A max-heap of (count, pair) with the stated tie order. */
class PairHeap {
  private items: { count: number; a: number; b: number }[] = [];
  constructor(private readonly strs: string[]) {}
  /** true when x goes before y. */
  private before(x: { count: number; a: number; b: number }, y: { count: number; a: number; b: number }): boolean {
    if (x.count !== y.count) return x.count > y.count;
    const sa = this.strs[x.a];
    const sb = this.strs[y.a];
    if (sa !== sb) return sa < sb;
    return this.strs[x.b] < this.strs[y.b];
  }
  push(count: number, a: number, b: number): void {
    const it = this.items;
    it.push({ count, a, b });
    let i = it.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(it[i], it[p])) break;
      [it[i], it[p]] = [it[p], it[i]];
      i = p;
    }
  }
  pop(): { count: number; a: number; b: number } | undefined {
    const it = this.items;
    if (it.length === 0) return undefined;
    const top = it[0];
    const last = it.pop()!;
    if (it.length > 0) {
      it[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < it.length && this.before(it[l], it[m])) m = l;
        if (r < it.length && this.before(it[r], it[m])) m = r;
        if (m === i) break;
        [it[i], it[m]] = [it[m], it[i]];
        i = m;
      }
    }
    return top;
  }
}

export function trainBpe(texts: Iterable<string>, opts: TrainOptions): BpeJson {
  const minFrequency = opts.minFrequency ?? 2;
  const wordCounts = new Map<string, number>();
  for (const t of texts) for (const w of pretokenize(t)) wordCounts.set(w, (wordCounts.get(w) ?? 0) + 1);
  const chars = new Set<string>();
  for (const w of wordCounts.keys()) for (const ch of w) chars.add(ch);
  const alphabet = [...chars].sort((x, y) => x.codePointAt(0)! - y.codePointAt(0)!);
  const base = SPECIAL_TOKENS.length + alphabet.length;
  if (!Number.isInteger(opts.vocabSize) || opts.vocabSize < base) {
    throw new Error(`BPE: vocabSize ${opts.vocabSize} is below the ${SPECIAL_TOKENS.length} special tokens + ${alphabet.length} characters of the training texts (${base})`);
  }
  const strs: string[] = [...SPECIAL_TOKENS, ...alphabet];
  const idOf = new Map(strs.map((s, i) => [s, i]));
  // distinct pre-tokens in a fixed order (sorted), so the result never depends on iteration order
  const words = [...wordCounts.keys()].sort();
  const seqs = words.map((w) => Array.from(w, (ch) => idOf.get(ch)!));
  const weights = words.map((w) => wordCounts.get(w)!);

  const counts = new Map<number, number>();
  const where = new Map<number, Set<number>>();
  const heap = new PairHeap(strs);
  const touched = new Set<number>();
  const addPairs = (wi: number, sign: 1 | -1) => {
    const s = seqs[wi];
    for (let i = 0; i + 1 < s.length; i++) {
      const k = s[i] * KEY + s[i + 1];
      counts.set(k, (counts.get(k) ?? 0) + sign * weights[wi]);
      touched.add(k);
      if (sign === 1) {
        let set = where.get(k);
        if (!set) where.set(k, (set = new Set()));
        set.add(wi);
      }
    }
  };
  const flush = () => {
    for (const k of touched) {
      const c = counts.get(k)!;
      if (c > 0) heap.push(c, Math.floor(k / KEY), k % KEY);
      else counts.delete(k);
    }
    touched.clear();
  };
  for (let wi = 0; wi < seqs.length; wi++) addPairs(wi, 1);
  flush();

  const merges: [string, string][] = [];
  while (strs.length < opts.vocabSize) {
    let top = heap.pop();
    while (top && counts.get(top.a * KEY + top.b) !== top.count) top = heap.pop(); // stale entry
    if (!top || top.count < minFrequency) break;
    const { a, b } = top;
    const merged = strs[a] + strs[b];
    let id = idOf.get(merged);
    if (id === undefined) {
      id = strs.length;
      strs.push(merged);
      idOf.set(merged, id);
    }
    merges.push([strs[a], strs[b]]);
    const k = a * KEY + b;
    for (const wi of [...where.get(k)!].sort((x, y) => x - y)) {
      const s = seqs[wi];
      let has = false;
      for (let i = 0; i + 1 < s.length; i++) if (s[i] === a && s[i + 1] === b) { has = true; break; }
      if (!has) continue;
      addPairs(wi, -1);
      seqs[wi] = mergeSeq(s, a, b, id);
      addPairs(wi, 1);
    }
    where.delete(k);
    flush();
  }
  return { format: 'bpe-v1', specials: [...SPECIAL_TOKENS], alphabet, merges };
}
