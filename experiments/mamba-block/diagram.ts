/**
 * The Mamba block as a graph read off a model configuration: the layers experiments/models/mamba.ts
 * runs, in its order (mixer of mamba_simple.Mamba inside the "add -> RMSNorm -> mixer" residual
 * block), with the sizes the configuration gives and the dropout layers where the configuration puts
 * them. Pure: the same configuration gives the same graph, and a changed one a changed graph, so the
 * report's block diagrams follow the model.
 */
import { mambaDims, type MambaConfig } from '../models/mamba.ts';

/** main: the residual stream; x: the SSM branch of in_proj; z: the gate branch. */
export type Lane = 'main' | 'x' | 'z';
export type NodeKind = 'io' | 'norm' | 'linear' | 'conv' | 'activation' | 'ssm' | 'gate' | 'dropout' | 'add';

export interface BlockNode {
  id: string;
  label: string;
  /** Sizes or settings from the configuration, one short line. */
  detail: string;
  kind: NodeKind;
  lane: Lane;
  /** Top to bottom, in the order the forward pass runs. */
  row: number;
}

export interface BlockEdge {
  from: string;
  to: string;
  /** The skip connection around the mixer. */
  residual: boolean;
}

export interface BlockDiagram {
  nodes: BlockNode[];
  edges: BlockEdge[];
}

/** Whether the model adds the dropout op at a place: only with the flag on and a positive rate (mamba.ts). */
const dropsAt = (c: MambaConfig, where: 'mixerOutput' | 'ssmInput') => c.dropout[where] && c.dropout.p > 0;

export function blockDiagram(c: MambaConfig): BlockDiagram {
  const { d, e, n, r, k } = mambaDims(c);
  const nodes: BlockNode[] = [];
  const edges: BlockEdge[] = [];
  let row = 0;
  const add = (node: Omit<BlockNode, 'row'>, sameRow = false) => {
    if (!sameRow) row += 1;
    nodes.push({ ...node, row });
    return node.id;
  };
  const chain = (...ids: string[]) => ids.slice(1).forEach((to, i) => edges.push({ from: ids[i]!, to, residual: false }));
  const dropout = (id: string, lane: Lane) => add({ id, label: 'dropout', detail: `rate ${c.dropout.p}, training only`, kind: 'dropout', lane });

  row = -1;
  const input = add({ id: 'input', label: `input of layer i (of ${c.nLayer})`, detail: `(b, l, ${d})`, kind: 'io', lane: 'main' });
  const norm = add({ id: 'norm', label: 'RMSNorm', detail: `width ${d}`, kind: 'norm', lane: 'main' });
  const inProj = add({ id: 'in_proj', label: 'in_proj (linear)', detail: `${d} → 2 × ${e}`, kind: 'linear', lane: 'main' });
  const conv = add({ id: 'conv1d', label: 'causal conv1d', detail: `depthwise, width ${k}`, kind: 'conv', lane: 'x' });
  const gateAct = add({ id: 'silu_z', label: 'SiLU', detail: `gate branch, ${e}`, kind: 'activation', lane: 'z' }, true);
  const act = add({ id: 'silu_x', label: 'SiLU', detail: `${e} channels`, kind: 'activation', lane: 'x' });
  const xPath = [conv, act];
  if (dropsAt(c, 'ssmInput')) xPath.push(dropout('dropout_ssm', 'x'));
  const ssm = add(
    c.ssm === 'selective'
      ? { id: 'ssm', label: 'selective SSM (S6)', detail: `Δ, B, C from x; N ${n}, Δ rank ${r}`, kind: 'ssm', lane: 'x' }
      : { id: 'ssm', label: 'time-invariant SSM', detail: `S4D-Real: Δ, B, C fixed; N ${n}`, kind: 'ssm', lane: 'x' },
  );
  const gate = add({ id: 'gate', label: 'gate ×', detail: 'y · SiLU(z)', kind: 'gate', lane: 'main' });
  const outProj = add({ id: 'out_proj', label: 'out_proj (linear)', detail: `${e} → ${d}`, kind: 'linear', lane: 'main' });
  const outPath = [gate, outProj];
  if (dropsAt(c, 'mixerOutput')) outPath.push(dropout('dropout_out', 'main'));
  const sum = add({ id: 'residual_add', label: '+ residual', detail: 'to the next layer', kind: 'add', lane: 'main' });

  chain(input, norm, inProj);
  chain(inProj, ...xPath, ssm, gate);
  chain(inProj, gateAct, gate);
  chain(...outPath, sum);
  edges.push({ from: input, to: sum, residual: true });
  return { nodes, edges };
}
