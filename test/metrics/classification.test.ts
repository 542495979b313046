import { describe, expect, it } from 'vitest';
import {
  accuracy,
  balancedAccuracy,
  confusionMatrix,
  majorityClass,
  majorityClassRate,
  rocAuc,
} from '../../experiments/metrics/classification.ts';

describe('classification metrics, hand-worked', () => {
  // 4 negatives, 2 positives; the model gets 3 of 4 negatives and 1 of 2 positives.
  const labels = [0, 0, 0, 0, 1, 1];
  const preds = [0, 0, 0, 1, 1, 0];

  it('accuracy and the confusion matrix', () => {
    expect(accuracy(labels, preds)).toBeCloseTo(4 / 6, 15);
    expect(confusionMatrix(labels, preds, 2)).toEqual([
      [3, 1],
      [1, 1],
    ]);
    expect(() => accuracy([0, 1], [0])).toThrow(/2 labels but 1 predictions/);
  });

  it('majority class rate: the largest class share, or the training majority on test labels', () => {
    expect(majorityClass(labels)).toBe(0);
    expect(majorityClassRate(labels)).toBeCloseTo(4 / 6, 15);
    // Training majority is class 1; on these test labels that constant answer scores 2 / 6.
    expect(majorityClassRate(labels, [1, 1, 0])).toBeCloseTo(2 / 6, 15);
    // MHIST's counts: 2,162 HP, 990 SSA.
    const mhist = [...new Array(2162).fill(0), ...new Array(990).fill(1)];
    expect(majorityClassRate(mhist)).toBeCloseTo(0.6859, 4);
    expect(majorityClass([2, 1, 1, 2])).toBe(1); // a tie goes to the smaller index
  });

  it('balanced accuracy: mean recall (3/4 and 1/2 -> 0.625); the constant model scores 1/classes', () => {
    expect(balancedAccuracy(labels, preds)).toBeCloseTo(0.625, 15);
    expect(balancedAccuracy(labels, [0, 0, 0, 0, 0, 0])).toBeCloseTo(0.5, 15);
    expect(balancedAccuracy([0, 1, 2, 2], [0, 1, 2, 0])).toBeCloseTo((1 + 1 + 0.5) / 3, 15);
  });

  it('ROC AUC: the classic 4-point example is 0.75; ties count one half', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.75, 15);
    expect(rocAuc([0, 1], [0.5, 0.5])).toBeCloseTo(0.5, 15);
    // negatives 0.2, 0.6; positives 0.6, 0.7, 0.1: wins 1 + 1 + 0 + 0.5 + 1 + 0 = 3.5 of 6 pairs.
    expect(rocAuc([0, 0, 1, 1, 1], [0.2, 0.6, 0.6, 0.7, 0.1])).toBeCloseTo(3.5 / 6, 15);
    expect(rocAuc([1, 1, 0], [0.9, 0.8, 0.1])).toBe(1);
    expect(rocAuc([1, 1, 0], [0.1, 0.2, 0.9])).toBe(0);
    expect(() => rocAuc([1, 1], [0.1, 0.2])).toThrow(/both classes/);
    expect(() => rocAuc([0, 2], [0.1, 0.2])).toThrow(/expected 0 or 1/);
  });
});
