/**
 * Presentation of scan-scaling-gpu, in the style of scan-scaling's: time per token against length on
 * log-log axes (figure) and the length from which the scan beats attention (table).
 */
import * as Plot from '@observablehq/plot';
import { defineFigure, defineTable, type Row } from '../../engine/contract.ts';

const LABELS: Record<string, string> = {
  fused: 'selective scan, fused WGSL kernel',
  attention: 'causal softmax attention (tfjs webgpu matmul)',
};
const label = (impl: unknown) => LABELS[String(impl)] ?? String(impl);

export const figures = {
  'scan-time-per-token-gpu': defineFigure({
    title: 'On a GPU: time per token as the sequence grows',
    caption:
      'Median time per token on a WebGPU adapter (of at least 3 runs, each ending when the GPU has finished; bars span the fastest and slowest run) against sequence length, both axes logarithmic. Left: forward pass; right: forward and backward. Attention stops where its length x length scores no longer fit one GPU buffer binding. The adapter is named in the provenance note.',
    alt: 'Two log-log line charts side by side, forward and forward+backward, of microseconds per token against sequence length on a GPU, one line for the fused scan and one for attention.',
    plot(results, ctx) {
      const rows: Row[] = results.series('timings').map((r) => ({
        ...r,
        label: label(r.impl),
        usMin: (Number(r.usPerToken) * Number(r.msMin)) / Number(r.msMedian),
        usMax: (Number(r.usPerToken) * Number(r.msMax)) / Number(r.msMedian),
      }));
      return {
        width: ctx.width,
        height: Math.round(ctx.width * 0.5),
        marginRight: 20,
        x: { type: 'log', label: 'sequence length l (tokens)', grid: true },
        y: { type: 'log', label: 'time per token (µs)', grid: true },
        fx: { label: null, domain: ['forward', 'forward+backward'] },
        color: { legend: true, domain: [...new Set(rows.map((r) => String(r.label)))] },
        marks: [
          Plot.ruleX(rows, { fx: 'pass', x: 'length', y1: 'usMin', y2: 'usMax', stroke: 'label', strokeOpacity: 0.6 }),
          Plot.line(rows, { fx: 'pass', x: 'length', y: 'usPerToken', stroke: 'label', strokeWidth: 2 }),
          Plot.dot(rows, { fx: 'pass', x: 'length', y: 'usPerToken', stroke: 'label', r: 2.5 }),
        ],
      };
    },
  }),
};

export const tables = {
  'scan-crossover-gpu': defineTable({
    title: 'On a GPU: where the scan overtakes attention',
    caption:
      'The shortest measured length from which the fused scan is faster per token than causal softmax attention of the same width at every longer length measured for both, on the GPU; "not reached" when it never is in the measured range.',
    columns: [
      { key: 'pass', label: 'Pass', align: 'left' },
      { key: 'scan', label: 'Scan', align: 'left' },
      { key: 'beyond', label: 'Faster than attention from l =', align: 'right' },
      { key: 'scanUs', label: 'Scan µs/token there', format: ',.3f', align: 'right' },
      { key: 'attentionUs', label: 'Attention µs/token there', format: ',.3f', align: 'right' },
    ],
    rows(results) {
      const timings = results.series('timings');
      const at = (impl: unknown, pass: unknown, l: number) =>
        timings.find((r) => r.impl === impl && r.pass === pass && Number(r.length) === l)?.usPerToken ?? null;
      return results.series('crossover').map((r) => {
        const l = r.crossoverLength === null ? null : Number(r.crossoverLength);
        return {
          pass: r.pass,
          scan: label(r.scan),
          beyond: l === null ? `not reached (≤ ${results.metrics.attentionMaxLength})` : l.toLocaleString('en-US'),
          scanUs: l === null ? null : at(r.scan, r.pass, l),
          attentionUs: l === null ? null : at('attention', r.pass, l),
        };
      });
    },
  }),
};
