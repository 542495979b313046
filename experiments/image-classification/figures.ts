/**
 * Presentation of the image study: accuracy per epoch of this edition's runs (MedMamba and the
 * ResNet side by side, one panel per data set, mean over seeds with a band from the lowest to the
 * highest seed), the original study's own per-epoch curves (its logs, committed in original-runs/),
 * and a table of best-on-test and validation-chosen accuracies beside the original's reported values
 * and the state of the art it quotes. Pure functions of the stored cells and the committed logs.
 */
import * as Plot from '@observablehq/plot';
import { figureStyle } from '../figures-palette.ts';
import { defineFigure, defineTable, type CellResults, type Results, type Row } from '../../engine/contract.ts';
import { aggregateOver, aggregateSeries } from '../metrics/aggregate.ts';
import { DATASET_LABELS, type DatasetId } from './data.ts';
import { MHIST_CLASS_COUNTS, ORIGINAL_RUNS, readOriginalRun, REPORTED } from './original.ts';

const label = (cell: CellResults) => String(cell.metrics.label);
const datasetLabel = (id: unknown) => DATASET_LABELS[id as DatasetId] ?? String(id);

/** Per data set, model and epoch: test and validation accuracy, mean over seeds, with the seeds' range of the test accuracy. */
export function epochRows(results: Results): Row[] {
  const names = new Map(results.cells.map((c) => [`${c.cell.dataset}|${c.cell.model}`, label(c)]));
  const out: Row[] = [];
  for (const [metric, kind] of [['testAccuracy', 'test'], ['valAccuracy', 'validation']] as const) {
    for (const r of aggregateSeries(results.cells, 'seed', 'epochs', 'epoch', metric)) {
      const values = results.cells
        .filter((c) => c.cell.dataset === r.dataset && c.cell.model === r.model)
        .flatMap((c) => c.series('epochs').filter((e) => e.epoch === r.epoch).map((e) => Number(e[metric])));
      out.push({
        dataset: datasetLabel(r.dataset),
        model: names.get(`${r.dataset}|${r.model}`) ?? String(r.model),
        split: kind,
        series: `${names.get(`${r.dataset}|${r.model}`) ?? r.model}, ${kind}`,
        epoch: r.epoch as number,
        mean: r.mean as number,
        min: Math.min(...values),
        max: Math.max(...values),
      });
    }
  }
  return out;
}

/** The original study's held-out accuracy per logged epoch, every run. */
export function originalRows(): Row[] {
  return ORIGINAL_RUNS.flatMap((run) =>
    readOriginalRun(run.file).map((e) => ({ dataset: datasetLabel(run.dataset), run: run.run, epoch: e.epoch, accuracy: e.heldOutAccuracy, trainLoss: e.trainLoss })),
  );
}

/** Always answering HP on MHIST: its share of the data set's images (Wei et al. 2021). */
export const mhistMajorityShare = (): number => MHIST_CLASS_COUNTS.HP / (MHIST_CLASS_COUNTS.HP + MHIST_CLASS_COUNTS.SSA);

export const figures = {
  'image-accuracy': defineFigure({
    title: 'Image classification: accuracy per epoch, MedMamba and the ResNet baseline',
    caption:
      'Accuracy per training epoch on the test set (solid) and on the validation images held out from the training set (dashed), for MedMamba and a ResNet of about the same parameter count trained with the same recipe on the same images; one panel per data set. Lines are the mean over seeds; the band spans the lowest to the highest seed on the test set. Inputs whose side is not a multiple of 32 are zero-padded (Fashion-MNIST: 28x28 to 32x32, 2 pixels on every side), for both models. The validation images are a seeded split of the training set; the models train on the rest, and the test set is the data set\'s own, in full (the counts are in the accuracy table).',
    alt: 'Line charts, one panel per data set, of accuracy against training epoch: for each of the two models a solid line (test accuracy, mean over seeds) inside a shaded band from its worst to its best seed, and a dashed line (validation accuracy).',
    plot(results, ctx) {
      const rows = epochRows(results);
      const models = [...new Set(rows.map((r) => String(r.model)))];
      const test = rows.filter((r) => r.split === 'test');
      const validation = rows.filter((r) => r.split === 'validation');
      const lo = Math.min(...rows.map((r) => Number(r.min)), ...rows.map((r) => Number(r.mean)));
      return {
        width: ctx.width,
        style: figureStyle,
        height: Math.round(ctx.width * 0.5),
        marginRight: 20,
        fx: { label: null },
        x: { label: 'epoch', grid: true },
        y: { label: 'accuracy (%)', percent: true, grid: true, domain: [Math.max(0, Math.floor(lo * 20) / 20) * 100, 100] },
        color: { legend: true, domain: models },
        marks: [
          Plot.areaY(test, { fx: 'dataset', x: 'epoch', y1: 'min', y2: 'max', fill: 'model', fillOpacity: 0.18 }),
          Plot.line(test, { fx: 'dataset', x: 'epoch', y: 'mean', stroke: 'model', strokeWidth: 2 }),
          Plot.dot(test, { fx: 'dataset', x: 'epoch', y: 'mean', stroke: 'model', r: 2.5 }),
          Plot.line(validation, { fx: 'dataset', x: 'epoch', y: 'mean', stroke: 'model', strokeDasharray: '5,3', strokeWidth: 1.5 }),
        ],
      };
    },
  }),
  'image-original-accuracy': defineFigure({
    title: "The original study's MedMamba runs: held-out accuracy per epoch (its own logs)",
    caption:
      "The original study's data, not this edition's: MedMamba-T's accuracy on the study's held-out images at every epoch, from the training logs published with it (transcribed in experiments/image-classification/original-runs/), one panel per data set, every run it logged (the second CIFAR runs and the MHIST run are those its report quotes). The held-out images are the test sets for CIFAR and a random 20% of all images for MHIST; the study reported the best of these per-epoch values. Dots mark each run's best epoch. The dashed line in the MHIST panel is the share of MHIST's larger class (HP, 2,162 of 3,152 images): what always answering HP scores on average.",
    alt: 'Three panels (CIFAR-10, CIFAR-100, MHIST) of accuracy against epoch up to 500 for the original study\'s MedMamba runs: CIFAR-10 rises to about 0.74, CIFAR-100 to about 0.42, MHIST stays between about 0.62 and 0.71 around a dashed majority-class line near 0.69.',
    plot(_results, ctx) {
      const rows = originalRows();
      const best = ORIGINAL_RUNS.map((run) => {
        const runRows = rows.filter((r) => r.run === run.run && r.dataset === datasetLabel(run.dataset));
        return runRows.reduce((a, b) => (Number(b.accuracy) > Number(a.accuracy) ? b : a));
      });
      return {
        width: ctx.width,
        style: figureStyle,
        height: Math.round(ctx.width * 0.42),
        marginRight: 20,
        fx: { label: null, domain: ['CIFAR-10', 'CIFAR-100', 'MHIST'] },
        x: { label: 'epoch (as logged, from 1)', grid: true },
        y: { label: 'held-out accuracy (%)', percent: true, grid: true, domain: [0, 100] },
        color: { legend: true },
        marks: [
          Plot.ruleY([{ dataset: 'MHIST', y: mhistMajorityShare() }], { fx: 'dataset', y: 'y', strokeDasharray: '4,3', stroke: 'currentColor', strokeOpacity: 0.7 }),
          Plot.line(rows, { fx: 'dataset', x: 'epoch', y: 'accuracy', stroke: 'run', strokeWidth: 1 }),
          Plot.dot(best, { fx: 'dataset', x: 'epoch', y: 'accuracy', stroke: 'run', fill: 'run', r: 3 }),
        ],
      };
    },
  }),
};

/** One row per data set and model of this edition (means over seeds), then the original's reported values and the state of the art it quotes. */
export function summaryRows(results: Results): Row[] {
  const by = (metric: string) =>
    new Map(aggregateOver(results.cells, 'seed', (c) => (typeof c.metrics[metric] === 'number' ? Number(c.metrics[metric]) : null)).map((r) => [`${r.dataset}|${r.model}`, r]));
  const best = by('bestTestAccuracy');
  const bestEpoch = by('bestTestEpoch');
  const selected = by('selectedTestAccuracy');
  const majority = by('majorityRate');
  const balanced = by('selectedTestBalancedAccuracy');
  const auc = by('selectedTestAuc');
  const wall = by('wallSeconds');
  const seen = new Set<string>();
  const rows: Row[] = [];
  for (const c of results.cells) {
    const key = `${c.cell.dataset}|${c.cell.model}`;
    if (seen.has(key)) continue;
    seen.add(key);
    rows.push({
      dataset: datasetLabel(c.cell.dataset),
      model: label(c),
      source: 'this edition',
      parameters: Number(c.metrics.parameters),
      trainImages: Number(c.metrics.trainImages),
      epochs: Number(c.metrics.epochsRun),
      seeds: best.get(key)?.n ?? null,
      best: best.get(key)?.mean ?? null,
      bestEpoch: bestEpoch.get(key)?.mean ?? null,
      selected: selected.get(key)?.mean ?? null,
      selectedStd: selected.get(key)?.std ?? null,
      majority: majority.get(key)?.mean ?? null,
      balanced: balanced.get(key)?.mean ?? null,
      auc: auc.get(key)?.mean ?? null,
      wallSeconds: wall.get(key)?.mean ?? null,
    });
  }
  const empty = { trainImages: null, epochs: null, parameters: null, seeds: null, bestEpoch: null, selected: null, selectedStd: null, majority: null, balanced: null, auc: null, wallSeconds: null };
  for (const r of REPORTED) {
    rows.push({ ...empty, dataset: datasetLabel(r.dataset), model: 'MedMamba-T', source: 'original study, reported', best: r.accuracy, bestEpoch: r.epoch, seeds: 1 });
    rows.push({ ...empty, dataset: datasetLabel(r.dataset), model: r.sota.model, source: 'state of the art quoted by the original', best: r.sota.accuracy });
  }
  return rows;
}

export const tables = {
  'image-accuracy-summary': defineTable({
    title: 'Image classification: best-on-test and validation-chosen accuracy',
    caption:
      "Per data set and model: the best test accuracy over all epochs and its epoch (how the original study reported, choosing the epoch on the test set), and the test accuracy at the epoch with the best validation accuracy (chosen on images held out from the training set: the number a reader can rely on), as means over seeds with the sample standard deviation of the latter; the majority-class rate of the test set (always answering the training set's largest class); for two-class data the balanced accuracy and ROC AUC at the validation-chosen epoch; mean wall-clock time per cell; the training images (less those held out for validation) and epochs of each run. Below, the original study's reported values (its epochs are counted from 0, as it reports them) and the state of the art it quotes from Papers with Code.",
    columns: [
      { key: 'dataset', label: 'Data set', align: 'left' },
      { key: 'model', label: 'Model', align: 'left' },
      { key: 'source', label: 'Source', align: 'left' },
      { key: 'parameters', label: 'Parameters', format: ',.0f', align: 'right' },
      { key: 'trainImages', label: 'Training images', format: ',.0f', align: 'right' },
      { key: 'epochs', label: 'Epochs', format: ',.0f', align: 'right' },
      { key: 'seeds', label: 'Seeds', format: ',.0f', align: 'right' },
      { key: 'best', label: 'Best test accuracy', format: '.3f', align: 'right' },
      { key: 'bestEpoch', label: 'Its epoch', format: ',.1~f', align: 'right' },
      { key: 'selected', label: 'Test accuracy, validation-chosen epoch', format: '.3f', align: 'right' },
      { key: 'selectedStd', label: 'Std over seeds', format: '.3f', align: 'right' },
      { key: 'majority', label: 'Majority-class rate', format: '.3f', align: 'right' },
      { key: 'balanced', label: 'Balanced accuracy', format: '.3f', align: 'right' },
      { key: 'auc', label: 'ROC AUC', format: '.3f', align: 'right' },
      { key: 'wallSeconds', label: 'Wall time (s)', format: ',.0f', align: 'right' },
    ],
    rows: summaryRows,
  }),
};
