/**
 * MHIST (Wei et al. 2021, "A Petri Dish for Histopathology Image Analysis", AIME 2021): 3,152
 * 224x224 RGB PNG patches of colorectal polyps, labelled HP (hyperplastic polyp, benign; 2,162) or
 * SSA (sessile serrated adenoma, precancerous; 990) by the majority vote of 7 pathologists, with an
 * official partition of 2,175 training and 977 test images.
 *
 * Download: https://bmirds.github.io/MHIST/ (after a short form the page sends images.zip and
 * annotations.csv; no checksum is published: the engine records the sha256 of every file read).
 * Layout expected under `root` (default data/mhist): annotations.csv and images/ (images.zip unpacked).
 * annotations.csv columns: `Image Name` (file name in images/), `Majority Vote Label` (HP | SSA),
 * `Number of Annotators who Selected SSA (Out of 7)`, `Partition` (train | test).
 * Classes: HP = 0, SSA = 1 (as the original study's mhist.py).
 * Splits: 'official' uses the Partition column; 'random' is the original study's: a random 80/20
 * split of all 3,152 images (2,521 / 631) ignoring the partition, seeded here (the study's was not).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { Dataset } from '../../engine/contract.ts';
import { requireFiles, type ImageSet, type ReadFile, type TrainTest } from './image-set.ts';
import { randomSplit } from './splits.ts';

export const MHIST_URL = 'https://bmirds.github.io/MHIST/';
export const MHIST_DIR = 'data/mhist';
export const MHIST_CLASSES = ['HP', 'SSA'] as const;
export const MHIST_SIDE = 224;

const COLUMNS = { name: 'Image Name', label: 'Majority Vote Label', partition: 'Partition' } as const;
const HOW_TO = `Request and download MHIST at ${MHIST_URL} (images.zip and annotations.csv), put annotations.csv in the root folder (default ${MHIST_DIR}) and unzip images.zip there so the PNGs are in <root>/images/.`;

export interface MhistRow {
  image: string;
  label: number;
  partition: 'train' | 'test';
}

/** Parse annotations.csv; errors name the file, line and value. */
export function parseMhistAnnotations(text: string, file: string): MhistRow[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new Error(`${file}: empty`);
  const header = splitCsvLine(lines[0]!);
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`${file}:1: no column '${name}' (columns: ${header.join(', ')})`);
    return i;
  };
  const [ci, cl, cp] = [col(COLUMNS.name), col(COLUMNS.label), col(COLUMNS.partition)];
  return lines.slice(1).map((line, i) => {
    const cells = splitCsvLine(line);
    const where = `${file}:${i + 2}`;
    const label = MHIST_CLASSES.indexOf(cells[cl] as (typeof MHIST_CLASSES)[number]);
    if (label < 0) throw new Error(`${where}: label '${cells[cl]}', expected HP or SSA`);
    const partition = cells[cp];
    if (partition !== 'train' && partition !== 'test') throw new Error(`${where}: partition '${partition}', expected train or test`);
    if (!cells[ci]) throw new Error(`${where}: no image name`);
    return { image: cells[ci]!, label, partition };
  });
}

/** One CSV line: comma-separated cells, double-quoted cells may hold commas and "" escapes. */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') out.push(cell.trim()), (cell = '');
    else cell += ch;
  }
  out.push(cell.trim());
  return out;
}

export function mhistDataset(root = MHIST_DIR): Dataset {
  return {
    id: 'mhist',
    title: 'MHIST',
    source: `${MHIST_URL} (Wei et al. 2021)`,
    // The image files are named by annotations.csv: declaring the CSV fixes which images are read;
    // every image read is fingerprinted by the engine as data actually read.
    files: () => [join(root, 'annotations.csv')],
  };
}

/** The data set at its default location. */
export const MHIST_DATASET: Dataset = mhistDataset();

export interface MhistLoadOptions {
  root?: string;
  read?: ReadFile;
  split?: 'official' | 'random';
  /** Seed of the random split. */
  seed?: number;
  /** Train fraction of the random split (the original's 0.8). */
  trainFraction?: number;
  /** Expected side of every image (224 in MHIST; fixtures are smaller). */
  side?: number;
}

/** MHIST's train and test sets (RGB, layout hwc), by the official partition or the seeded random split. */
export async function loadMhist(options: MhistLoadOptions = {}): Promise<TrainTest> {
  const { root = MHIST_DIR, read = readFile, split = 'official', seed = 0, trainFraction = 0.8, side = MHIST_SIDE } = options;
  const csv = join(root, 'annotations.csv');
  await requireFiles('MHIST', [csv, join(root, 'images')], HOW_TO);
  const rows = parseMhistAnnotations((await read(csv)).toString('utf8'), csv);
  let train: number[];
  let test: number[];
  if (split === 'official') {
    train = rows.flatMap((r, i) => (r.partition === 'train' ? [i] : []));
    test = rows.flatMap((r, i) => (r.partition === 'test' ? [i] : []));
  } else {
    const s = randomSplit(rows.length, trainFraction, seed);
    [train, test] = [Array.from(s.train), Array.from(s.holdout)];
  }
  await requireFiles('MHIST', rows.map((r) => join(root, 'images', r.image)), HOW_TO);
  const decode = async (indices: number[]): Promise<ImageSet> => {
    const bytesPer = side * side * 3;
    const pixels = new Uint8Array(indices.length * bytesPer);
    const labels = new Int32Array(indices.length);
    for (let j = 0; j < indices.length; j++) {
      const row = rows[indices[j]!]!;
      const file = join(root, 'images', row.image);
      const png = PNG.sync.read(await read(file)); // RGBA, 8 bits a channel, whatever the file's colour type
      if (png.width !== side || png.height !== side) throw new Error(`${file}: ${png.width} x ${png.height}, expected ${side} x ${side}`);
      const out = pixels.subarray(j * bytesPer, (j + 1) * bytesPer);
      for (let p = 0, q = 0; q < out.length; p += 4, q += 3) {
        out[q] = png.data[p]!;
        out[q + 1] = png.data[p + 1]!;
        out[q + 2] = png.data[p + 2]!;
      }
      labels[j] = row.label;
    }
    return { pixels, offset: 0, stride: bytesPer, layout: 'hwc', count: indices.length, height: side, width: side, channels: 3, labels, classes: MHIST_CLASSES };
  };
  return { train: await decode(train), test: await decode(test) };
}
