/**
 * The selective copying task (Gu & Dao 2023, section 4.1 and appendix E.1; the generator follows
 * `torch_copying_data(L, M, A, variable=True)` of state-spaces/s4, src/dataloaders/datasets/copying.py).
 *
 * Vocabulary of A tokens: 0 is the blank (noise) token, 1..A-2 are data tokens, A-1 is the marker.
 * A sequence is a region of L + M positions, blank except for M data tokens at random positions (in
 * order), followed by M markers: length L + 2M. At the markers the model must output the M data
 * tokens in order; the loss and the accuracy count only those M positions. The positions change
 * from sequence to sequence, so a time-invariant model cannot solve it by a fixed delay: it has to
 * select tokens by content.
 */
import type { Rng } from '../models/rng.ts';

export interface SelectiveCopyingTask {
  /** A: blank + data tokens + marker. */
  vocabSize: number;
  /** M: data tokens to copy per sequence. */
  numTokens: number;
  /** L: blank tokens among the data tokens. */
  noiseLength: number;
}

export interface CopyingBatch {
  /** (batch, L + 2M) token ids, row-major. */
  inputs: Int32Array;
  /** (batch, M) the data tokens to output at the marker positions. */
  targets: Int32Array;
  batch: number;
  seqLen: number;
}

export const BLANK = 0;
export const markerToken = (task: SelectiveCopyingTask): number => task.vocabSize - 1;
export const sequenceLength = (task: SelectiveCopyingTask): number => task.noiseLength + 2 * task.numTokens;

export function validateTask(task: SelectiveCopyingTask): void {
  if (task.vocabSize < 3) throw new Error('selective copying needs at least one data token: vocabSize >= 3');
  if (task.numTokens < 1 || task.noiseLength < 0) throw new Error('selective copying needs numTokens >= 1 and noiseLength >= 0');
}

/** A batch of independent instances drawn from `rng` (same rng state, same batch). */
export function sampleCopyingBatch(task: SelectiveCopyingTask, batch: number, rng: Rng): CopyingBatch {
  validateTask(task);
  const { vocabSize, numTokens: m, noiseLength } = task;
  const region = noiseLength + m;
  const seqLen = sequenceLength(task);
  const inputs = new Int32Array(batch * seqLen); // blank everywhere to start
  const targets = new Int32Array(batch * m);
  const slots = new Int32Array(region);
  for (let s = 0; s < batch; s++) {
    // M distinct positions of the region: a partial Fisher-Yates shuffle, then sorted.
    for (let i = 0; i < region; i++) slots[i] = i;
    for (let i = 0; i < m; i++) {
      const j = i + rng.int(region - i);
      [slots[i], slots[j]] = [slots[j], slots[i]];
    }
    const positions = Array.from(slots.subarray(0, m)).sort((a, b) => a - b);
    for (let i = 0; i < m; i++) {
      const token = 1 + rng.int(vocabSize - 2);
      targets[s * m + i] = token;
      inputs[s * seqLen + positions[i]] = token;
      inputs[s * seqLen + region + i] = markerToken(task);
    }
  }
  return { inputs, targets, batch, seqLen };
}
