/**
 * Translating a list of sentences with a trained system: sources sorted by length into batches (so
 * prompts of a batch are of similar length), greedy or beam search, ids back to text with the BPE.
 * The output order is the input order.
 */
import { beamSearch, greedySearch, type SearchOptions } from '../decoding/search.ts';
import type { IncrementalDecoder } from '../decoding/decoder.ts';
import { EOS, type Bpe } from '../text/bpe.ts';

export interface DecodeSettings {
  /** 1: greedy; more: beam search of that width. */
  beam: number;
  lengthPenalty: number;
  batchSize: number;
  /** Output limit: a * source tokens + b, at most `cap`. */
  maxLengthA: number;
  maxLengthB: number;
  cap: number;
}

export async function translate(
  decoder: IncrementalDecoder<unknown>,
  bpe: Bpe,
  sources: readonly number[][],
  s: DecodeSettings,
  onBatch?: () => void,
): Promise<{ texts: string[]; outputTokens: number; seconds: number }> {
  const started = performance.now();
  const order = sources.map((_, i) => i).sort((a, b) => sources[a].length - sources[b].length || a - b);
  const out = new Array<string>(sources.length);
  const opts: SearchOptions = { eos: EOS, maxLength: (n) => Math.min(s.cap, Math.ceil(s.maxLengthA * n + s.maxLengthB)) };
  let outputTokens = 0;
  for (let i = 0; i < order.length; i += s.batchSize) {
    const idx = order.slice(i, i + s.batchSize);
    const batch = idx.map((k) => sources[k]);
    const ids = s.beam > 1 ? await beamSearch(decoder, batch, { ...opts, beam: s.beam, lengthPenalty: s.lengthPenalty }) : await greedySearch(decoder, batch, opts);
    idx.forEach((k, j) => {
      out[k] = bpe.decode(ids[j]);
      outputTokens += ids[j].length;
    });
    onBatch?.();
  }
  return { texts: out, outputTokens, seconds: (performance.now() - started) / 1000 };
}

/** `count` indices spread evenly over 0..n-1 (all when count >= n): a fixed validation subset. */
export function evenSubset(n: number, count: number): number[] {
  if (count >= n) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: count }, (_, i) => Math.floor((i * n) / count));
}
