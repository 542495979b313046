/** The selective copying study's cells: every model from every seed (each seed draws data, held-out set and weights). */
import type { Grid } from '../../engine/contract.ts';
import { MODELS } from './experiment.ts';

export const grid: Grid = {
  smoke: { model: [...MODELS], seed: [1] },
  local: { model: [...MODELS], seed: [1, 2, 3] },
  paper: { model: [...MODELS], seed: [1, 2, 3] },
};
