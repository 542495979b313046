/**
 * Presentation of scan-scaling-gpu, drawn as scan-scaling's: time per token against length on log-log
 * axes (figure) and the length from which the scan beats attention (table).
 */
import { crossoverTable, timePerTokenFigure } from '../scan-scaling/presentation.ts';

const LABELS = {
  fused: { label: 'selective scan, fused WGSL kernel', method: 'mamba' },
  attention: { label: 'causal softmax attention (plain tfjs webgpu matmul, not FlashAttention)', method: 'attention' },
} as const;

export const figures = {
  'scan-time-per-token-gpu': timePerTokenFigure(
    {
      title: 'On a GPU: time per token as the sequence grows',
      caption:
        'Time per token on a WebGPU adapter against sequence length, both axes logarithmic with ticks at the lengths measured: the median over the rounds of the sweep of each round\'s median timing (a timing runs calls back to back and ends when the GPU has finished; bars span the fastest and slowest timing of any round). Forward pass and forward plus backward in separate panels. Attention (plain matrix products and a softmax, no fused kernel such as FlashAttention) stops where its length x length scores no longer fit one GPU buffer binding. The adapter is named in the provenance note.',
      alt: 'Two log-log line charts, forward and forward+backward, of microseconds per token against sequence length on a GPU, one line for the fused scan and one for attention.',
    },
    LABELS,
  ),
};

export const tables = {
  'scan-crossover-gpu': crossoverTable(
    {
      title: 'On a GPU: where the scan overtakes attention',
      caption:
        'The shortest measured length from which the fused scan is faster per token than causal softmax attention of the same width at every longer length measured for both, on the GPU. Where that is the shortest length measured for both, the crossover is only bounded ("≤", it may lie below); "not reached" when the scan is never ahead in the measured range. The sweep ran in rounds, one after another: the crossover comes from the median over rounds, and "In each round" gives the one each round finds on its own ("none": not reached), a measure of how firm it is.',
    },
    LABELS,
    ',.3f',
    { byRound: true },
  ),
};
