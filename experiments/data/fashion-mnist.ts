/**
 * Fashion-MNIST (Xiao, Rasul & Vollgraf 2017, arXiv 1708.07747): 70,000 grayscale 28x28 images of
 * clothing in 10 classes, 60,000 for training and 10,000 for testing (6,000 and 1,000 per class),
 * in the IDX format (idx.ts), gzipped.
 *
 * Offline source: Debian's package `dataset-fashion-mnist` (0.0~git20200523.55506a9-1, MIT licence):
 * `apt-get install -y dataset-fashion-mnist` puts the four files under /usr/share/datasets/fashion-mnist/.
 * Elsewhere: the official release files of github.com/zalandoresearch/fashion-mnist (same names, same
 * IDX bytes). Debian re-gzipped the files, so the .gz bytes differ from upstream's; what both share
 * is the unzipped content, and that is what `loadFashionMnist` checks, against these sha256s:
 */
import { join } from 'node:path';
import type { Dataset } from '../../engine/contract.ts';
import { gunzipIfNeeded, parseIdx } from './idx.ts';
import { requireFiles, sha256, type ImageSet, type ReadFile, type TrainTest } from './image-set.ts';
import { readFile } from 'node:fs/promises';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const FASHION_MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
} as const;

/** sha256 and size of each file's UNZIPPED bytes (the official content). */
export const FASHION_MNIST_SHA256: Record<keyof typeof FASHION_MNIST_FILES, { sha256: string; bytes: number }> = {
  trainImages: { sha256: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888', bytes: 47_040_016 },
  trainLabels: { sha256: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9', bytes: 60_008 },
  testImages: { sha256: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b', bytes: 7_840_016 },
  testLabels: { sha256: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34', bytes: 10_008 },
};

export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;

const HOW_TO =
  "Install Debian's package: apt-get install -y dataset-fashion-mnist (it puts the files in /usr/share/datasets/fashion-mnist/), " +
  'or download the four .gz files of https://github.com/zalandoresearch/fashion-mnist (data/fashion/) into the folder given as root.';

const paths = (root: string) => Object.values(FASHION_MNIST_FILES).map((f) => join(root, f));

/** The contract's Dataset for the files under `root` (the same files for every profile). */
export function fashionMnistDataset(root = FASHION_MNIST_DIR): Dataset {
  return {
    id: 'fashion-mnist',
    title: 'Fashion-MNIST',
    source:
      "Debian package dataset-fashion-mnist (0.0~git20200523.55506a9-1, MIT), from github.com/zalandoresearch/fashion-mnist; " +
      'checked by the sha256 of the unzipped files',
    files: () => paths(root),
  };
}

/** The data set at its default location. */
export const FASHION_MNIST_DATASET: Dataset = fashionMnistDataset();

export interface LoadOptions {
  root?: string;
  read?: ReadFile;
  /** Check the unzipped bytes against FASHION_MNIST_SHA256 (default true; fixtures turn it off). */
  verify?: boolean;
}

/** Train and test sets of Fashion-MNIST (channels 1, layout hwc, pixels 0..255). */
export async function loadFashionMnist(options: LoadOptions = {}): Promise<TrainTest> {
  const { root = FASHION_MNIST_DIR, read = readFile, verify = true } = options;
  await requireFiles('Fashion-MNIST', paths(root), HOW_TO);
  const load = async (key: keyof typeof FASHION_MNIST_FILES) => {
    const file = join(root, FASHION_MNIST_FILES[key]);
    const bytes = gunzipIfNeeded(await read(file));
    if (verify) {
      const want = FASHION_MNIST_SHA256[key];
      const got = sha256(bytes);
      if (got !== want.sha256) throw new Error(`${file}: unzipped sha256 ${got} (${bytes.length} bytes), expected ${want.sha256} (${want.bytes} bytes)`);
    }
    return { file, idx: parseIdx(bytes, file) };
  };
  const split = async (images: keyof typeof FASHION_MNIST_FILES, labels: keyof typeof FASHION_MNIST_FILES) =>
    idxImageSet(await load(images), await load(labels), FASHION_MNIST_CLASSES);
  return { train: await split('trainImages', 'trainLabels'), test: await split('testImages', 'testLabels') };
}

/** An ImageSet over an IDX image file (count, rows, cols) and its IDX label file (count). */
export function idxImageSet(
  images: { file: string; idx: ReturnType<typeof parseIdx> },
  labels: { file: string; idx: ReturnType<typeof parseIdx> },
  classes: readonly string[],
): ImageSet {
  const [count, height, width] = images.idx.dims;
  if (images.idx.dims.length !== 3) throw new Error(`${images.file}: expected 3 dimensions (count, rows, cols), got ${images.idx.dims.join(' x ')}`);
  if (labels.idx.dims.length !== 1 || labels.idx.dims[0] !== count) {
    throw new Error(`${labels.file}: ${labels.idx.dims.join(' x ')} labels for ${count} images in ${images.file}`);
  }
  const out = new Int32Array(count!);
  for (let i = 0; i < count!; i++) {
    const k = labels.idx.data[i]!;
    if (k >= classes.length) throw new Error(`${labels.file}: label ${k} of image ${i} is outside 0..${classes.length - 1}`);
    out[i] = k;
  }
  return { pixels: images.idx.data, offset: 0, stride: height! * width!, layout: 'hwc', count: count!, height: height!, width: width!, channels: 1, labels: out, classes };
}
