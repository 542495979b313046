import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CIFAR10_CLASSES, cifar10Dataset, loadCifar10 } from '../../experiments/data/cifar10.ts';
import { CIFAR100_COARSE_CLASSES, CIFAR100_FINE_CLASSES, loadCifar100 } from '../../experiments/data/cifar100.ts';
import { writeCifar100Fixture, writeCifar10Fixture } from '../../experiments/data/fixtures/cifar-fixture.ts';
import { assembleBatch } from '../../experiments/data/batch.ts';
import { tempDir } from './helpers.ts';

const tmp = tempDir('cifar');
afterAll(tmp.cleanup);

describe('CIFAR binary loaders', () => {
  it('CIFAR-10: five training files in order, the test file, labels, planar pixels read as (h, w, c)', async () => {
    const root = join(tmp.dir, 'c10');
    const fx = writeCifar10Fixture(root, { perFile: 3, seed: 1 });
    const { train, test } = await loadCifar10({ root, recordsPerFile: 3 });
    expect([train.count, test.count, train.layout, train.stride, train.offset]).toEqual([15, 3, 'chw', 3073, 1]);
    expect(Array.from(train.labels)).toEqual(fx.train.labels.map((l) => l[0]));
    expect(Array.from(test.labels)).toEqual(fx.test.labels.map((l) => l[0]));
    expect(train.classes).toBe(CIFAR10_CLASSES);
    // Pixel (row 5, col 7) of training image 11, channel green = plane 1 of its 3072 bytes.
    const batch = assembleBatch(train, [11]);
    const want = fx.train.pixels[11 * 3072 + 1024 + 5 * 32 + 7]!;
    expect(batch.x[(5 * 32 + 7) * 3 + 1]! * 255).toBeCloseTo(want, 3);
  });

  it('CIFAR-100: coarse and fine label bytes, either as the class', async () => {
    const root = join(tmp.dir, 'c100');
    const fx = writeCifar100Fixture(root, { train: 5, test: 2 });
    const fine = await loadCifar100({ root, records: { train: 5, test: 2 } });
    expect([fine.train.stride, fine.train.offset, fine.train.classes.length]).toEqual([3074, 2, 100]);
    expect(Array.from(fine.train.labels)).toEqual(fx.train.labels.map((l) => l[1]));
    expect(fine.train.labels[0]).toBe(99);
    const coarse = await loadCifar100({ root, labels: 'coarse', records: { train: 5, test: 2 } });
    expect(Array.from(coarse.test.labels)).toEqual(fx.test.labels.map((l) => l[0]));
    expect(coarse.train.classes).toBe(CIFAR100_COARSE_CLASSES);
    expect(new Set(CIFAR100_FINE_CLASSES).size).toBe(100);
    expect(CIFAR100_COARSE_CLASSES.length).toBe(20);
  });

  it('wrong sizes and missing files are errors naming the file, the expected layout and the download', async () => {
    const root = join(tmp.dir, 'c10bad');
    writeCifar10Fixture(root, { perFile: 2 });
    await expect(loadCifar10({ root })).rejects.toThrow(/data_batch_1.bin: 6146 bytes, expected 10000 records of 3073/);
    writeFileSync(join(root, 'test_batch.bin'), new Uint8Array(3073 * 2 - 1));
    await expect(loadCifar10({ root, recordsPerFile: 2 })).rejects.toThrow(/test_batch.bin: 6145 bytes, expected 2 records/);
    await expect(loadCifar10({ root: join(tmp.dir, 'none') })).rejects.toThrow(
      /CIFAR-10: missing .*data_batch_1.bin.*https:\/\/www.cs.toronto.edu\/~kriz\/cifar-10-binary.tar.gz.*MD5 c32a1d4ab5d03f1284b67883e8d87530/,
    );
    await expect(loadCifar100({ root: join(tmp.dir, 'none') })).rejects.toThrow(/CIFAR-100: missing .*train.bin.*cifar-100-binary.tar.gz/);
    expect(cifar10Dataset('/c').files('paper')).toHaveLength(6);
  });

  it('a label byte outside the classes names the record', async () => {
    const root = join(tmp.dir, 'c10label');
    writeCifar10Fixture(root, { perFile: 2 });
    const bytes = new Uint8Array(3073 * 2);
    bytes[3073] = 10;
    writeFileSync(join(root, 'test_batch.bin'), bytes);
    await expect(loadCifar10({ root, recordsPerFile: 2 })).rejects.toThrow(/test_batch.bin: record 1 has label 10, outside 0..9/);
  });
});
