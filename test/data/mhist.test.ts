import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeMhistFixture } from '../../experiments/data/fixtures/mhist-fixture.ts';
import { loadMhist, parseMhistAnnotations } from '../../experiments/data/mhist.ts';
import { tempDir } from './helpers.ts';

const tmp = tempDir('mhist');
afterAll(tmp.cleanup);

describe('MHIST loader', () => {
  it('official partition: the CSV decides train/test; PNG pixels decoded to RGB (h, w, c); HP = 0, SSA = 1', async () => {
    const root = join(tmp.dir, 'a');
    const fx = writeMhistFixture(root, { count: 12, side: 8, seed: 2 });
    const { train, test } = await loadMhist({ root, side: 8 });
    const trainFx = fx.filter((im) => im.partition === 'train');
    const testFx = fx.filter((im) => im.partition === 'test');
    expect([train.count, test.count]).toEqual([9, 3]);
    expect(Array.from(test.labels)).toEqual(testFx.map((im) => (im.label === 'SSA' ? 1 : 0)));
    expect(Array.from(train.pixels.subarray(2 * 192, 3 * 192))).toEqual(Array.from(trainFx[2]!.rgb));
    expect([train.layout, train.channels, train.classes]).toEqual(['hwc', 3, ['HP', 'SSA']]);
  });

  it("the original study's random 80/20 split over all images: floor(0.8 n) / rest, seeded", async () => {
    const root = join(tmp.dir, 'b');
    writeMhistFixture(root, { count: 11, side: 4 });
    const a = await loadMhist({ root, side: 4, split: 'random', seed: 1 });
    const b = await loadMhist({ root, side: 4, split: 'random', seed: 1 });
    const c = await loadMhist({ root, side: 4, split: 'random', seed: 2 });
    expect([a.train.count, a.test.count]).toEqual([8, 3]);
    expect(Array.from(a.test.pixels)).toEqual(Array.from(b.test.pixels));
    expect(Array.from(a.test.pixels)).not.toEqual(Array.from(c.test.pixels));
  });

  it('bad annotations name the file, line and value; missing data names the download page', async () => {
    const header = 'Image Name,Majority Vote Label,Number of Annotators who Selected SSA (Out of 7),Partition';
    expect(() => parseMhistAnnotations(`${header}\nx.png,HP,1,train\ny.png,TA,3,test\n`, 'a.csv')).toThrow(/a.csv:3: label 'TA', expected HP or SSA/);
    expect(() => parseMhistAnnotations(`${header}\nx.png,SSA,5,val\n`, 'a.csv')).toThrow(/a.csv:2: partition 'val'/);
    expect(() => parseMhistAnnotations('Image,Label\n', 'b.csv')).toThrow(/b.csv:1: no column 'Image Name'/);
    expect(parseMhistAnnotations(`${header}\r\n"x,1.png",SSA,5,test\r\n`, 'c.csv')).toEqual([{ image: 'x,1.png', label: 1, partition: 'test' }]);
    await expect(loadMhist({ root: join(tmp.dir, 'none') })).rejects.toThrow(/MHIST: missing .*annotations.csv.*https:\/\/bmirds.github.io\/MHIST\//);
    const root = join(tmp.dir, 'c');
    const fx = writeMhistFixture(root, { count: 4, side: 4 });
    rmSync(join(root, 'images', fx[1]!.name));
    await expect(loadMhist({ root, side: 4 })).rejects.toThrow(new RegExp(`MHIST: missing .*${fx[1]!.name}`));
    writeMhistFixture(root, { count: 4, side: 4 });
    await expect(loadMhist({ root, side: 8 })).rejects.toThrow(/MHIST_aaa.png: 4 x 4, expected 8 x 8/);
    writeFileSync(join(root, 'annotations.csv'), '');
    await expect(loadMhist({ root, side: 4 })).rejects.toThrow(/annotations.csv: empty/);
  });
});
