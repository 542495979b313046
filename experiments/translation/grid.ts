/** Sub-study (a): English-French, both architectures (each cell trains its plain and dropout variants), three seeds. */
import type { Grid } from '../../engine/contract.ts';

export const grid: Grid = {
  smoke: { pair: ['fr'], arch: ['transformer', 'mamba'], seed: [1] },
  local: { pair: ['fr'], arch: ['transformer', 'mamba'], seed: [1, 2, 3] },
  paper: { pair: ['fr'], arch: ['transformer', 'mamba'], seed: [1, 2, 3] },
};
