/**
 * Scan scaling on a GPU (Gu & Dao 2023, section 4.5 and appendix E.5, figure 8): the measurement of
 * experiments/scan-scaling, on the webgpu backend only (kernels/webgpu), with every timed pass ending
 * when the GPU has finished its work (no readback timed). A timing runs back-to-back calls for at least
 * minTimingMs and reports the time per call: the host's wait for the queue (a millisecond or more through
 * Dawn) would otherwise swamp the short lengths. The kernels' share of the adapter's copy bandwidth is
 * measured by bench/webgpu.bench.ts, on the kernels alone: through tfjs here, a 1 GiB output's allocation
 * costs more than the kernel and depends on what the buffer pool already holds.
 */
import { z } from 'zod';
import { defineExperiment } from '../../engine/contract.ts';
import { adapterLabel, ensureScanTuned, settleGpu, setupWebGPU } from '../../kernels/webgpu/index.ts';
import { activeScanTable, chooseBackward, chooseForward, describeForward } from '../../kernels/webgpu/scan_choice.ts';
import { measureTimings, summarise, sweepParams, type Measured } from '../scan-scaling/measure.ts';
import { attentionWorkload, scanWorkload } from '../scan-scaling/workloads.ts';

// Attention's (b, l, l) scores must fit one storage binding (2 GiB on the H200): attentionMaxLength.
const paramsSchema = sweepParams.extend({
  /** Sweeps, one after another; the result is the median over them, and the table shows each one's crossover. */
  rounds: z.number().int().positive(),
  /** Each timing runs back-to-back calls for about this long, so waiting for the queue is not timed per call. */
  minTimingMs: z.number().positive(),
});

const settle = async () => settleGpu();

export default defineExperiment({
  id: 'scan-scaling-gpu',
  title: 'Selective scan against attention on a GPU: time per token as sequences grow',
  summary:
    'Time per token of the fused selective scan (WGSL kernels) and causal softmax attention of the same width on a WebGPU adapter, forward and forward+backward, against sequence length.',
  paramsSchema,
  requiresBackend: 'webgpu',
  profiles: {
    // Seconds on a GPU; refused on a CPU renderer such as llvmpipe (its timings say nothing about GPUs).
    smoke: { batch: 1, width: 8, dState: 4, lengths: [16, 32, 64], attentionMaxLength: 64, repeats: 3, rounds: 2, minTimingMs: 5 },
    // About a minute on an H200. Beyond 16K, attention's 16K x 16K scores exceed a 2 GiB binding.
    local: {
      batch: 1, width: 512, dState: 16,
      lengths: [1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144],
      attentionMaxLength: 16384, repeats: 3, rounds: 3, minTimingMs: 50,
    },
    paper: {
      batch: 1, width: 512, dState: 16,
      lengths: [512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144, 524288],
      attentionMaxLength: 16384, repeats: 5, rounds: 3, minTimingMs: 100,
    },
  },
  seeds: [1],
  async run(ctx) {
    const p = ctx.params;
    const details = await setupWebGPU();
    if (!details) throw new Error('scan-scaling-gpu: no WebGPU adapter');
    if (details.software) {
      throw new Error(`scan-scaling-gpu measures a GPU, and ${adapterLabel(details)} is a CPU renderer: run it on a machine with a hardware GPU (--backend webgpu there)`);
    }
    // The scan's path and tiling at each length come from this adapter's measured table: measure the lengths it lacks first.
    await ensureScanTuned(p.lengths.map((l) => ({ b: p.batch, d: p.width, l, n: p.dState })), (line) => ctx.log.info(line));
    const shape = { batch: p.batch, width: p.width, dState: p.dState };
    const impls: Measured[] = [
      { impl: 'fused', lengths: p.lengths, make: (pass, l, seed) => scanWorkload('fused', pass, shape, l, seed, settle) },
      { impl: 'attention', lengths: p.lengths.filter((l) => l <= p.attentionMaxLength), make: (pass, l, seed) => attentionWorkload(pass, shape, l, seed, settle) },
    ];
    // Provenance: the forward and backward each length ran with, and whether the adapter's table chose them.
    ctx.results.series('scanChoices', p.lengths.map((l) => {
      const shape = { b: p.batch, d: p.width, l, n: p.dState };
      const forward = chooseForward(activeScanTable(), shape);
      const backward = chooseBackward(activeScanTable(), shape);
      return { l, forward: describeForward(forward.choice), forwardSource: forward.source, backwardChunks: backward.choice.chunks, backwardSource: backward.source };
    }));
    const timings = await measureTimings(ctx, impls, p.batch, { repeats: p.repeats, rounds: p.rounds, minTimingMs: p.minTimingMs });
    ctx.results.series('timings', timings.rows);
    ctx.results.series('rounds', timings.rounds);
    const { crossovers, crossoversByRound, metrics } = summarise(timings, 'fused', ['fused']);
    ctx.results.series('crossover', crossovers);
    ctx.results.series('crossoverByRound', crossoversByRound);

    ctx.results.metrics({
      ...metrics,
      maxLength: Math.max(...p.lengths),
      attentionMaxLength: p.attentionMaxLength,
      adapter: adapterLabel(details),
      softwareAdapter: details.software,
      minTimingMs: p.minTimingMs,
      backend: ctx.backend,
    });
  },
});
