/**
 * The Mamba block and its dropout variant (the original study's Figures 1 and 2), as graphs read off
 * the model's own configuration (diagram.ts): the plain block of experiments/models/mamba.ts's
 * defaults, and the same with the dropout layers switched on where mamba.ts places them. Nothing is
 * trained; the run records the two graphs and the sizes, so the figures are redrawn whenever the
 * model's code or configuration changes (mamba.ts is in this experiment's key).
 */
import { z } from 'zod';
import { defineExperiment } from '../../engine/contract.ts';
import { mambaParams } from '../models/param-count.ts';
import { MAMBA_DEFAULTS, mambaConfig, mambaDims } from '../models/mamba.ts';
import { blockDiagram } from './diagram.ts';

const paramsSchema = z.object({
  vocabSize: z.number().int().min(2),
  dModel: z.number().int().positive(),
  nLayer: z.number().int().positive(),
  /** The dropout rate drawn in the variant (the placement comes from the model's defaults). */
  dropoutRate: z.number().gt(0).lt(1),
});

// The selective copying model's sizes: the block the report trains in section I.
const sizes = { vocabSize: 10, dModel: 64, nLayer: 2, dropoutRate: 0.1 };

export default defineExperiment({
  id: 'mamba-block',
  title: 'The Mamba block and its dropout variant, from the model configuration',
  summary:
    'The layers of one Mamba block as experiments/models/mamba.ts builds them (projections, causal convolution, selective SSM, gate, residual), without and with the two dropout layers of the dropout variant; drawn from the configuration object, not by hand.',
  paramsSchema,
  profiles: { smoke: sizes, local: sizes, paper: sizes },
  seeds: [1],
  async run(ctx) {
    const p = ctx.params;
    const base = { vocabSize: p.vocabSize, dModel: p.dModel, nLayer: p.nLayer };
    const plain = mambaConfig(base);
    const dropout = mambaConfig({ ...base, dropout: { p: p.dropoutRate } });
    for (const [name, config] of [['plain', plain], ['dropout', dropout]] as const) {
      const { nodes, edges } = blockDiagram(config);
      ctx.results.series(`${name}-nodes`, nodes.map((node) => ({ ...node })));
      ctx.results.series(`${name}-edges`, edges.map((edge) => ({ ...edge })));
    }
    const dims = mambaDims(plain);
    ctx.results.metrics({
      dModel: dims.d,
      dInner: dims.e,
      dState: dims.n,
      dConv: dims.k,
      dtRank: dims.r,
      expand: plain.expand,
      nLayer: plain.nLayer,
      parameters: mambaParams(plain),
      dropoutRate: dropout.dropout.p,
      dropoutLayers: Number(dropout.dropout.mixerOutput) + Number(dropout.dropout.ssmInput),
      defaultDropoutRate: MAMBA_DEFAULTS.dropout.p,
    });
  },
});
