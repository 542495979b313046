/**
 * Scan scaling (Gu & Dao 2023, section 4.5 and appendix E.5, figure 8): time per token against sequence
 * length for the fused selective scan, the reference scan (a loop of tfjs ops over time, the "standard
 * scan") and causal softmax attention of the same width (tfjs matmul), forward and forward+backward.
 * A linear-time method has a flat time per token; attention's grows with the length.
 */
import { z } from 'zod';
import { defineExperiment, type Row } from '../../engine/contract.ts';
import * as tf from '../../kernels/tf.ts';
import { autoScanImpl, fusedScanThreads } from '../../kernels/index.ts';
import { measureTimings, summarise, sweepParams, type Measured } from './measure.ts';
import { attentionWorkload, scanWorkload } from './workloads.ts';

const paramsSchema = sweepParams.extend({
  /** The reference op loop costs seconds per thousand steps: it runs only up to this length. */
  referenceMaxLength: z.number().int().positive(),
});
type Params = z.output<typeof paramsSchema>;

/** The implementations measured and the lengths each runs at. The scan is fused where the backend has the kernel. */
function plan(p: Params, backend: string): Measured[] {
  const fast = autoScanImpl(backend);
  const shape = { batch: p.batch, width: p.width, dState: p.dState };
  return [
    { impl: fast, lengths: p.lengths, make: (pass, l, seed) => scanWorkload(fast, pass, shape, l, seed) },
    { impl: 'reference', lengths: p.lengths.filter((l) => l <= p.referenceMaxLength), make: (pass, l, seed) => scanWorkload('reference', pass, shape, l, seed) },
    { impl: 'attention', lengths: p.lengths.filter((l) => l <= p.attentionMaxLength), make: (pass, l, seed) => attentionWorkload(pass, shape, l, seed) },
  ];
}

export default defineExperiment({
  id: 'scan-scaling',
  title: 'Selective scan against attention: time per token as sequences grow',
  summary:
    'Time per token of the fused selective scan, the reference scan (a tfjs op loop over time) and causal softmax attention of the same width, forward and forward+backward, against sequence length (Mamba paper, section 4.5).',
  paramsSchema,
  profiles: {
    smoke: { batch: 1, width: 16, dState: 4, lengths: [128, 512, 2048], referenceMaxLength: 512, attentionMaxLength: 2048, repeats: 3 },
    // A few minutes on a 2-core CPU with the wasm backend. Attention stops at 4096: at 8192 its (b, l, l)
    // scores alone take 512 MB, more than one typed array on the wasm heap may hold.
    local: { batch: 2, width: 256, dState: 16, lengths: [128, 256, 512, 1024, 2048, 4096, 8192], referenceMaxLength: 1024, attentionMaxLength: 4096, repeats: 3 },
    // Appendix E.5 sweeps 512 to 512K tokens at N = 16 on an A100; on a CPU this takes hours.
    paper: {
      batch: 2, width: 256, dState: 16,
      lengths: [512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144, 524288],
      referenceMaxLength: 4096, attentionMaxLength: 16384, repeats: 3,
    },
  },
  seeds: [1],
  async run(ctx) {
    const p = ctx.params;
    const impls = plan(p, tf.getBackend());
    const timings = await measureTimings(ctx, impls, p.batch, { repeats: p.repeats });
    ctx.results.series('timings', timings.rows);
    ctx.results.series('rounds', timings.rounds);
    const fast = impls[0]!.impl;
    const { crossovers, crossoversByRound, metrics } = summarise(timings, fast, [fast, 'reference']);
    ctx.results.series('crossover', crossovers);
    ctx.results.series('crossoverByRound', crossoversByRound);
    ctx.results.metrics({
      ...metrics,
      maxLength: Math.max(...p.lengths),
      referenceMaxLength: p.referenceMaxLength,
      attentionMaxLength: p.attentionMaxLength,
      backend: ctx.backend,
      // The fused kernel spreads its rows over threads on the CPU; tfjs runs its own ops on one thread in Node.
      scanThreads: fast === 'fused' ? fusedScanThreads(ctx.backend) : 1,
    });
  },
});
