/**
 * Presentation of scan-scaling-gpu, drawn as scan-scaling's: time per token against length on log-log
 * axes (figure) and the length from which the scan beats attention (table).
 */
import { crossoverTable, timePerTokenFigure } from '../scan-scaling/presentation.ts';

const LABELS = {
  fused: 'selective scan, fused WGSL kernel',
  attention: 'causal softmax attention (tfjs webgpu matmul)',
};

export const figures = {
  'scan-time-per-token-gpu': timePerTokenFigure(
    {
      title: 'On a GPU: time per token as the sequence grows',
      caption:
        'Time per token on a WebGPU adapter against sequence length, both axes logarithmic: the median over the rounds of the sweep of each round\'s median timing (a timing runs calls back to back and ends when the GPU has finished; bars span the fastest and slowest timing of any round). Left: forward pass; right: forward and backward. Attention stops where its length x length scores no longer fit one GPU buffer binding. The adapter is named in the provenance note.',
      alt: 'Two log-log line charts side by side, forward and forward+backward, of microseconds per token against sequence length on a GPU, one line for the fused scan and one for attention.',
    },
    LABELS,
  ),
};

export const tables = {
  'scan-crossover-gpu': crossoverTable(
    {
      title: 'On a GPU: where the scan overtakes attention',
      caption:
        'The shortest measured length from which the fused scan is faster per token than causal softmax attention of the same width at every longer length measured for both, on the GPU; "not reached" when it never is in the measured range. The sweep ran in rounds, one after another: the crossover comes from the median over rounds, and "In each round" gives the one each round finds on its own ("none": not reached), a measure of how firm it is.',
    },
    LABELS,
    ',.3f',
    { byRound: true },
  ),
};
