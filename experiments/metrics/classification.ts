/**
 * Classification metrics on plain arrays: accuracy, the majority-class rate (what a model that
 * always answers the most frequent class scores: the floor any reported accuracy must clear, about
 * 0.686 on MHIST's 2,162 HP / 990 SSA), balanced accuracy (mean per-class recall, which that
 * constant model scores 1 / classes on) and the ROC AUC of a binary score.
 */

function sameLength(a: ArrayLike<unknown>, b: ArrayLike<unknown>, what: string): void {
  if (a.length !== b.length) throw new Error(`${what}: ${a.length} labels but ${b.length} predictions`);
  if (a.length === 0) throw new Error(`${what}: no examples`);
}

/** Fraction of positions where the prediction equals the label. */
export function accuracy(labels: ArrayLike<number>, predictions: ArrayLike<number>): number {
  sameLength(labels, predictions, 'accuracy');
  let hits = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === predictions[i]) hits++;
  return hits / labels.length;
}

/** counts[t][p]: examples of true class t predicted as p. */
export function confusionMatrix(labels: ArrayLike<number>, predictions: ArrayLike<number>, classes: number): number[][] {
  sameLength(labels, predictions, 'confusionMatrix');
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const [t, p] = [labels[i]!, predictions[i]!];
    if (!(t >= 0 && t < classes && p >= 0 && p < classes)) throw new Error(`confusionMatrix: pair (${t}, ${p}) at ${i} outside 0..${classes - 1}`);
    m[t]![p]! += 1;
  }
  return m;
}

/** The most frequent class of `labels` (ties: the smaller index). */
export function majorityClass(labels: ArrayLike<number>): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) counts.set(labels[i]!, (counts.get(labels[i]!) ?? 0) + 1);
  let best = -1;
  let bestCount = -1;
  for (const [k, c] of [...counts].sort((a, b) => a[0] - b[0])) if (c > bestCount) [best, bestCount] = [k, c];
  if (best < 0) throw new Error('majorityClass: no labels');
  return best;
}

/**
 * Accuracy on `labels` of always predicting one class: by default the majority class of `labels`
 * themselves (the share of the largest class); pass `trainLabels` to use the training set's
 * majority class, which is what a constant classifier fitted on the training data scores.
 */
export function majorityClassRate(labels: ArrayLike<number>, trainLabels: ArrayLike<number> = labels): number {
  const k = majorityClass(trainLabels);
  let hits = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === k) hits++;
  if (labels.length === 0) throw new Error('majorityClassRate: no labels');
  return hits / labels.length;
}

/** Mean over the classes present in `labels` of the recall (hits / examples of that class). */
export function balancedAccuracy(labels: ArrayLike<number>, predictions: ArrayLike<number>): number {
  sameLength(labels, predictions, 'balancedAccuracy');
  const total = new Map<number, number>();
  const hits = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i]!;
    total.set(t, (total.get(t) ?? 0) + 1);
    if (predictions[i] === t) hits.set(t, (hits.get(t) ?? 0) + 1);
  }
  let sum = 0;
  for (const [t, n] of total) sum += (hits.get(t) ?? 0) / n;
  return sum / total.size;
}

/**
 * Area under the ROC curve of `scores` (higher = more likely positive) for binary `labels` (1 =
 * positive, 0 = negative): the probability that a random positive outscores a random negative,
 * ties counting one half (the Mann-Whitney U statistic over n+ n-, with average ranks for ties).
 */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  sameLength(labels, scores, 'rocAuc');
  const order = Array.from({ length: labels.length }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let rankSum = 0; // sum of the (1-based, tie-averaged) ranks of the positives
  for (let s = 0; s < order.length; ) {
    let e = s;
    while (e + 1 < order.length && scores[order[e + 1]!] === scores[order[s]!]) e++;
    const rank = (s + e) / 2 + 1;
    for (let k = s; k <= e; k++) {
      const y = labels[order[k]!];
      if (y !== 0 && y !== 1) throw new Error(`rocAuc: label ${y} at index ${order[k]}, expected 0 or 1`);
      if (y === 1) (positives += 1), (rankSum += rank);
    }
    s = e + 1;
  }
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) throw new Error(`rocAuc: needs both classes, got ${positives} positives and ${negatives} negatives`);
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
