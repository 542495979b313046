/**
 * From what the report's text asks for (figures, tables, values, claims, experiment boxes) to the
 * experiments that must provide it. Unknown ids are errors located at file:line:col, with the closest
 * known id when one is near.
 */
import type { CatalogIndex } from './catalog.ts';
import type { Need, SourcePos } from '../report/renderer.ts';
import { suggestion } from '../render/closest.ts';

export const formatPos = (p: SourcePos): string => `${p.file}:${p.line}:${p.column}`;

export interface NeededExperiments {
  /** Experiment ids, in the order the report first needs them. */
  experiments: string[];
  problems: string[];
}

/** The experiment ids a need names, as written (a claim may read several). */
export function namedExperiments(need: Need): string[] {
  switch (need.kind) {
    case 'value':
      return [need.experimentId];
    case 'experiment':
      return [need.id];
    case 'claim':
      return [...new Set(need.refs.map((r) => r.experimentId))];
    case 'figure':
    case 'table':
      return [];
  }
}

/** The experiments that provide a need; empty, with `problems`, where it names something unknown. */
export function experimentsOfNeed(need: Need, index: CatalogIndex): { experiments: string[]; problems: string[] } {
  const at = formatPos(need.where);
  if (need.kind === 'figure' || need.kind === 'table') {
    const entry = (need.kind === 'figure' ? index.figures : index.tables).get(need.id);
    if (entry) return { experiments: [entry.experimentId], problems: [] };
    const known = need.kind === 'figure' ? index.figures.keys() : index.tables.keys();
    return { experiments: [], problems: [`${at}: unknown ${need.kind} '${need.id}'${suggestion(need.id, known)}`] };
  }
  const ids = namedExperiments(need);
  const unknown = ids.filter((id) => !index.experiments.has(id));
  const what = need.kind === 'value' ? 'value of unknown experiment' : need.kind === 'claim' ? 'claim reads unknown experiment' : 'unknown experiment';
  return {
    experiments: unknown.length ? [] : ids,
    problems: unknown.map((id) => `${at}: ${what} '${id}'${suggestion(id, index.experiments.keys())}`),
  };
}

export function neededExperiments(needs: readonly Need[], index: CatalogIndex): NeededExperiments {
  const experiments: string[] = [];
  const problems: string[] = [];
  for (const need of needs) {
    const found = experimentsOfNeed(need, index);
    problems.push(...found.problems);
    for (const id of found.experiments) if (!experiments.includes(id)) experiments.push(id);
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
  const all = [...index.figures.keys(), ...index.tables.keys(), ...index.experiments.keys()];
  throw new Error(`unknown figure, table or experiment '${target}'${suggestion(target, all)}`);
}
