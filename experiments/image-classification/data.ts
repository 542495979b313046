/**
 * The image study's data sets, by the id a grid cell names: the contract's Dataset declarations
 * (which files each profile reads: Fashion-MNIST in the local profile, CIFAR-10, CIFAR-100 and MHIST
 * in the paper profile, none in the smoke profile, which writes small fixtures in the official
 * formats to a temporary folder and reads them through the same loaders).
 * A missing data set fails in its loader with what to download and where to put it.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DataAccess, Dataset, Profile } from '../../engine/contract.ts';
import { CIFAR10_DATASET, CIFAR10_DIR, loadCifar10 } from '../data/cifar10.ts';
import { CIFAR100_DATASET, CIFAR100_DIR, loadCifar100 } from '../data/cifar100.ts';
import { FASHION_MNIST_DATASET, FASHION_MNIST_DIR, loadFashionMnist } from '../data/fashion-mnist.ts';
import { writeCifar10Fixture, writeCifar100Fixture } from '../data/fixtures/cifar-fixture.ts';
import { writeFashionMnistFixture } from '../data/fixtures/fashion-mnist-fixture.ts';
import { writeMhistFixture } from '../data/fixtures/mhist-fixture.ts';
import type { ReadFile, TrainTest } from '../data/image-set.ts';
import { loadMhist, MHIST_DATASET, MHIST_DIR } from '../data/mhist.ts';

export const DATASET_IDS = ['fashion-mnist', 'cifar-10', 'cifar-100', 'mhist'] as const;
export type DatasetId = (typeof DATASET_IDS)[number];

export const DATASET_LABELS: Record<DatasetId, string> = {
  'fashion-mnist': 'Fashion-MNIST',
  'cifar-10': 'CIFAR-10',
  'cifar-100': 'CIFAR-100',
  mhist: 'MHIST',
};

/** Which profile reads each data set's real files. */
const READ_IN: Record<DatasetId, Profile> = { 'fashion-mnist': 'local', 'cifar-10': 'paper', 'cifar-100': 'paper', mhist: 'paper' };

const only = (dataset: Dataset, profile: Profile): Dataset => ({ ...dataset, files: (p) => (p === profile ? dataset.files(p) : []) });

export const DATASETS: readonly Dataset[] = [
  only(FASHION_MNIST_DATASET, READ_IN['fashion-mnist']),
  only(CIFAR10_DATASET, READ_IN['cifar-10']),
  only(CIFAR100_DATASET, READ_IN['cifar-100']),
  only(MHIST_DATASET, READ_IN.mhist),
];

export function datasetId(value: unknown): DatasetId {
  if (!DATASET_IDS.includes(value as DatasetId)) throw new Error(`image-classification: unknown data set '${String(value)}' (expected ${DATASET_IDS.join(', ')})`);
  return value as DatasetId;
}

export interface LoadCellData {
  id: DatasetId;
  profile: Profile;
  data: DataAccess;
  /** MHIST: the official partition, or the original study's random 80/20 split (seeded). */
  mhistSplit: 'official' | 'random';
  seed: number;
}

/**
 * The declared files go through the engine's reader (fingerprinted as data read); MHIST's images,
 * which annotations.csv names, are read directly.
 */
function reader(id: DatasetId, data: DataAccess): ReadFile {
  const declared = new Set(data.files(id).map((f) => resolve(f)));
  return (file) => (declared.has(resolve(file)) ? data.read(id, file) : readFile(file));
}

/** Train and test sets of one data set for one profile (fixtures in smoke). */
export async function loadCellData(o: LoadCellData): Promise<TrainTest> {
  if (o.profile === 'smoke') return loadFixture(o.id);
  if (o.profile !== READ_IN[o.id]) throw new Error(`image-classification: data set '${o.id}' is part of the ${READ_IN[o.id]} profile, not ${o.profile}`);
  const read = reader(o.id, o.data);
  switch (o.id) {
    case 'fashion-mnist':
      return loadFashionMnist({ root: FASHION_MNIST_DIR, read });
    case 'cifar-10':
      return loadCifar10({ root: CIFAR10_DIR, read });
    case 'cifar-100':
      return loadCifar100({ root: CIFAR100_DIR, read });
    case 'mhist':
      return loadMhist({ root: MHIST_DIR, read, split: o.mhistSplit, seed: o.seed });
  }
}

/** Sizes of the smoke fixtures: a few images a class, enough for a validation split and two batches. */
async function loadFixture(id: DatasetId): Promise<TrainTest> {
  const root = await mkdtemp(join(tmpdir(), `image-fixture-${id}-`));
  try {
    switch (id) {
      case 'fashion-mnist':
        writeFashionMnistFixture(root, { train: 24, test: 10 });
        return await loadFashionMnist({ root, verify: false });
      case 'cifar-10':
        writeCifar10Fixture(root, { perFile: 5 });
        return await loadCifar10({ root, recordsPerFile: 5 });
      case 'cifar-100':
        writeCifar100Fixture(root, { train: 24, test: 10 });
        return await loadCifar100({ root, records: { train: 24, test: 10 } });
      case 'mhist':
        // 32 pixels a side: MedMamba's smallest input.
        writeMhistFixture(root, { count: 32, side: 32 });
        return await loadMhist({ root, side: 32 });
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
