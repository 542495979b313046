/**
 * Figures 1 and 2 of the original study redrawn from the model: the Mamba block and the block with
 * its dropout layers, laid out from the recorded graphs (diagram.ts) as boxes in three lanes (the
 * residual stream, the SSM branch and the gate branch) joined by arrows. Narrow drawings keep the
 * same lanes with narrower boxes; text stays at the shared figure size.
 */
import * as Plot from '@observablehq/plot';
import { defineFigure, type Results, type Row } from '../../engine/contract.ts';
import { FIGURE_FONT_PX, figureStyle, isNarrow, METHOD_COLORS } from '../figures-palette.ts';

const ROW_HEIGHT = 52;
const BOX_HEIGHT = 38;

interface Box extends Row {
  id: string;
  label: string;
  detail: string;
  kind: string;
  x1: number;
  x2: number;
  y1: number;
  y2: number;
  cx: number;
  cy: number;
}

/** Box positions in pixels: lanes side by side, rows top to bottom. */
export function layout(nodes: readonly Row[], width: number): { boxes: Box[]; height: number; residualX: number } {
  const margin = 8;
  const residualLane = isNarrow(width) ? 22 : 40; // room on the left for the skip connection
  const laneWidth = (width - 2 * margin - residualLane) / 2;
  const boxWidth = laneWidth - (isNarrow(width) ? 8 : 24);
  const laneCentre = (lane: unknown) => {
    const left = margin + residualLane;
    if (lane === 'x') return left + laneWidth / 2;
    if (lane === 'z') return left + laneWidth * 1.5;
    return left + laneWidth; // main: between the branches
  };
  const rows = Math.max(...nodes.map((n) => Number(n.row))) + 1;
  const boxes = nodes.map((n) => {
    const cx = laneCentre(n.lane);
    const cy = margin + ROW_HEIGHT * Number(n.row) + BOX_HEIGHT / 2;
    return { ...n, id: String(n.id), label: String(n.label), detail: String(n.detail), kind: String(n.kind), x1: cx - boxWidth / 2, x2: cx + boxWidth / 2, y1: cy - BOX_HEIGHT / 2, y2: cy + BOX_HEIGHT / 2, cx, cy };
  });
  return { boxes, height: margin * 2 + ROW_HEIGHT * (rows - 1) + BOX_HEIGHT, residualX: margin + residualLane / 2 };
}

function blockFigure(results: Results, variant: 'plain' | 'dropout', width: number) {
  const { boxes, height, residualX } = layout(results.series(`${variant}-nodes`), width);
  const byId = new Map(boxes.map((b) => [b.id, b]));
  const edges = results.series(`${variant}-edges`).map((e) => ({ from: byId.get(String(e.from))!, to: byId.get(String(e.to))!, residual: e.residual === true }));
  const flow = edges.filter((e) => !e.residual).map((e) => ({ x1: e.from.cx, y1: e.from.y2, x2: e.to.cx, y2: e.to.y1 }));
  // The skip connection: left from the input, down the residual lane, right into the add.
  const skips = edges.filter((e) => e.residual).flatMap((e) => [
    { x1: e.from.x1, y1: e.from.cy, x2: residualX, y2: e.from.cy, arrow: false },
    { x1: residualX, y1: e.from.cy, x2: residualX, y2: e.to.cy, arrow: false },
    { x1: residualX, y1: e.to.cy, x2: e.to.x1, y2: e.to.cy, arrow: true },
  ]);
  const fill = (b: Box) => (b.kind === 'dropout' ? METHOD_COLORS.mambaDropout : b.kind === 'ssm' ? METHOD_COLORS.mamba : 'none');
  const text = (b: Box) => (b.kind === 'ssm' ? 'white' : b.kind === 'dropout' ? 'black' : 'currentColor');
  return {
    width,
    height,
    style: figureStyle,
    x: { axis: null, domain: [0, width], range: [0, width] },
    y: { axis: null, domain: [0, height], range: [0, height] },
    marks: [
      Plot.rect(boxes, { x1: 'x1', x2: 'x2', y1: 'y1', y2: 'y2', fill, stroke: 'currentColor', rx: 6 }),
      Plot.text(boxes, { x: 'cx', y: (b: Box) => b.cy - 8, text: 'label', fill: text, fontWeight: 'bold', fontSize: FIGURE_FONT_PX, lineWidth: 40 }),
      Plot.text(boxes, { x: 'cx', y: (b: Box) => b.cy + 9, text: 'detail', fill: text, fontSize: FIGURE_FONT_PX - 1 }),
      Plot.arrow(flow, { x1: 'x1', y1: 'y1', x2: 'x2', y2: 'y2', stroke: 'currentColor', headLength: 7 }),
      Plot.link(skips.filter((s) => !s.arrow), { x1: 'x1', y1: 'y1', x2: 'x2', y2: 'y2', stroke: 'currentColor', strokeDasharray: '4,3' }),
      Plot.arrow(skips.filter((s) => s.arrow), { x1: 'x1', y1: 'y1', x2: 'x2', y2: 'y2', stroke: 'currentColor', strokeDasharray: '4,3', headLength: 7 }),
    ],
  };
}

export const figures = {
  'mamba-block': defineFigure({
    title: 'The Mamba block',
    caption:
      'One layer of the model as experiments/models/mamba.ts builds it, read off its configuration: the input passes RMSNorm and a linear projection into two branches; one runs a causal depthwise convolution, SiLU and the selective SSM, the other is a SiLU gate; their product is projected back and added to the residual stream (dashed). Sizes are those of the selective copying model.',
    alt: 'Block diagram, top to bottom: input, RMSNorm, in_proj; then two branches side by side, causal conv1d, SiLU and the selective SSM on the left, SiLU on the right; they meet in a multiplicative gate, then out_proj and an addition with the residual connection that bypasses the block.',
    plot: (results, ctx) => blockFigure(results, 'plain', ctx.width),
  }),
  'mamba-block-dropout': defineFigure({
    title: 'The Mamba block with the dropout variant',
    caption:
      'The same block with the dropout layers of the dropout variant (shaded) where the model configuration places them: after the convolution and SiLU on the SSM branch, and on the block output before the residual addition. Dropout is applied in training only.',
    alt: 'The same block diagram as the plain Mamba block, with dropout boxes inserted between SiLU and the selective SSM and between out_proj and the residual addition.',
    plot: (results, ctx) => blockFigure(results, 'dropout', ctx.width),
  }),
};
