/**
 * CIFAR-100, binary version (Krizhevsky 2009): 60,000 32x32 colour images, 100 fine classes grouped
 * into 20 coarse ones; 50,000 training images (train.bin) and 10,000 test images (test.bin).
 * Download https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz (168,513,733 bytes; the page
 * publishes its MD5, 03b5dce01913d631647c71ecec9e9cb8, and no sha256), unpack it and point `root`
 * at its folder `cifar-100-binary/` (default data/cifar-100-binary). Records: 1 coarse label byte
 * + 1 fine label byte + 3072 pixel bytes (cifar-binary.ts).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dataset } from '../../engine/contract.ts';
import { cifarImageSet } from './cifar-binary.ts';
import { requireFiles, type ReadFile, type TrainTest } from './image-set.ts';

export const CIFAR100_ARCHIVE = {
  url: 'https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz',
  bytes: 168_513_733,
  md5: '03b5dce01913d631647c71ecec9e9cb8',
} as const;

export const CIFAR100_DIR = 'data/cifar-100-binary';
export const CIFAR100_FILES = { train: 'train.bin', test: 'test.bin' } as const;
export const CIFAR100_RECORDS = { train: 50_000, test: 10_000 } as const;

/** The fine classes in label order (the archive's fine_label_names.txt: alphabetical). */
export const CIFAR100_FINE_CLASSES = [
  'apple', 'aquarium_fish', 'baby', 'bear', 'beaver', 'bed', 'bee', 'beetle', 'bicycle', 'bottle',
  'bowl', 'boy', 'bridge', 'bus', 'butterfly', 'camel', 'can', 'castle', 'caterpillar', 'cattle',
  'chair', 'chimpanzee', 'clock', 'cloud', 'cockroach', 'couch', 'crab', 'crocodile', 'cup', 'dinosaur',
  'dolphin', 'elephant', 'flatfish', 'forest', 'fox', 'girl', 'hamster', 'house', 'kangaroo', 'keyboard',
  'lamp', 'lawn_mower', 'leopard', 'lion', 'lizard', 'lobster', 'man', 'maple_tree', 'motorcycle', 'mountain',
  'mouse', 'mushroom', 'oak_tree', 'orange', 'orchid', 'otter', 'palm_tree', 'pear', 'pickup_truck', 'pine_tree',
  'plain', 'plate', 'poppy', 'porcupine', 'possum', 'rabbit', 'raccoon', 'ray', 'road', 'rocket',
  'rose', 'sea', 'seal', 'shark', 'shrew', 'skunk', 'skyscraper', 'snail', 'snake', 'spider',
  'squirrel', 'streetcar', 'sunflower', 'sweet_pepper', 'table', 'tank', 'telephone', 'television', 'tiger', 'tractor',
  'train', 'trout', 'tulip', 'turtle', 'wardrobe', 'whale', 'willow_tree', 'wolf', 'woman', 'worm',
] as const;

/** The coarse superclasses in label order (coarse_label_names.txt). */
export const CIFAR100_COARSE_CLASSES = [
  'aquatic_mammals', 'fish', 'flowers', 'food_containers', 'fruit_and_vegetables', 'household_electrical_devices',
  'household_furniture', 'insects', 'large_carnivores', 'large_man-made_outdoor_things', 'large_natural_outdoor_scenes',
  'large_omnivores_and_herbivores', 'medium_mammals', 'non-insect_invertebrates', 'people', 'reptiles', 'small_mammals',
  'trees', 'vehicles_1', 'vehicles_2',
] as const;

const HOW_TO = `Download ${CIFAR100_ARCHIVE.url} (${CIFAR100_ARCHIVE.bytes} bytes, MD5 ${CIFAR100_ARCHIVE.md5}), unpack it (tar -xzf) and give its folder cifar-100-binary/ as root (default ${CIFAR100_DIR}).`;

const files = (root: string) => [join(root, CIFAR100_FILES.train), join(root, CIFAR100_FILES.test)];

export function cifar100Dataset(root = CIFAR100_DIR): Dataset {
  return { id: 'cifar-100', title: 'CIFAR-100 (binary version)', source: `${CIFAR100_ARCHIVE.url} (Krizhevsky 2009)`, files: () => files(root) };
}

/** The data set at its default location. */
export const CIFAR100_DATASET: Dataset = cifar100Dataset();

export interface Cifar100LoadOptions {
  root?: string;
  read?: ReadFile;
  /** Which label is the class: 'fine' (100 classes, the study's) or 'coarse' (20). */
  labels?: 'fine' | 'coarse';
  /** Records each file must hold (official: 50,000 and 10,000; fixtures are smaller). */
  records?: { train: number; test: number };
}

export async function loadCifar100(options: Cifar100LoadOptions = {}): Promise<TrainTest> {
  const { root = CIFAR100_DIR, read = readFile, labels = 'fine', records = CIFAR100_RECORDS } = options;
  await requireFiles('CIFAR-100', files(root), HOW_TO);
  const classes = labels === 'fine' ? CIFAR100_FINE_CLASSES : CIFAR100_COARSE_CLASSES;
  const load = async (part: 'train' | 'test') => {
    const file = join(root, CIFAR100_FILES[part]);
    const bytes = await read(file);
    if (bytes.length !== records[part] * 3074) throw new Error(`${file}: ${bytes.length} bytes, expected ${records[part]} records of 3074 (${records[part] * 3074})`);
    return cifarImageSet(bytes, 2, labels === 'fine' ? 1 : 0, classes, file);
  };
  return { train: await load('train'), test: await load('test') };
}
