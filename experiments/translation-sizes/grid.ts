/** Sub-study (b): English-French, three sizes, both architectures (plain and dropout in each cell), seeds. */
import type { Grid } from '../../engine/contract.ts';
import { SIZES } from './experiment.ts';

export const grid: Grid = {
  smoke: { pair: ['fr'], size: [...SIZES], arch: ['transformer', 'mamba'], seed: [1] },
  local: { pair: ['fr'], size: [...SIZES], arch: ['transformer', 'mamba'], seed: [1, 2, 3] },
  paper: { pair: ['fr'], size: [...SIZES], arch: ['transformer', 'mamba'], seed: [1, 2, 3] },
};
