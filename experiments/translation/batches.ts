/**
 * Token ids of a parallel split and the training batches of the translation models.
 *
 * Layouts (token ids of bpe.ts; `src`, `tgt` without specials):
 * - encoder-decoder: source `src <eos>`, decoder input `<bos> tgt`, decoder target `tgt <eos>`;
 * - decoder-only: one row `src <sep> tgt <eos>`, input row[:-1], target row[1:], and the loss only on
 *   the positions that predict `tgt <eos>` (from the <sep> on): the source is context, not output.
 * Rows are right-padded with <pad>; the loss weights are 0 on padding.
 *
 * Batches of an epoch: a pure function of (seed, pass): the training pairs in a seeded random order,
 * cut into chunks of 50 batches, each chunk sorted by length (little padding) and cut into batches of
 * `batchSize` pairs, then the batches shuffled. A training run is `rounds` evaluation rounds per pass
 * over the data, so a small budget still gives a validation curve.
 */
import { Rng } from '../models/rng.ts';
import type { ParallelSplit } from '../metrics/baselines.ts';
import { BOS, EOS, PAD, SEP, type Bpe } from '../text/bpe.ts';

export interface EncodedPair {
  src: number[];
  tgt: number[];
}

export function encodeSplit(bpe: Bpe, split: ParallelSplit): EncodedPair[] {
  return split.source.map((s, i) => ({ src: bpe.encode(s), tgt: bpe.encode(split.target[i]) }));
}

/** Training pairs with both sides within `maxTokens` and neither side empty. */
export function trainingPairs(pairs: readonly EncodedPair[], maxTokens: number): EncodedPair[] {
  return pairs.filter((p) => p.src.length > 0 && p.tgt.length > 0 && p.src.length <= maxTokens && p.tgt.length <= maxTokens);
}

function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** All batches of one pass over `pairs` (see the module comment). */
export function passBatches(pairs: readonly EncodedPair[], batchSize: number, seed: number, pass: number): EncodedPair[][] {
  const rng = new Rng((Math.imul(seed, 0x9e3779b1) ^ Math.imul(pass + 1, 0x85ebca77)) | 0);
  const order = shuffle(pairs.map((_, i) => i), rng);
  const chunk = 50 * batchSize;
  const batches: EncodedPair[][] = [];
  for (let c = 0; c < order.length; c += chunk) {
    const part = order.slice(c, c + chunk).sort((a, b) => pairs[a].src.length + pairs[a].tgt.length - (pairs[b].src.length + pairs[b].tgt.length) || a - b);
    for (let i = 0; i < part.length; i += batchSize) batches.push(part.slice(i, i + batchSize).map((k) => pairs[k]));
  }
  return shuffle(batches, rng);
}

/** The batches of round `epoch` (1-based) when every pass is cut into `rounds` rounds. */
export function roundBatches(pairs: readonly EncodedPair[], batchSize: number, seed: number, rounds: number, epoch: number): EncodedPair[][] {
  const pass = Math.floor((epoch - 1) / rounds);
  const all = passBatches(pairs, batchSize, seed, pass);
  const r = (epoch - 1) % rounds;
  const per = Math.ceil(all.length / rounds);
  return all.slice(r * per, (r + 1) * per);
}

export interface LaidOut {
  /** Row-major int32 ids and their shapes. */
  inputs: { data: Int32Array; shape: [number, number] };
  /** Encoder input (encoder-decoder only). */
  source?: { data: Int32Array; shape: [number, number] };
  targets: { data: Int32Array; shape: [number, number] };
  /** Flat indices (into the b x l target positions) the loss counts. */
  lossRows: Int32Array;
  /** Source + target tokens of the batch, specials excluded: what tokens/s counts. */
  tokens: number;
}

function grid(rows: readonly number[][], pad: number): { data: Int32Array; shape: [number, number] } {
  const l = Math.max(1, ...rows.map((r) => r.length));
  const data = new Int32Array(rows.length * l).fill(pad);
  rows.forEach((r, i) => data.set(r, i * l));
  return { data, shape: [rows.length, l] };
}

function rowsOf(targets: readonly number[][], width: number, from: (i: number) => number): Int32Array {
  const out: number[] = [];
  targets.forEach((t, i) => {
    for (let j = from(i); j < t.length; j++) out.push(i * width + j);
  });
  return Int32Array.from(out);
}

const tokenCount = (batch: readonly EncodedPair[]) => batch.reduce((n, p) => n + p.src.length + p.tgt.length, 0);

export function encoderDecoderBatch(batch: readonly EncodedPair[]): LaidOut {
  const source = grid(batch.map((p) => [...p.src, EOS]), PAD);
  const tgtOut = batch.map((p) => [...p.tgt, EOS]);
  const targets = grid(tgtOut, PAD);
  return {
    source,
    inputs: grid(batch.map((p) => [BOS, ...p.tgt]), PAD),
    targets,
    lossRows: rowsOf(tgtOut, targets.shape[1], () => 0),
    tokens: tokenCount(batch),
  };
}

export function decoderOnlyBatch(batch: readonly EncodedPair[]): LaidOut {
  const rows = batch.map((p) => [...p.src, SEP, ...p.tgt, EOS]);
  const outs = rows.map((r) => r.slice(1));
  const targets = grid(outs, PAD);
  return {
    inputs: grid(rows.map((r) => r.slice(0, -1)), PAD),
    targets,
    // target position j predicts row[j + 1]: the first counted one is the <sep> position, j = |src|
    lossRows: rowsOf(outs, targets.shape[1], (i) => batch[i].src.length),
    tokens: tokenCount(batch),
  };
}
