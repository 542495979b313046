import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../kernels/tf.ts';
import { TransformerSeq2Seq, seq2seqConfig, seq2seqParams, sinusoidalPositions } from '../../experiments/models/transformer-seq2seq.ts';
import { MambaLM, mambaConfig } from '../../experiments/models/mamba.ts';
import { mambaDecoder, padRows, transformerDecoder, type IncrementalDecoder } from '../../experiments/decoding/decoder.ts';
import { beamSearch, greedySearch } from '../../experiments/decoding/search.ts';
import { decoderOnlyBatch, encoderDecoderBatch, passBatches, roundBatches } from '../../experiments/translation/batches.ts';
import { mambaConfigFor, transformerConfigFor } from '../../experiments/translation/systems.ts';
import { mambaParams } from '../../experiments/models/param-count.ts';
import { BOS, EOS, PAD, SEP } from '../../experiments/text/bpe.ts';
import { maxAbsDiff, useCpu } from '../models/helpers.ts';

const V = 13;
const tcfg = seq2seqConfig({ vocabSize: V, dModel: 16, nEncoder: 2, nDecoder: 2, nHead: 2 });
const sources = [
  [5, 6, 7, 8],
  [9, 10],
  [11, 5, 6],
];

/** Log-probabilities the decoder gives along forced target prefixes, one step at a time. */
async function stepwise<S>(dec: IncrementalDecoder<S>, srcs: number[][], forced: number[][]): Promise<number[][][]> {
  let { state, logProbs } = dec.start(srcs);
  const out: number[][][] = [];
  for (let t = 0; t <= forced[0].length; t++) {
    out.push((await logProbs.array()) as number[][]);
    logProbs.dispose();
    if (t === forced[0].length) break;
    const tok = tf.tensor1d(forced.map((f) => f[t]), 'int32');
    const r = dec.step(tok, state);
    tok.dispose();
    state = r.state;
    logProbs = r.logProbs;
  }
  return out;
}

describe('translation models and decoding', () => {
  beforeAll(useCpu);

  it('sinusoidal positions follow sin/cos of p / 10000^(2i/d)', () => {
    const pe = sinusoidalPositions(3, 4);
    expect(pe[0]).toBe(0);
    expect(pe[1]).toBe(1);
    expect(pe[2 * 4 + 0]).toBeCloseTo(Math.sin(2), 6);
    expect(pe[2 * 4 + 3]).toBeCloseTo(Math.cos(2 / 100), 6);
  });

  it('the Transformer counts its parameters in closed form, and Mamba is fitted to it', () => {
    const m = new TransformerSeq2Seq(tcfg, 0);
    expect(m.params.count()).toBe(seq2seqParams(tcfg));
    m.dispose();
    const size = { dModel: 64, layers: 1, nHead: 4, mlpRatio: 4 };
    const t = seq2seqParams(transformerConfigFor(size, 2000, 0));
    const mc = mambaConfigFor(size, 2000, 0);
    const diff = (n: number) => Math.abs(mambaParams({ ...mc, nLayer: n }) - t);
    expect(diff(mc.nLayer)).toBeLessThanOrEqual(diff(mc.nLayer + 1));
    expect(diff(mc.nLayer)).toBeLessThanOrEqual(diff(mc.nLayer - 1));
  });

  it('Transformer: key/value-cache decoding equals the teacher-forced forward pass, padding included', async () => {
    const model = new TransformerSeq2Seq(tcfg, 1);
    const forced = [
      [3, 4, 5],
      [6, 7, 8],
      [9, 10, 11],
    ];
    const src = padRows(sources.map((s) => [...s, EOS]), PAD);
    const tgtIn = padRows(forced.map((f) => [BOS, ...f]), PAD);
    const full = tf.logSoftmax(model.forward(src, tgtIn)); // (b, t+1, v)
    const fullArr = (await full.array()) as number[][][];
    const steps = await stepwise(transformerDecoder(model, { bos: BOS, eos: EOS, pad: PAD }), sources, forced);
    for (let t = 0; t < steps.length; t++) for (let i = 0; i < 3; i++) for (let v = 0; v < V; v++) expect(steps[t][i][v]).toBeCloseTo(fullArr[i][t][v], 4);
    // padding a source further changes nothing
    const padded = padRows([[...sources[1], EOS, PAD, PAD]], PAD);
    const short = padRows([[...sources[1], EOS]], PAD);
    const inp = padRows([[BOS, 3]], PAD);
    const [a, b] = [model.forward(padded, inp), model.forward(short, inp)];
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-5);
    // The training loss's forwardAt: the same logits as forward at the chosen flattened positions.
    const rows = tf.tensor1d([0, 2, 3, 7, 11], 'int32');
    const at = model.forwardAt(src, tgtIn, rows); // (5, v)
    const [bb, t] = tgtIn.shape;
    const want = tf.gather(tf.reshape(model.forward(src, tgtIn), [bb * t, V]), rows);
    expect(at.shape).toEqual([5, V]);
    expect(maxAbsDiff(at, want)).toBeLessThan(1e-5);
    tf.dispose([src, tgtIn, full, padded, short, inp, a, b, rows, at, want]);
    model.dispose();
  });

  it('Mamba: recurrent decoding of right-aligned prompts equals the parallel forward pass of each row alone', async () => {
    const model = new MambaLM(mambaConfig({ vocabSize: V, dModel: 16, nLayer: 2, dState: 4 }), 2);
    const forced = [
      [3, 4],
      [6, 7],
      [9, 10],
    ];
    const steps = await stepwise(mambaDecoder(model, { sep: SEP, pad: PAD }), sources, forced);
    for (let i = 0; i < 3; i++) {
      const row = [...sources[i], SEP, ...forced[i]];
      const x = tf.tensor2d([row], [1, row.length], 'int32');
      const lp = tf.logSoftmax(model.forward(x));
      const arr = ((await lp.array()) as number[][][])[0];
      for (let t = 0; t < steps.length; t++) for (let v = 0; v < V; v++) expect(steps[t][i][v]).toBeCloseTo(arr[sources[i].length + t][v], 4);
      tf.dispose([x, lp]);
    }
    model.dispose();
  });

  it('beam search with beam 1 and no length penalty is greedy search; beam 5 never scores below greedy; nothing leaks', async () => {
    const model = new TransformerSeq2Seq(tcfg, 3);
    const dec = transformerDecoder(model, { bos: BOS, eos: EOS, pad: PAD });
    const opts = { eos: EOS, maxLength: (n: number) => n + 4 };
    const before = tf.memory().numTensors;
    const greedy = await greedySearch(dec, sources, opts);
    const beam1 = await beamSearch(dec, sources, { ...opts, beam: 1, lengthPenalty: 0 });
    expect(beam1).toEqual(greedy);
    const beam5 = await beamSearch(dec, sources, { ...opts, beam: 5, lengthPenalty: 0 });
    expect(tf.memory().numTensors).toBe(before);
    // score a hypothesis (sum of log-probabilities, <eos> included unless cut at the limit)
    const score = async (i: number, hyp: number[]) => {
      const withEos = hyp.length < opts.maxLength(sources[i].length) ? [...hyp, EOS] : hyp;
      const src = padRows([[...sources[i], EOS]], PAD);
      const inp = padRows([[BOS, ...withEos.slice(0, -1)]], PAD);
      const lp = (await tf.logSoftmax(model.forward(src, inp)).array()) as number[][][];
      tf.dispose([src, inp]);
      return withEos.reduce((s, tok, t) => s + lp[0][t][tok], 0);
    };
    for (let i = 0; i < sources.length; i++) expect(await score(i, beam5[i])).toBeGreaterThanOrEqual((await score(i, greedy[i])) - 1e-4);
    model.dispose();
  });

  it('batch layouts: decoder-only loss rows start at <sep> and cover target and <eos>; batches are a pure function of (seed, pass)', () => {
    const pairs = [
      { src: [5, 6], tgt: [7] },
      { src: [8], tgt: [9, 10, 11] },
    ];
    const d = decoderOnlyBatch(pairs);
    expect(d.inputs.shape).toEqual([2, 5]);
    expect(Array.from(d.inputs.data.slice(0, 5))).toEqual([5, 6, SEP, 7, PAD]);
    expect(Array.from(d.targets.data.slice(0, 5))).toEqual([6, SEP, 7, EOS, PAD]);
    const picked = Array.from(d.lossRows).map((r) => d.targets.data[r]);
    expect(picked).toEqual([7, EOS, 9, 10, 11, EOS]);
    const e = encoderDecoderBatch(pairs);
    expect(Array.from(e.source!.data)).toEqual([5, 6, EOS, 8, EOS, PAD]);
    expect(Array.from(e.lossRows).map((r) => e.targets.data[r])).toEqual([7, EOS, 9, 10, 11, EOS]);
    const many = Array.from({ length: 100 }, (_, i) => ({ src: [5 + (i % 7)], tgt: [5 + (i % 5), 6] }));
    expect(passBatches(many, 8, 1, 0)).toEqual(passBatches(many, 8, 1, 0));
    expect(passBatches(many, 8, 1, 0)).not.toEqual(passBatches(many, 8, 1, 1));
    const rounds = [1, 2, 3].flatMap((e) => roundBatches(many, 8, 1, 3, e));
    expect(rounds).toEqual(passBatches(many, 8, 1, 0));
  });
});
