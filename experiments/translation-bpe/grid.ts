/** One vocabulary per language pair of the study (the smoke profile's toy pair stands in for en-fr). */
import type { Grid } from '../../engine/contract.ts';
import { GETTEXT_LANGUAGES } from '../data/gettext-corpus.ts';

export const grid: Grid = {
  smoke: { pair: [...GETTEXT_LANGUAGES] },
  local: { pair: [...GETTEXT_LANGUAGES] },
  paper: { pair: ['fr', 'de', 'nl', 'pl', 'cs'] },
};
