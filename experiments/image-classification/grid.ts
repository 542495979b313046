/**
 * The image study's cells: seed x data set x model, seeds outermost so that a partial run has both
 * models of its first seeds. Both models of a seed see the same validation split and data order.
 */
import type { Grid } from '../../engine/contract.ts';
import { MODELS } from './experiment.ts';

export const grid: Grid = {
  smoke: { seed: [1], dataset: ['fashion-mnist', 'mhist'], model: [...MODELS] },
  local: { seed: [1, 2, 3], dataset: ['fashion-mnist'], model: [...MODELS] },
  paper: { seed: [1], dataset: ['cifar-10', 'cifar-100', 'mhist'], model: [...MODELS] },
};
