/**
 * Presentation of scan-scaling: time per token against length on log-log axes (figure) and the length
 * from which the scan beats attention (table). Pure functions of the stored results.
 */
import { crossoverTable, timePerTokenFigure } from './presentation.ts';

const LABELS = {
  fused: { label: 'selective scan, fused kernel', method: 'mamba' },
  chunked: { label: 'selective scan, chunked tfjs ops', method: 'chunked' },
  reference: { label: 'selective scan, reference (tfjs op loop)', method: 'reference' },
  attention: { label: 'causal softmax attention (plain tfjs matmul, not FlashAttention)', method: 'attention' },
} as const;

export const figures = {
  'scan-time-per-token': timePerTokenFigure(
    {
      title: 'Linear against quadratic: time per token as the sequence grows',
      caption:
        'Median time per token (bars span the fastest and slowest run) against sequence length, both axes logarithmic, with ticks at the lengths measured. A linear-time method would be a flat line here and ideal quadratic attention a line of slope one; the slopes fitted to the measurements are given in the text. Attention is computed as plain matrix products and a softmax (no fused kernel such as FlashAttention). Forward pass and forward plus backward in separate panels. The reference scan and attention are capped in length per profile (see the crossover table).',
      alt: 'Two log-log line charts, forward and forward+backward, of microseconds per token against sequence length, one line per implementation (fused scan, reference scan, attention), each point with a bar from its fastest to its slowest run.',
    },
    LABELS,
  ),
};

export const tables = {
  'scan-crossover': crossoverTable(
    {
      title: 'Where the scan overtakes attention',
      caption:
        'The shortest measured length from which each scan is faster per token than causal softmax attention of the same width at every longer length measured for both. Where that is the shortest length measured for both, the crossover is only bounded ("≤", it may lie below); "not reached" when the scan is never ahead in the measured range.',
    },
    LABELS,
    ',.2f',
  ),
};
