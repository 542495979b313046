/** Sub-study (c): six target languages (paper profile: the five Europarl has), both architectures, seeds. */
import type { Grid } from '../../engine/contract.ts';
import { GETTEXT_LANGUAGES } from '../data/gettext-corpus.ts';

export const grid: Grid = {
  smoke: { pair: [...GETTEXT_LANGUAGES], arch: ['transformer', 'mamba'], seed: [1] },
  local: { pair: [...GETTEXT_LANGUAGES], arch: ['transformer', 'mamba'], seed: [1, 2, 3] },
  paper: { pair: ['fr', 'de', 'nl', 'pl', 'cs'], arch: ['transformer', 'mamba'], seed: [1, 2, 3] },
};
