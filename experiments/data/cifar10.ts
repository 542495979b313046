/**
 * CIFAR-10, binary version (Krizhevsky 2009): 60,000 32x32 colour images in 10 classes, 50,000 for
 * training in five files of 10,000 and 10,000 for testing. Download
 * https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz (170,052,171 bytes; the page publishes its
 * MD5, c32a1d4ab5d03f1284b67883e8d87530, and no sha256), unpack it and point `root` at the folder
 * `cifar-10-batches-bin/` it contains (default data/cifar-10-batches-bin). Records: 1 label byte +
 * 3072 pixel bytes (cifar-binary.ts), 30,730,000 bytes per file.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dataset } from '../../engine/contract.ts';
import { cifarImageSet } from './cifar-binary.ts';
import { requireFiles, type ReadFile, type TrainTest } from './image-set.ts';

export const CIFAR10_ARCHIVE = {
  url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
  bytes: 170_052_171,
  md5: 'c32a1d4ab5d03f1284b67883e8d87530',
} as const;

export const CIFAR10_DIR = 'data/cifar-10-batches-bin';
export const CIFAR10_TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'] as const;
export const CIFAR10_TEST_FILE = 'test_batch.bin';
/** Records per official file. */
export const CIFAR10_RECORDS_PER_FILE = 10_000;
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;

const HOW_TO = `Download ${CIFAR10_ARCHIVE.url} (${CIFAR10_ARCHIVE.bytes} bytes, MD5 ${CIFAR10_ARCHIVE.md5}), unpack it (tar -xzf) and give its folder cifar-10-batches-bin/ as root (default ${CIFAR10_DIR}).`;

const files = (root: string) => [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE].map((f) => join(root, f));

export function cifar10Dataset(root = CIFAR10_DIR): Dataset {
  return { id: 'cifar-10', title: 'CIFAR-10 (binary version)', source: `${CIFAR10_ARCHIVE.url} (Krizhevsky 2009)`, files: () => files(root) };
}

/** The data set at its default location. */
export const CIFAR10_DATASET: Dataset = cifar10Dataset();

export interface CifarLoadOptions {
  root?: string;
  read?: ReadFile;
  /** Records each file must hold (10,000 in the official files; fixtures are smaller). */
  recordsPerFile?: number;
}

export async function loadCifar10(options: CifarLoadOptions = {}): Promise<TrainTest> {
  const { root = CIFAR10_DIR, read = readFile, recordsPerFile = CIFAR10_RECORDS_PER_FILE } = options;
  await requireFiles('CIFAR-10', files(root), HOW_TO);
  const load = async (name: string) => {
    const file = join(root, name);
    const bytes = await read(file);
    if (bytes.length !== recordsPerFile * 3073) throw new Error(`${file}: ${bytes.length} bytes, expected ${recordsPerFile} records of 3073 (${recordsPerFile * 3073})`);
    return bytes;
  };
  const train = Buffer.concat(await Promise.all(CIFAR10_TRAIN_FILES.map(load)));
  return {
    train: cifarImageSet(train, 1, 0, CIFAR10_CLASSES, join(root, 'data_batch_{1..5}.bin')),
    test: cifarImageSet(await load(CIFAR10_TEST_FILE), 1, 0, CIFAR10_CLASSES, join(root, CIFAR10_TEST_FILE)),
  };
}
