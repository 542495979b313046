/**
 * The training and decoding settings of the translation studies per profile; each study overrides
 * what differs (its sizes, its data). Local: a CPU budget, the wasm backend. Measured on this 2-core
 * machine, two cells at a time: a step of 64 pairs takes about 0.2 s (Transformer) and 0.42 s (Mamba,
 * four layers); greedy decoding of the test split and beam 5 on its subset 15-60 s a system. So 18
 * rounds of 72 batches (1,296 steps per run, one and a half passes over the training pairs) keep the
 * four-system comparison (3 seeds) near 45 minutes: still far from convergence, stated in the report.
 */
import type { Profile } from '../../engine/contract.ts';
import { CELL_DEFAULTS, type CellParams } from './cell.ts';

const decode = { lengthPenalty: 1, maxLengthA: 1.5, maxLengthB: 10 };

export const BASE_PROFILES: Record<Profile, CellParams> = {
  smoke: {
    ...CELL_DEFAULTS,
    sizes: { base: { dModel: 16, layers: 1, nHead: 2, mlpRatio: 2 } },
    dropout: 0.1,
    batchSize: 16,
    maxTokens: 24,
    roundsPerPass: 2,
    rounds: 2,
    learningRate: 3e-3,
    warmup: 4,
    patience: 2,
    validSize: 16,
    validDecode: { ...decode, beam: 1, batchSize: 16, cap: 24 },
    testDecode: { ...decode, beam: 1, batchSize: 16, cap: 24 },
    beamDecode: { ...decode, beam: 3, batchSize: 8, cap: 24 },
    beamSubset: 16,
    bootstrapSamples: 50,
  },
  // Greedy decoding of the whole test split; beam 5 on a fixed subset of it (all of it would cost
  // about as much as training here).
  local: {
    ...CELL_DEFAULTS,
    sizes: { base: { dModel: 64, layers: 1, nHead: 4, mlpRatio: 4 } },
    dropout: 0.1,
    batchSize: 64,
    maxTokens: 20,
    roundsPerPass: 12,
    rounds: 18,
    learningRate: 4e-3,
    warmup: 100,
    patience: 4,
    validSize: 100,
    validDecode: { ...decode, beam: 1, batchSize: 100, cap: 40 },
    testDecode: { ...decode, beam: 1, batchSize: 300, cap: 40 },
    beamDecode: { ...decode, beam: 5, batchSize: 100, cap: 40 },
    beamSubset: 100,
    bootstrapSamples: 1000,
  },
  // The original's ~77M-parameter systems on Europarl (a GPU budget): 6+6 layers of width 512.
  paper: {
    ...CELL_DEFAULTS,
    sizes: { base: { dModel: 512, layers: 6, nHead: 8, mlpRatio: 4 } },
    dropout: 0.1,
    batchSize: 128,
    maxTokens: 128,
    roundsPerPass: 1,
    rounds: 30,
    learningRate: 5e-4,
    warmup: 4000,
    patience: 5,
    validSize: 2000,
    validDecode: { ...decode, beam: 1, batchSize: 128, cap: 256 },
    testDecode: { ...decode, beam: 5, batchSize: 64, cap: 256 },
    beamDecode: { ...decode, beam: 5, batchSize: 64, cap: 256 },
    beamSubset: 0,
    bootstrapSamples: 1000,
  },
};

/** The base profiles with per-profile overrides. */
export function profilesWith(overrides: Partial<Record<Profile, Partial<CellParams>>>): Record<Profile, CellParams> {
  const out = {} as Record<Profile, CellParams>;
  for (const p of ['smoke', 'local', 'paper'] as const) out[p] = { ...BASE_PROFILES[p], ...overrides[p] };
  return out;
}
