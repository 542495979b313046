/**
 * From what the report's text asks for (figures, tables, values, experiment boxes) to the experiments
 * that must provide it. Unknown ids are errors located at file:line:col.
 */
import type { CatalogIndex } from './catalog.ts';
import type { Need, SourcePos } from '../report/renderer.ts';

export const formatPos = (p: SourcePos): string => `${p.file}:${p.line}:${p.column}`;

export interface NeededExperiments {
  /** Experiment ids, in the order the report first needs them. */
  experiments: string[];
  problems: string[];
}

export function experimentOfNeed(need: Need, index: CatalogIndex): string | null {
  switch (need.kind) {
    case 'figure':
      return index.figures.get(need.id)?.experimentId ?? null;
    case 'table':
      return index.tables.get(need.id)?.experimentId ?? null;
    case 'value':
      return index.experiments.has(need.experimentId) ? need.experimentId : null;
    case 'experiment':
      return index.experiments.has(need.id) ? need.id : null;
  }
}

export function neededExperiments(needs: readonly Need[], index: CatalogIndex): NeededExperiments {
  const experiments: string[] = [];
  const problems: string[] = [];
  for (const need of needs) {
    const id = experimentOfNeed(need, index);
    if (id === null) {
      const name = need.kind === 'value' ? `value of experiment '${need.experimentId}'` : `${need.kind} '${need.id}'`;
      problems.push(`${formatPos(need.where)}: unknown ${name}`);
    } else if (!experiments.includes(id)) experiments.push(id);
  }
  return { experiments, problems };
}

/** A figure, table or experiment id given on the command line -> its experiment. */
export function resolveTarget(target: string, index: CatalogIndex): { kind: 'figure' | 'table' | 'experiment'; experimentId: string } {
  const figure = index.figures.get(target);
  if (figure) return { kind: 'figure', experimentId: figure.experimentId };
  const table = index.tables.get(target);
  if (table) return { kind: 'table', experimentId: table.experimentId };
  if (index.experiments.has(target)) return { kind: 'experiment', experimentId: target };
  const known = [...index.figures.keys(), ...index.tables.keys()].sort().join(', ') || 'none';
  throw new Error(`unknown figure, table or experiment '${target}' (figures and tables: ${known})`);
}
