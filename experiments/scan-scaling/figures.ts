/**
 * Presentation of scan-scaling: time per token against length on log-log axes (figure) and the length
 * from which the scan beats attention (table). Pure functions of the stored results.
 */
import { crossoverTable, timePerTokenFigure } from './presentation.ts';

const LABELS = {
  fused: 'selective scan, fused kernel',
  chunked: 'selective scan, chunked tfjs ops',
  reference: 'selective scan, reference (tfjs op loop)',
  attention: 'causal softmax attention (tfjs matmul)',
};

export const figures = {
  'scan-time-per-token': timePerTokenFigure(
    {
      title: 'Linear against quadratic: time per token as the sequence grows',
      caption:
        'Median time per token (of at least 3 runs; bars span the fastest and slowest run) against sequence length, both axes logarithmic. A linear-time method is a flat line here; causal attention, quadratic in length, rises with slope 1. Left: forward pass; right: forward and backward. The reference scan and attention are capped in length per profile (see the crossover table).',
      alt: 'Two log-log line charts side by side, forward and forward+backward, of microseconds per token against sequence length, one line per implementation: the fused scan stays roughly flat, the reference scan is flat but far higher, and attention rises with length until it crosses above the fused scan.',
    },
    LABELS,
  ),
};

export const tables = {
  'scan-crossover': crossoverTable(
    {
      title: 'Where the scan overtakes attention',
      caption:
        'The shortest measured length from which each scan is faster per token than causal softmax attention of the same width at every longer length measured for both; "not reached" when it never is in the measured range.',
    },
    LABELS,
    ',.2f',
  ),
};
