import { describe, expect, it } from 'vitest';
import { assembleBatch, sampleAugmentation } from '../../experiments/data/batch.ts';
import type { ImageSet } from '../../experiments/data/image-set.ts';
import { epochBatches, permutation, randomSplit, validationSplit } from '../../experiments/data/splits.ts';
import { Rng } from '../../experiments/models/rng.ts';

/** Two 3x4 images of 2 channels, value = 100 n + 10 row + col (+ 50 for channel 1), stored hwc or chw. */
function tinySet(layout: 'hwc' | 'chw'): ImageSet {
  const [H, W, C] = [3, 4, 2];
  const value = (n: number, r: number, c: number, ch: number) => 100 * n + 10 * r + c + 50 * ch;
  const pixels: number[] = [7]; // one leading byte: offset 1
  for (let n = 0; n < 2; n++) {
    if (layout === 'hwc') for (let r = 0; r < H; r++) for (let c = 0; c < W; c++) for (let ch = 0; ch < C; ch++) pixels.push(value(n, r, c, ch));
    else for (let ch = 0; ch < C; ch++) for (let r = 0; r < H; r++) for (let c = 0; c < W; c++) pixels.push(value(n, r, c, ch));
  }
  return { pixels: Uint8Array.from(pixels), offset: 1, stride: H * W * C, layout, count: 2, height: H, width: W, channels: C, labels: Int32Array.from([4, 2]), classes: ['a', 'b', 'c', 'd', 'e'] };
}

/** Output value at (n, row, col, ch) of a batch, back in bytes. */
const at = (b: ReturnType<typeof assembleBatch>, n: number, r: number, c: number, ch: number) =>
  Math.round(b.x[((n * b.shape[1] + r) * b.shape[2] + c) * b.shape[3] + ch]! * 255);

describe('batch assembly', () => {
  for (const layout of ['hwc', 'chw'] as const) {
    it(`reads ${layout} bytes as (b, h, w, c) scaled by 1/255, in the order asked, with labels`, () => {
      const b = assembleBatch(tinySet(layout), [1, 0]);
      expect(b.shape).toEqual([2, 3, 4, 2]);
      expect(Array.from(b.y)).toEqual([2, 4]);
      expect(at(b, 0, 2, 3, 1)).toBe(100 + 23 + 50);
      expect(at(b, 1, 1, 0, 0)).toBe(10);
    });
  }

  it('flip mirrors columns; crop with padding shifts by (dy - p, dx - p) and fills zeros; model padding surrounds it', () => {
    const set = tinySet('hwc');
    const aug = { flip: Uint8Array.from([1, 0]), dy: Int32Array.from([1, 0]), dx: Int32Array.from([1, 2]), cropPadding: 1 };
    const b = assembleBatch(set, [0, 1], { augmentation: aug, pad: { top: 1, bottom: 0, left: 0, right: 2 } });
    expect(b.shape).toEqual([2, 4, 6, 2]);
    // Image 0: flipped, offset (0, 0): out(r, c) = src(r, 3 - c), shifted down by the model padding (top 1).
    expect(at(b, 0, 1, 0, 0)).toBe(3);
    expect(at(b, 0, 3, 3, 1)).toBe(20 + 50);
    expect(at(b, 0, 0, 1, 0)).toBe(0); // model padding row
    expect(at(b, 0, 1, 4, 0)).toBe(0); // model padding column
    // Image 1: not flipped, shift (dy - p, dx - p) = (-1, +1): out(r, c) = src(r - 1, c + 1); row 0 and column 3 are crop padding.
    expect(at(b, 1, 1, 0, 0)).toBe(0);
    expect(at(b, 1, 2, 0, 0)).toBe(100 + 1);
    expect(at(b, 1, 3, 2, 1)).toBe(100 + 13 + 50);
    expect(at(b, 1, 2, 3, 0)).toBe(0);
  });

  it('normalisation: (x / 255 - mean) / std per channel; padded pixels become -mean / std', () => {
    const b = assembleBatch(tinySet('chw'), [0], { mean: [0.5, 0.25], std: [0.5, 2], pad: { top: 0, bottom: 0, left: 1, right: 0 } });
    expect(b.x[((0 * 5 + 1) * 2) + 0]).toBeCloseTo((0 / 255 - 0.5) / 0.5, 6);
    expect(b.x[((1 * 5 + 2) * 2) + 1]).toBeCloseTo(((10 + 1 + 50) / 255 - 0.25) / 2, 6);
    expect(b.x[0]).toBeCloseTo(-1, 6);
    expect(b.x[1]).toBeCloseTo(-0.125, 6);
  });

  it('augmentation draws are seeded and in range; an out-of-range index is an error', () => {
    const a = sampleAugmentation(500, { flip: true, cropPadding: 4 }, new Rng(3));
    const b = sampleAugmentation(500, { flip: true, cropPadding: 4 }, new Rng(3));
    expect(a).toEqual(b);
    expect(Math.min(...a.dy)).toBe(0);
    expect(Math.max(...a.dx)).toBe(8);
    const flips = a.flip.reduce((s, f) => s + f, 0);
    expect(flips).toBeGreaterThan(200);
    expect(flips).toBeLessThan(300);
    expect(() => assembleBatch(tinySet('hwc'), [2])).toThrow(/image index 2 outside 0..1/);
  });
});

describe('splits', () => {
  it('permutations are seeded permutations', () => {
    const p = permutation(50, new Rng(1));
    expect(Array.from(p).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(Array.from(permutation(50, new Rng(1)))).toEqual(Array.from(p));
  });

  it('validation split: the stated size, disjoint, covering, seeded', () => {
    const s = validationSplit(100, 10, 5);
    expect(s.holdout.length).toBe(10);
    expect(s.train.length).toBe(90);
    expect(new Set([...s.train, ...s.holdout]).size).toBe(100);
    expect(validationSplit(100, 10, 5)).toEqual(s);
    expect(validationSplit(100, 10, 6)).not.toEqual(s);
    expect(() => validationSplit(10, 10, 0)).toThrow(/size 10 must be an integer in 1..9/);
  });

  it('random 80/20 split of 3,152 gives 2,521 / 631 (the original study MHIST sizes)', () => {
    const s = randomSplit(3152, 0.8, 0);
    expect([s.train.length, s.holdout.length]).toEqual([2521, 631]);
  });

  it('epoch batches cover the indices once, in a seeded order', () => {
    const idx = Int32Array.from([10, 11, 12, 13, 14, 15, 16]);
    const bs = epochBatches(idx, 3, new Rng(2));
    expect(bs.map((b) => b.length)).toEqual([3, 3, 1]);
    expect(bs.flatMap((b) => Array.from(b)).sort()).toEqual(Array.from(idx));
  });
});
