/**
 * One cell of the translation study: one architecture at one size on one language pair from one seed,
 * trained twice, plain and with dropout, from the same initial weights and the same batches (the
 * seed fixes both), so the two differ only by dropout: a paired design. Each variant is trained by the
 * shared loop (experiments/training) with validation BLEU (greedy decoding) selecting the epoch and
 * stopping early; the selected weights translate the test split (beam search), scored with BLEU and
 * chrF with bootstrap intervals; then dropout is tested against plain by paired bootstrap resampling.
 * The trivial baselines (copy the source; the most frequent training target) are scored on the same
 * test split.
 *
 * Resume: the checkpoint holds the running variant's training state; once the plain variant is done,
 * its results ride along in the checkpoint's metadata, so a killed cell never retrains it.
 */
import { z } from 'zod';
import type { Checkpoint, CheckpointState, Json, RunContext } from '../../engine/contract.ts';
import { BLEU, CHRF, corpusBleu, corpusChrf } from '../metrics/bleu.ts';
import { bootstrapCorpusScore, pairedBootstrap } from '../metrics/significance.ts';
import { copySourceBaseline, mostFrequentTargetBaseline } from '../metrics/baselines.ts';
import { Bpe } from '../text/bpe.ts';
import { train, warmupInverseSqrt } from '../training/index.ts';
import { encodeSplit, roundBatches, trainingPairs } from './batches.ts';
import { loadSplits, type CorpusKind } from './corpus.ts';
import { ARCHITECTURES, buildSystem, type Architecture, type SizeSpec, type Variant } from './systems.ts';
import { evenSubset, translate, type DecodeSettings } from './translate.ts';

const sizeSchema = z.object({
  dModel: z.number().int().positive(),
  layers: z.number().int().positive(),
  nHead: z.number().int().positive(),
  mlpRatio: z.number().int().positive(),
});

const decodeSchema = z.object({
  beam: z.number().int().positive(),
  lengthPenalty: z.number().min(0),
  batchSize: z.number().int().positive(),
  maxLengthA: z.number().positive(),
  maxLengthB: z.number().min(0),
  cap: z.number().int().positive(),
});

export const cellParamsSchema = z.object({
  /** The size of every cell, or per value of a `size` axis. */
  sizes: z.record(z.string(), sizeSchema),
  dropout: z.number().min(0).max(0.9),
  labelSmoothing: z.number().min(0).max(0.5),
  batchSize: z.number().int().positive(),
  /** Training pairs longer than this (BPE tokens, either side) are left out. */
  maxTokens: z.number().int().positive(),
  /** Evaluation rounds per pass over the training pairs, and rounds in all (the loop's epochs). */
  roundsPerPass: z.number().int().positive(),
  rounds: z.number().int().positive(),
  learningRate: z.number().positive(),
  warmup: z.number().int().positive(),
  weightDecay: z.number().min(0),
  clipNorm: z.number().positive(),
  patience: z.number().int().min(0),
  /** Validation sentences decoded (greedily) after each round. */
  validSize: z.number().int().positive(),
  validDecode: decodeSchema,
  testDecode: decodeSchema,
  bootstrapSamples: z.number().int().min(10),
});
export type CellParams = z.output<typeof cellParamsSchema>;

/** Defaults every profile shares (fairseq's small-Transformer recipe where it applies). */
export const CELL_DEFAULTS = {
  labelSmoothing: 0.1,
  weightDecay: 0.0001,
  clipNorm: 1,
  bootstrapSamples: 1000,
};

interface VariantResult {
  [key: string]: Json;
  hypotheses: string[];
  metrics: Record<string, number>;
  curve: Record<string, number | string>[];
}

/** The running variant's checkpoint inside the cell's one checkpoint file; completed variants ride in `meta.done`. */
function variantCheckpoint(base: Checkpoint, variant: Variant, done: Record<string, VariantResult>): Checkpoint {
  return {
    save: (s: CheckpointState) => base.save({ meta: { variant, done, inner: s.meta }, arrays: s.arrays }),
    async load() {
      const c = await base.load();
      const meta = c?.meta as { variant?: string; inner?: Json } | undefined;
      if (!c || meta?.variant !== variant || meta.inner === null || meta.inner === undefined) return null;
      return { meta: meta.inner, arrays: c.arrays };
    },
  };
}

export interface CellSpec {
  lang: string;
  kind: CorpusKind;
  sizeName: string;
}

export async function runTranslationCell(ctx: RunContext<CellParams>, spec: CellSpec): Promise<void> {
  const p = ctx.params;
  const arch = ctx.cell.arch as Architecture;
  if (!ARCHITECTURES.includes(arch)) throw new Error(`translation: unknown arch '${String(ctx.cell.arch)}' (expected ${ARCHITECTURES.join(', ')})`);
  const size: SizeSpec | undefined = p.sizes[spec.sizeName];
  if (!size) throw new Error(`translation: no size '${spec.sizeName}' in params.sizes (${Object.keys(p.sizes).join(', ')})`);
  const bpe = Bpe.fromJSON(ctx.uses('tokenizer').results.json('bpe'));
  const splits = await loadSplits(ctx.profile, spec.lang, spec.kind, ctx.data);
  const trainPairs = trainingPairs(encodeSplit(bpe, splits.train), p.maxTokens);
  if (trainPairs.length < p.batchSize) throw new Error(`translation: only ${trainPairs.length} training pairs within ${p.maxTokens} tokens`);
  const validIdx = evenSubset(splits.valid.source.length, p.validSize);
  const validSources = validIdx.map((i) => bpe.encode(splits.valid.source[i]));
  const validRefs = [validIdx.map((i) => splits.valid.target[i])];
  const testSources = splits.test.source.map((s) => bpe.encode(s));
  const testRefs = [splits.test.target as string[]];
  const seed = ctx.seed;

  const saved = await ctx.checkpoint.load();
  const done: Record<string, VariantResult> = ((saved?.meta as { done?: Record<string, VariantResult> } | undefined)?.done ?? {}) as Record<string, VariantResult>;
  const batchesPerRound = roundBatches(trainPairs, p.batchSize, seed, p.roundsPerPass, 1).length;

  for (const variant of ['plain', 'dropout'] as const) {
    if (done[variant]) {
      ctx.log.info(`${arch} ${variant}: done before the restart (BLEU ${done[variant].metrics.bleu.toFixed(2)})`);
      continue;
    }
    // the same seed for both variants: same initial weights, same batches, same step streams
    const system = buildSystem(arch, size, bpe.vocabSize, variant === 'dropout' ? p.dropout : 0, seed * 1000 + 7);
    try {
      ctx.log.info(`${arch} ${variant}: ${system.parameters} parameters (${system.layers} layers), ${trainPairs.length} training pairs, ${batchesPerRound} batches per round`);
      let tokens = 0;
      let trainSeconds = 0;
      let roundStart = performance.now();
      const result = await train({
        model: system,
        epochs: p.rounds,
        batches: (epoch) => roundBatches(trainPairs, p.batchSize, seed, p.roundsPerPass, epoch),
        loss: (batch, rng) => {
          tokens += batch.reduce((n, q) => n + q.src.length + q.tgt.length, 0);
          return system.loss(batch, rng, p.labelSmoothing);
        },
        evaluate: async () => {
          trainSeconds += (performance.now() - roundStart) / 1000;
          const out = await translate(system.decoder, bpe, validSources, p.validDecode);
          roundStart = performance.now();
          return { valBleu: corpusBleu(out.texts, validRefs).score, valChrf: corpusChrf(out.texts, validRefs).score };
        },
        schedule: warmupInverseSqrt(p.learningRate, p.warmup),
        optimizer: { weightDecay: p.weightDecay },
        clipNorm: p.clipNorm,
        seed: seed * 1000 + 11,
        select: { metric: 'valBleu', mode: 'max', patience: p.patience },
        restoreBest: true,
        checkpoint: variantCheckpoint(ctx.checkpoint, variant, done),
        progress: { update: (s) => ctx.progress.update({ ...s, note: `${variant}, ${s.note ?? ''}` }) },
        log: ctx.log,
        signal: ctx.signal,
      });
      const test = await translate(system.decoder, bpe, testSources, p.testDecode);
      const bleu = corpusBleu(test.texts, testRefs);
      const chrf = corpusChrf(test.texts, testRefs);
      const boot = bootstrapCorpusScore(BLEU, test.texts, testRefs, { samples: p.bootstrapSamples, seed: 12345 });
      const bootChrf = bootstrapCorpusScore(CHRF, test.texts, testRefs, { samples: p.bootstrapSamples, seed: 12345 });
      ctx.log.info(`${arch} ${variant}: test BLEU ${bleu.score.toFixed(2)} (${boot.low.toFixed(2)}-${boot.high.toFixed(2)}) chrF ${chrf.score.toFixed(2)}; ${bleu.signature}`);
      const resumed = result.resumedAtStep !== null;
      done[variant] = {
        hypotheses: test.texts,
        metrics: {
          bleu: bleu.score,
          bleuLow: boot.low,
          bleuHigh: boot.high,
          chrf: chrf.score,
          chrfLow: bootChrf.low,
          chrfHigh: bootChrf.high,
          bestRound: result.best?.epoch ?? 0,
          bestValBleu: result.best?.value ?? 0,
          rounds: result.history.length,
          steps: result.steps,
          parameters: system.parameters,
          layers: system.layers,
          // tokens/s over the rounds this process ran (a resumed run counts from its restart)
          trainTokensPerSecond: trainSeconds > 0 ? tokens / trainSeconds : 0,
          trainSeconds,
          resumed: resumed ? 1 : 0,
          decodeTokensPerSecond: test.outputTokens / test.seconds,
          decodeSeconds: test.seconds,
        },
        curve: result.history.map((h) => ({ variant, round: h.epoch, trainLoss: h.trainLoss, learningRate: h.learningRate, valBleu: h.metrics.valBleu, valChrf: h.metrics.valChrf })),
      };
      // the finished variant is durable before the next one starts
      await ctx.checkpoint.save({ meta: { variant: 'dropout', done, inner: null }, arrays: {} });
    } finally {
      system.dispose();
    }
  }

  const plain = done.plain;
  const drop = done.dropout;
  const paired = pairedBootstrap(BLEU, drop.hypotheses, plain.hypotheses, testRefs, { samples: p.bootstrapSamples, seed: 54321 });
  const copy = copySourceBaseline(splits.test);
  const frequent = mostFrequentTargetBaseline(splits.train, splits.test);
  const metrics: Record<string, Json> = {
    pair: `en-${spec.lang}`,
    size: spec.sizeName,
    dModel: size.dModel,
    testSegments: splits.test.source.length,
    trainingPairs: trainPairs.length,
    bleuSignature: corpusBleu(plain.hypotheses, testRefs).signature,
    chrfSignature: corpusChrf(plain.hypotheses, testRefs).signature,
    copyBleu: copy.bleu.score,
    copyChrf: copy.chrf.score,
    frequentBleu: frequent.bleu.score,
    frequentChrf: frequent.chrf.score,
    dropoutGain: paired.difference,
    dropoutGainChrf: drop.metrics.chrf - plain.metrics.chrf,
    pValue: paired.pValue,
    significantGain: paired.pValue < 0.05 && paired.difference > 0 ? 1 : 0,
    significantLoss: paired.pValue < 0.05 && paired.difference < 0 ? 1 : 0,
  };
  for (const [v, r] of Object.entries(done)) for (const [k, x] of Object.entries(r.metrics)) metrics[`${v}${k[0].toUpperCase()}${k.slice(1)}`] = x;
  ctx.results.metrics(metrics);
  ctx.results.series('curve', [...plain.curve, ...drop.curve]);
  ctx.results.json('test-hypotheses', { plain: plain.hypotheses, dropout: drop.hypotheses });
  ctx.log.info(`dropout - plain: ${paired.difference.toFixed(2)} BLEU, p = ${paired.pValue.toFixed(4)}; copy-the-source ${copy.bleu.score.toFixed(2)} BLEU`);
}

export type { DecodeSettings };
