import { JSDOM } from 'jsdom';
import { describe, expect, it } from 'vitest';
import type { Results } from '../../engine/contract.ts';
import { drawFigure } from '../../engine/render/plot-svg.ts';
import experiment from '../../experiments/mamba-block/experiment.ts';
import { blockDiagram } from '../../experiments/mamba-block/diagram.ts';
import { figures, layout } from '../../experiments/mamba-block/figures.ts';
import { mambaConfig } from '../../experiments/models/mamba.ts';
import { runSmoke } from './run-smoke.ts';

const base = { vocabSize: 10, dModel: 64, nLayer: 2 };
const ids = (c: Parameters<typeof mambaConfig>[0]) => blockDiagram(mambaConfig(c)).nodes.map((n) => n.id);

/** Results holding the graphs of `plain` and `dropout` configurations, as the experiment writes them. */
function resultsOf(plain: Parameters<typeof mambaConfig>[0], dropout: Parameters<typeof mambaConfig>[0]): Results {
  const series: Record<string, Record<string, unknown>[]> = {};
  for (const [name, c] of [['plain', plain], ['dropout', dropout]] as const) {
    const g = blockDiagram(mambaConfig(c));
    series[`${name}-nodes`] = g.nodes.map((n) => ({ ...n }));
    series[`${name}-edges`] = g.edges.map((e) => ({ ...e }));
  }
  return { experimentId: 'mamba-block', profile: 'local', params: {}, metrics: {}, series: (n) => series[n] as never, json: () => null, cells: [] };
}

const svgOf = (id: keyof typeof figures, results: Results, width = 640) =>
  drawFigure(id, figures[id], results, width, new JSDOM('<!doctype html><body></body>').window.document).html;

describe('the Mamba block diagram', () => {
  it('follows the forward pass of mamba.ts: projections, conv, SSM, gate, residual', () => {
    expect(ids(base)).toEqual(['input', 'norm', 'in_proj', 'conv1d', 'silu_z', 'silu_x', 'ssm', 'gate', 'out_proj', 'residual_add']);
    const { edges } = blockDiagram(mambaConfig(base));
    expect(edges.filter((e) => e.residual)).toEqual([{ from: 'input', to: 'residual_add', residual: true }]);
    expect(edges).toContainEqual({ from: 'silu_z', to: 'gate', residual: false });
    expect(edges).toContainEqual({ from: 'ssm', to: 'gate', residual: false });
  });

  it('places dropout where the configuration says, and only with a positive rate', () => {
    expect(ids({ ...base, dropout: { p: 0.1 } })).toEqual(['input', 'norm', 'in_proj', 'conv1d', 'silu_z', 'silu_x', 'dropout_ssm', 'ssm', 'gate', 'out_proj', 'dropout_out', 'residual_add']);
    expect(ids({ ...base, dropout: { p: 0.1, ssmInput: false } })).not.toContain('dropout_ssm');
    expect(ids({ ...base, dropout: { p: 0.1, mixerOutput: false } })).not.toContain('dropout_out');
    expect(ids({ ...base, dropout: { p: 0, ssmInput: true, mixerOutput: true } })).toEqual(ids(base));
  });

  it('writes the sizes of the configuration', () => {
    const detail = (c: Parameters<typeof mambaConfig>[0], id: string) => blockDiagram(mambaConfig(c)).nodes.find((n) => n.id === id)!.detail;
    expect(detail(base, 'in_proj')).toBe('64 → 2 × 128');
    expect(detail({ ...base, dModel: 32, expand: 3 }, 'in_proj')).toBe('32 → 2 × 96');
    expect(detail({ ...base, dConv: 3 }, 'conv1d')).toContain('width 3');
    expect(blockDiagram(mambaConfig({ ...base, ssm: 'lti' })).nodes.find((n) => n.id === 'ssm')!.label).toBe('time-invariant SSM');
  });

  it('draws figures that change when the model configuration changes', () => {
    const plain = resultsOf(base, { ...base, dropout: { p: 0.1 } });
    const first = svgOf('mamba-block', plain);
    expect(first).toContain('<title id="fig-mamba-block-title">');
    expect(first).toContain('selective SSM (S6)');
    expect(svgOf('mamba-block', plain)).toBe(first);
    expect(svgOf('mamba-block', resultsOf({ ...base, dConv: 3 }, base))).not.toBe(first);
    expect(svgOf('mamba-block', resultsOf({ ...base, ssm: 'lti' }, base))).not.toBe(first);
    const withDropout = svgOf('mamba-block-dropout', plain);
    expect(withDropout.match(/>dropout</g)).toHaveLength(2);
    expect(svgOf('mamba-block-dropout', resultsOf(base, { ...base, dropout: { p: 0.1, ssmInput: false } })).match(/>dropout</g)).toHaveLength(1);
  });

  it('keeps every box inside the drawing at phone and page widths', () => {
    for (const width of [340, 688]) {
      const { boxes, height } = layout(blockDiagram(mambaConfig({ ...base, dropout: { p: 0.1 } })).nodes.map((n) => ({ ...n })), width);
      for (const b of boxes) {
        expect(b.x1).toBeGreaterThanOrEqual(0);
        expect(b.x2).toBeLessThanOrEqual(width);
        expect(b.y2).toBeLessThanOrEqual(height);
      }
    }
  });

  it('runs as an experiment and records both graphs', async () => {
    const { results } = await runSmoke(experiment, 'cpu');
    expect(results.series('plain-nodes').map((n) => n.id)).toEqual(ids(base));
    expect(results.series('dropout-nodes').some((n) => n.kind === 'dropout')).toBe(true);
    expect(results.metrics.dInner).toBe(128);
    expect(results.metrics.dropoutLayers).toBe(2);
  });
});

describe('the shared figure palette', async () => {
  const { measuredTicks, lengthTick, methodColorScale, METHOD_COLORS } = await import('../../experiments/figures-palette.ts');
  it('ticks at every measured length when there is room, else every second from the longest down', () => {
    const lengths = [128, 256, 512, 1024, 2048, 4096, 8192, 256, 128];
    expect(measuredTicks(lengths, 600)).toEqual([128, 256, 512, 1024, 2048, 4096, 8192]);
    expect(measuredTicks(lengths, 200)).toEqual([128, 512, 2048, 8192]);
    expect([128, 1024, 65536, 1536].map(lengthTick)).toEqual(['128', '1k', '64k', '1536']);
  });
  it('gives a method one colour wherever it appears and refuses unknown methods', () => {
    expect(methodColorScale([['Mamba', 'mamba'], ['attention', 'attention']])).toEqual({ legend: true, domain: ['Mamba', 'attention'], range: [METHOD_COLORS.mamba, METHOD_COLORS.attention] });
    expect(() => methodColorScale([['x', 'nope' as never]])).toThrow(/unknown method 'nope'/);
  });
});
