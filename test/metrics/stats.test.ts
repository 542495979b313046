import { describe, expect, it } from 'vitest';
import { bootstrapInterval, mean, quantile, sampleStd } from '../../experiments/metrics/stats.ts';

describe('mean and sampleStd', () => {
  it('give the textbook values', () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    // deviations -1.5 -0.5 0.5 1.5: squares sum to 5, divided by n - 1 = 3
    expect(sampleStd([1, 2, 3, 4])).toBeCloseTo(Math.sqrt(5 / 3), 15);
    // 2,4,4,4,5,5,7,9: mean 5, squared deviations sum to 32, / 7
    expect(sampleStd([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(Math.sqrt(32 / 7), 15);
    expect(sampleStd([3])).toBe(0);
  });
  it('reject empty lists and non-finite values, naming the position', () => {
    expect(() => mean([])).toThrow(/empty/);
    expect(() => sampleStd([1, NaN])).toThrow(/value 1 is NaN/);
  });
});

describe('quantile', () => {
  it('interpolates linearly like numpy', () => {
    const xs = [10, 20, 30, 40, 50];
    expect(quantile(xs, 0)).toBe(10);
    expect(quantile(xs, 1)).toBe(50);
    expect(quantile(xs, 0.5)).toBe(30);
    expect(quantile(xs, 0.1)).toBeCloseTo(14, 12); // position 0.4
    expect(quantile([1, 2], 0.975)).toBeCloseTo(1.975, 12);
  });
});

describe('bootstrapInterval', () => {
  it('collapses onto the value when every value is equal', () => {
    expect(bootstrapInterval([7, 7, 7], { seed: 3 })).toEqual({ mean: 7, low: 7, high: 7 });
    expect(bootstrapInterval([2.5])).toEqual({ mean: 2.5, low: 2.5, high: 2.5 });
  });
  it('spans the support for two values: resample means 0, .5, 1 with probabilities 1/4, 1/2, 1/4', () => {
    // With 2000 resamples about 500 means are 0 and 500 are 1, so the 2.5% and 97.5% quantiles are 0 and 1.
    const r = bootstrapInterval([0, 1], { samples: 2000, seed: 1 });
    expect(r).toEqual({ mean: 0.5, low: 0, high: 1 });
    // at 40% coverage the quantiles 0.3 and 0.7 both fall inside the block of 0.5s
    const narrow = bootstrapInterval([0, 1], { samples: 2000, seed: 1, level: 0.4 });
    expect([narrow.low, narrow.high]).toEqual([0.5, 0.5]);
  });
  it('agrees with the normal approximation for many values', () => {
    // values 0..99: mean 49.5, population sd sqrt((100^2 - 1) / 12) = 28.866; the bootstrap's sd of the
    // mean is that / sqrt(100), so the 95% interval is about 49.5 -+ 1.96 * 2.8866 = 49.5 -+ 5.658.
    const values = Array.from({ length: 100 }, (_, i) => i);
    const r = bootstrapInterval(values, { samples: 4000, seed: 11 });
    const half = 1.959964 * Math.sqrt((100 * 100 - 1) / 12) / 10;
    expect(r.mean).toBe(49.5);
    expect(Math.abs(r.low - (49.5 - half))).toBeLessThan(0.4);
    expect(Math.abs(r.high - (49.5 + half))).toBeLessThan(0.4);
  });
  it('is deterministic for a seed and changes with it', () => {
    const values = [0.31, 0.28, 0.35, 0.3, 0.27];
    expect(bootstrapInterval(values, { seed: 5 })).toEqual(bootstrapInterval(values, { seed: 5 }));
    expect(bootstrapInterval(values, { seed: 5 })).not.toEqual(bootstrapInterval(values, { seed: 6 }));
  });
  it('rejects bad options', () => {
    expect(() => bootstrapInterval([1, 2], { samples: 0 })).toThrow(/samples/);
    expect(() => bootstrapInterval([1, 2], { level: 1 })).toThrow(/level/);
  });
});
