import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  FASHION_MNIST_DIR,
  FASHION_MNIST_FILES,
  fashionMnistDataset,
  loadFashionMnist,
} from '../../experiments/data/fashion-mnist.ts';
import { writeFashionMnistFixture } from '../../experiments/data/fixtures/fashion-mnist-fixture.ts';
import { encodeIdx, gunzipIfNeeded, parseIdx } from '../../experiments/data/idx.ts';
import { classCounts } from '../../experiments/data/image-set.ts';
import { tempDir } from './helpers.ts';

const tmp = tempDir('fmnist');
afterAll(tmp.cleanup);

describe('IDX', () => {
  it('round-trips, and names the file and the mismatch on bad input', () => {
    const data = Uint8Array.from([1, 2, 3, 4, 5, 6]);
    const bytes = encodeIdx([2, 3], data);
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0, 0, 8, 2]);
    const idx = parseIdx(gunzipIfNeeded(gzipSync(bytes)), 'x.idx');
    expect(idx.dims).toEqual([2, 3]);
    expect(Array.from(idx.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => parseIdx(bytes.subarray(0, bytes.length - 1), 'short.idx')).toThrow(/short.idx: header says dims 2 x 3 \(18 bytes\), the file has 17/);
    expect(() => parseIdx(Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 0]), 'f.idx')).toThrow(/f.idx: IDX element type 0xd/);
    expect(() => parseIdx(Uint8Array.from([1, 0, 8, 1]), 'g.idx')).toThrow(/g.idx: not an IDX file/);
  });
});

describe('Fashion-MNIST loader', () => {
  it('loads the fixture exactly: pixels in place, labels, classes', async () => {
    const root = join(tmp.dir, 'fx');
    const fx = writeFashionMnistFixture(root, { train: 20, test: 10, seed: 3 });
    const read: string[] = [];
    const { train, test } = await loadFashionMnist({
      root,
      verify: false,
      read: async (f) => {
        read.push(f);
        const { readFile } = await import('node:fs/promises');
        return readFile(f);
      },
    });
    expect(read.sort()).toEqual(Object.values(FASHION_MNIST_FILES).map((f) => join(root, f)).sort());
    expect([train.count, train.height, train.width, train.channels, train.layout]).toEqual([20, 28, 28, 1, 'hwc']);
    expect(test.count).toBe(10);
    expect(Array.from(train.pixels.subarray(train.offset, train.offset + train.count * train.stride))).toEqual(Array.from(fx.train.pixels));
    expect(Array.from(test.labels)).toEqual(Array.from(fx.test.labels));
    expect(train.classes[9]).toBe('Ankle boot');
  });

  it('checks the unzipped sha256 by default (the fixture is not the real data)', async () => {
    const root = join(tmp.dir, 'fx2');
    writeFashionMnistFixture(root);
    await expect(loadFashionMnist({ root })).rejects.toThrow(/train-images-idx3-ubyte.gz: unzipped sha256 [0-9a-f]{64} \(15696 bytes\), expected c59f468a/);
  });

  it('missing data: the error names the files, the Debian package and the upstream URL', async () => {
    await expect(loadFashionMnist({ root: join(tmp.dir, 'nothing') })).rejects.toThrow(
      /Fashion-MNIST: missing .*train-images-idx3-ubyte.gz.*apt-get install -y dataset-fashion-mnist.*github.com\/zalandoresearch\/fashion-mnist/,
    );
  });

  it('a label outside 0..9 is an error naming the file and the image', async () => {
    const root = join(tmp.dir, 'bad');
    writeFashionMnistFixture(root, { train: 4, test: 2 });
    writeFileSync(join(root, FASHION_MNIST_FILES.testLabels), gzipSync(encodeIdx([2], Uint8Array.from([3, 12]))));
    await expect(loadFashionMnist({ root, verify: false })).rejects.toThrow(/t10k-labels-idx1-ubyte.gz: label 12 of image 1/);
  });

  it('the Dataset declares the four files', () => {
    expect(fashionMnistDataset('/d').files('local')).toEqual(Object.values(FASHION_MNIST_FILES).map((f) => join('/d', f)));
  });

  const installed = existsSync(join(FASHION_MNIST_DIR, FASHION_MNIST_FILES.trainImages));
  it.skipIf(!installed)('the real data (dataset-fashion-mnist): sha256 verified, 6,000 / 1,000 per class, first labels', async () => {
    const { train, test } = await loadFashionMnist();
    expect(train.count).toBe(60_000);
    expect(classCounts(train.labels, 10)).toEqual(new Array(10).fill(6000));
    expect(classCounts(test.labels, 10)).toEqual(new Array(10).fill(1000));
    expect(Array.from(train.labels.subarray(0, 10))).toEqual([9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
    let sum = 0;
    for (let i = 0; i < train.count * train.stride; i++) sum += train.pixels[train.offset + i]!;
    expect(sum / (train.count * train.stride)).toBeCloseTo(72.94, 1);
  });
});
