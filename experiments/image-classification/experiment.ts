/**
 * Image classification with MedMamba and a ResNet baseline of about the same parameter count,
 * trained the same way on the same data: the original study's Section III, rerunnable.
 * A grid of cells, seed x data set x model (grid.ts): each cell trains one model on one data set
 * from one seed (the seed draws the validation split, the data order, the augmentation and the
 * initial weights; both models of a seed see the same data in the same order).
 *
 * Every epoch records the mean training loss, the test accuracy and the accuracy on a validation
 * split carved from the training data. Two numbers are reported per cell: the best test accuracy
 * over the epochs and its epoch (how the original study reported, choosing the epoch on the test
 * set), and the test accuracy at the epoch the validation split chooses (the honest number).
 * Two-class data (MHIST) also records balanced accuracy and ROC AUC, and every cell the
 * majority-class rate of its test set: what always answering the training set's largest class scores.
 *
 * Profiles: smoke trains on fixtures in the official file formats; local trains the small MedMamba
 * and the baseline on Fashion-MNIST (28x28, zero-padded to 32x32); paper is the original recipe,
 * MedMamba-T with Adam at 1e-4, batches of 32, horizontal flips only, up to 500 epochs, on CIFAR-10,
 * CIFAR-100 (32x32) and MHIST (224x224).
 */
import { z } from 'zod';
import { defineExperiment } from '../../engine/contract.ts';
import { assembleBatch, batchTensors, sampleAugmentation } from '../data/batch.ts';
import { classCounts, type ImageSet } from '../data/image-set.ts';
import { epochBatches, permutation, validationSplit } from '../data/splits.ts';
import { majorityClass, majorityClassRate } from '../metrics/classification.ts';
import type { ImageClassifier } from '../models/image-classifier.ts';
import { describePadding, MEDMAMBA_SIDE_MULTIPLE, MedMamba, medmambaConfig, medmambaPadding, medmambaParams, MEDMAMBA_VARIANTS, type MedMambaVariant } from '../models/medmamba.ts';
import { fitResnetWidth, ResNet, type ResNetConfig } from '../models/resnet.ts';
import { Rng } from '../models/rng.ts';
import { constant, labelSmoothedCrossEntropy, linearDecay, train } from '../training/index.ts';
import { DATASET_LABELS, DATASETS, datasetId, loadCellData } from './data.ts';
import { predict, scores } from './evaluate.ts';

const int = z.number().int();
const paramsSchema = z.object({
  medmamba: z.object({
    variant: z.enum(Object.keys(MEDMAMBA_VARIANTS) as [MedMambaVariant, ...MedMambaVariant[]]),
    /** The last block's drop-path rate (MedMamba's default 0.1). */
    dropPathRate: z.number().min(0).lt(1),
  }),
  resnet: z.object({ blocks: z.tuple([int.positive(), int.positive(), int.positive(), int.positive()]), stemStride: int.min(1).max(2) }),
  epochs: int.positive(),
  batch: int.positive(),
  learningRate: z.number().positive(),
  /** constant: the original recipe; linear-decay: down to `finalFraction` of the rate at the last step. */
  schedule: z.enum(['constant', 'linear-decay']),
  finalFraction: z.number().min(0).max(1),
  weightDecay: z.number().min(0),
  labelSmoothing: z.number().min(0).lt(1),
  flip: z.boolean(),
  cropPadding: int.min(0),
  /** Share of the training images held out for validation (model selection). */
  validationFraction: z.number().gt(0).lt(1),
  /** Train on this many of the remaining training images (drawn by the seed); null: all of them. */
  trainSubset: int.positive().nullable(),
  /** Stop after this many epochs without a better validation accuracy; null: run every epoch. */
  patience: int.positive().nullable(),
  evalBatch: int.positive(),
  checkpointEvery: int.positive(),
  mhistSplit: z.enum(['official', 'random']),
});
type Params = z.output<typeof paramsSchema>;

export const MODELS = ['medmamba', 'resnet'] as const;
export type ModelId = (typeof MODELS)[number];

interface Shape {
  inChans: number;
  numClasses: number;
}

/** MedMamba of the profile's variant, and the ResNet whose width gives the closest parameter count. */
export function modelConfigs(p: Params, shape: Shape): { medmamba: ReturnType<typeof medmambaConfig>; resnet: ResNetConfig } {
  const medmamba = medmambaConfig({ variant: p.medmamba.variant, dropPathRate: p.medmamba.dropPathRate, ...shape });
  const resnetShape = { ...shape, blocks: p.resnet.blocks, stemStride: p.resnet.stemStride };
  return { medmamba, resnet: { ...resnetShape, width: fitResnetWidth(medmambaParams(medmamba), resnetShape) } };
}

export function modelLabel(id: ModelId, p: Params, resnet: ResNetConfig): string {
  if (id === 'medmamba') return `MedMamba-${p.medmamba.variant}`;
  const depth = 2 + 2 * resnet.blocks.reduce((a, b) => a + b, 0);
  return `ResNet-${depth} (width ${resnet.width})`;
}

const base = {
  medmamba: { variant: 'small' as const, dropPathRate: 0.1 },
  resnet: { blocks: [1, 1, 1, 1] as [number, number, number, number], stemStride: 1 },
  schedule: 'constant' as const,
  finalFraction: 1,
  weightDecay: 0,
  labelSmoothing: 0,
  flip: true,
  cropPadding: 0,
  validationFraction: 0.1,
  trainSubset: null,
  patience: null,
  evalBatch: 250,
  checkpointEvery: 200,
  mhistSplit: 'official' as const,
};

export default defineExperiment({
  id: 'image-classification',
  title: 'Image classification: MedMamba and a ResNet baseline',
  summary:
    'MedMamba and a ResNet of about the same parameter count, trained the same way on the same images (Fashion-MNIST locally; CIFAR-10, CIFAR-100 and MHIST with the original recipe); per-epoch loss, test and validation accuracy, best-on-test and validation-chosen accuracy.',
  paramsSchema,
  profiles: {
    smoke: { ...base, epochs: 2, batch: 8, learningRate: 1e-3, validationFraction: 0.25, evalBatch: 16, checkpointEvery: 2 },
    // Sized by measurement on this 2-core machine when quiet (bench/step-profile.ts): a training step
    // of 128 images takes about 250 ms for the small MedMamba and 120 ms for the ResNet, so three seeds
    // of both models on the full training set (less the held-out validation images), two cells at a
    // time, fit an hour at six epochs with the evaluations. Runs this short underfit (a pilot's
    // training loss stayed near the test loss), so the local profile drops the regularisers: no
    // flips, no drop-path.
    local: {
      ...base,
      medmamba: { variant: 'small', dropPathRate: 0 },
      flip: false,
      resnet: { blocks: [1, 1, 1, 1], stemStride: 2 },
      epochs: 6,
      batch: 128,
      learningRate: 2e-3,
      schedule: 'linear-decay',
      finalFraction: 0.05,
      validationFraction: 0.05,
      evalBatch: 500,
    },
    // The original study's train.py: MedMamba-T, Adam 1e-4, batch 32, horizontal flip only, no normalisation, 500 epochs.
    paper: { ...base, medmamba: { variant: 'T', dropPathRate: 0.1 }, epochs: 500, batch: 32, learningRate: 1e-4, checkpointEvery: 500 },
  },
  datasets: DATASETS,
  async run(ctx) {
    const p = ctx.params;
    const id = ctx.cell.model as ModelId;
    if (!MODELS.includes(id)) throw new Error(`image-classification: unknown model '${String(ctx.cell.model)}' (expected ${MODELS.join(', ')})`);
    const dataset = datasetId(ctx.cell.dataset);
    const { train: trainSet, test } = await loadCellData({ id: dataset, profile: ctx.profile, data: ctx.data, mhistSplit: p.mhistSplit, seed: ctx.seed });
    const classes = trainSet.classes.length;

    // Validation split carved from the training images, then (optionally) a subset of the rest.
    const split = validationSplit(trainSet.count, Math.max(1, Math.round(p.validationFraction * trainSet.count)), ctx.seed * 1000 + 1);
    let trainIdx = split.train;
    if (p.trainSubset !== null && p.trainSubset < trainIdx.length) {
      trainIdx = Int32Array.from(permutation(trainIdx.length, new Rng(ctx.seed * 1000 + 2)).subarray(0, p.trainSubset), (i) => split.train[i]!).sort();
    }
    const testIdx = Int32Array.from({ length: test.count }, (_, i) => i);
    const pad = medmambaPadding(trainSet.height, trainSet.width);
    const input = { pad };

    const configs = modelConfigs(p, { inChans: trainSet.channels, numClasses: classes });
    const modelSeed = ctx.seed * 1000 + 3 + MODELS.indexOf(id);
    const model: ImageClassifier = id === 'medmamba' ? new MedMamba(configs.medmamba, modelSeed) : new ResNet(configs.resnet, modelSeed);
    const parameters = model.params.count();
    const label = modelLabel(id, p, configs.resnet);
    ctx.log.info(`${label} on ${DATASET_LABELS[dataset]}, seed ${ctx.seed}: ${parameters} parameters, ${trainIdx.length} training, ${split.holdout.length} validation, ${test.count} test images`);

    const steps = p.epochs * Math.ceil(trainIdx.length / p.batch);
    const aug = { flip: p.flip, cropPadding: p.cropPadding };
    const started = performance.now();
    let result;
    const series: Record<string, number>[] = [];
    try {
      const evaluate = async (set: ImageSet, idx: Int32Array) => scores(await predict(model, set, idx, p.evalBatch, input));
      result = await train({
        model,
        epochs: p.epochs,
        batches: (epoch) => epochBatches(trainIdx, p.batch, new Rng(ctx.seed * 1000 + 100 + epoch)),
        loss: (indices, rng) => {
          const batch = batchTensors(assembleBatch(trainSet, indices, { ...input, augmentation: sampleAugmentation(indices.length, aug, rng) }));
          return labelSmoothedCrossEntropy(model.forward(batch.x, { training: true, rng }), batch.y, p.labelSmoothing);
        },
        evaluate: async () => {
          const t = await evaluate(test, testIdx);
          const v = await evaluate(trainSet, split.holdout);
          const out: Record<string, number> = { testAccuracy: t.accuracy!, valAccuracy: v.accuracy! };
          if (t.balancedAccuracy !== undefined) out.testBalancedAccuracy = t.balancedAccuracy;
          if (t.auc !== undefined) out.testAuc = t.auc;
          return out;
        },
        schedule: p.schedule === 'constant' ? constant(p.learningRate) : linearDecay(p.learningRate, steps, p.finalFraction),
        optimizer: { weightDecay: p.weightDecay },
        seed: ctx.seed * 1000 + 4,
        select: { metric: 'valAccuracy', mode: 'max', ...(p.patience !== null ? { patience: p.patience } : {}) },
        checkpoint: ctx.checkpoint,
        checkpointEvery: p.checkpointEvery,
        progress: ctx.progress,
        log: ctx.log,
        signal: ctx.signal,
      });
    } finally {
      model.dispose();
    }
    const wallSeconds = (performance.now() - started) / 1000;
    for (const h of result.history) series.push({ epoch: h.epoch, trainLoss: h.trainLoss, learningRate: h.learningRate, ...h.metrics });
    ctx.results.series('epochs', series);

    const at = (epoch: number) => series.find((r) => r.epoch === epoch)!;
    const bestTest = series.reduce((best, r) => (r.testAccuracy! > best.testAccuracy! ? r : best)); // earliest on ties
    const selected = at(result.best!.epoch);
    const trainLabels = Int32Array.from(trainIdx, (i) => trainSet.labels[i]!);
    const metrics: Record<string, number | string | null> = {
      label,
      model: id,
      dataset,
      datasetLabel: DATASET_LABELS[dataset],
      parameters,
      classes,
      trainImages: trainIdx.length,
      validationImages: split.holdout.length,
      testImages: test.count,
      imageSide: trainSet.height,
      inputSide: pad.height,
      sideMultiple: MEDMAMBA_SIDE_MULTIPLE,
      padding: describePadding(trainSet.height, trainSet.width),
      epochs: p.epochs,
      // The recipe, for the report's prose (equal in every cell of a profile).
      batch: p.batch,
      learningRate: p.learningRate,
      schedule: p.schedule,
      finalLearningRate: p.schedule === 'constant' ? p.learningRate : p.learningRate * p.finalFraction,
      weightDecay: p.weightDecay,
      flip: p.flip ? 'yes' : 'no',
      cropPadding: p.cropPadding,
      medmambaDepths: configs.medmamba.depths.join(', '),
      medmambaDims: configs.medmamba.dims.join(', '),
      dropPathRate: id === 'medmamba' ? configs.medmamba.dropPathRate : null,
      resnetWidth: configs.resnet.width,
      resnetStemStride: configs.resnet.stemStride ?? 1,
      stepsPerEpoch: Math.ceil(trainIdx.length / p.batch),
      epochsRun: result.history.length,
      steps: result.steps,
      bestTestAccuracy: bestTest.testAccuracy!,
      bestTestEpoch: bestTest.epoch!,
      selectedEpoch: selected.epoch!,
      selectedValAccuracy: selected.valAccuracy!,
      selectedTestAccuracy: selected.testAccuracy!,
      finalTestAccuracy: series.at(-1)!.testAccuracy!,
      finalTrainLoss: series.at(-1)!.trainLoss!,
      // What always answering the training set's most frequent class scores on the test set.
      majorityClass: trainSet.classes[majorityClass(trainLabels)]!,
      majorityRate: majorityClassRate(test.labels, trainLabels),
      testClassCounts: classCounts(test.labels, classes).join(' '),
      selectedTestBalancedAccuracy: selected.testBalancedAccuracy ?? null,
      selectedTestAuc: selected.testAuc ?? null,
      // Wall time of this process's part of the run (a resumed run counts from its resume).
      wallSeconds,
      resumedAtStep: result.resumedAtStep,
    };
    ctx.results.metrics(metrics);
    ctx.log.info(
      `${label} on ${DATASET_LABELS[dataset]}, seed ${ctx.seed}: best test accuracy ${bestTest.testAccuracy!.toFixed(4)} (epoch ${bestTest.epoch}), ` +
        `at the validation-chosen epoch ${selected.epoch} ${selected.testAccuracy!.toFixed(4)}, ${wallSeconds.toFixed(0)} s`,
    );
  },
});
