/**
 * The original study's own numbers, as data of this project, each with its source:
 * - its per-epoch training logs (original-runs/*.csv, transcribed from the log files published with
 *   the study, GitHub jacedoir/ECE1512_2024F_ProjectRepo_Grzeczkowicz at commit c66fb5f, folder
 *   Project B/MedMamba; the first line of every file says which log). Epochs are 1-based as logged;
 *   the study's plots and text count from 0, so its "epoch 481" is logged epoch 482.
 * - the best accuracies and epochs its report states, and the state of the art it quotes from
 *   Papers with Code (bibliography keys in report/references.bib).
 * Read by figures.ts only: none of it enters a cache key, and none of it is computed here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = join(fileURLToPath(new URL('.', import.meta.url)), 'original-runs');

export interface OriginalRun {
  /** Data set id of this project. */
  dataset: 'cifar-10' | 'cifar-100' | 'mhist';
  file: string;
  /** Which of the study's runs: its first (shorter) or its second, 500-epoch one ("bis"). */
  run: string;
  /** The run whose best value the study's report quotes. */
  reported: boolean;
}

export const ORIGINAL_RUNS: readonly OriginalRun[] = [
  { dataset: 'cifar-10', file: 'medmamba_cifar10.csv', run: 'first run (100 epochs)', reported: false },
  { dataset: 'cifar-10', file: 'medmamba_cifar10_bis.csv', run: 'second run (500 epochs)', reported: true },
  { dataset: 'cifar-100', file: 'medmamba_cifar100.csv', run: 'first run (200 epochs)', reported: false },
  { dataset: 'cifar-100', file: 'medmamba_cifar100_bis.csv', run: 'second run (500 epochs)', reported: true },
  { dataset: 'mhist', file: 'medmamba_mhist.csv', run: 'the run (500 epochs)', reported: true },
];

export interface OriginalEpoch {
  epoch: number;
  trainLoss: number;
  heldOutAccuracy: number;
}

/** One log's rows; errors name the file and line. */
export function readOriginalRun(file: string, dir = DIR): OriginalEpoch[] {
  const path = join(dir, file);
  const lines = readFileSync(path, 'utf8').split('\n');
  if (!lines[0]?.startsWith('# ')) throw new Error(`${path}:1: expected a '# ' source line`);
  if (lines[1] !== 'epoch,train_loss,val_accuracy') throw new Error(`${path}:2: expected the header epoch,train_loss,val_accuracy, got '${lines[1]}'`);
  const out: OriginalEpoch[] = [];
  lines.slice(2).forEach((line, i) => {
    if (line.trim() === '') return;
    const cells = line.split(',').map(Number);
    const [epoch, trainLoss, heldOutAccuracy] = cells;
    if (cells.length !== 3 || !cells.every(Number.isFinite) || epoch !== out.length + 1 || !(heldOutAccuracy! >= 0 && heldOutAccuracy! <= 1)) {
      throw new Error(`${path}:${i + 3}: bad row '${line}' (expected epoch ${out.length + 1}, a loss and an accuracy in [0, 1])`);
    }
    out.push({ epoch: epoch!, trainLoss: trainLoss!, heldOutAccuracy: heldOutAccuracy! });
  });
  return out;
}

export interface Reported {
  dataset: 'cifar-10' | 'cifar-100' | 'mhist';
  /** MedMamba's best held-out accuracy as the study's report states it, and the epoch it names (0-based). */
  accuracy: number;
  epoch: number;
  /** The best published result the study quotes (Papers with Code), with its model and bibliography keys. */
  sota: { accuracy: number; model: string; cite: string };
}

/** The study's report, its results table and text. */
export const REPORTED: readonly Reported[] = [
  { dataset: 'cifar-10', accuracy: 0.744, epoch: 481, sota: { accuracy: 0.995, model: 'ViT-H/14', cite: 'dosovitskiy2020image; pwc-cifar10' } },
  { dataset: 'cifar-100', accuracy: 0.419, epoch: 455, sota: { accuracy: 0.9608, model: 'EfficientNet-L2 + SAM', cite: 'tan2019efficientnet; foret2020sharpness; pwc-cifar100' } },
  { dataset: 'mhist', accuracy: 0.71, epoch: 93, sota: { accuracy: 0.8803, model: 'MoCo-V2', cite: 'pwc-mhist' } },
];

/** MHIST's images per class (Wei et al. 2021): the larger class, HP, is 2,162 / 3,152 of them. */
export const MHIST_CLASS_COUNTS = { HP: 2162, SSA: 990 } as const;
