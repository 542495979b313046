/**
 * `{{value experiment:path}}`: a number (or short string) from an experiment's metrics.json, found by
 * a dotted path and written with the directive's d3-format specifier. Experiments use both nested
 * objects (`best.accuracy` -> {best: {accuracy}}) and flat dotted keys (`mamba.finalAccuracy`); at
 * each level the longest key that matches wins.
 */
import type { Json } from '../contract.ts';

export type Lookup = { found: true; value: number | string | boolean | null } | { found: false; reason: string };

/** The error for a path that the current results do not have, the same in `make report` and `make check`. */
export function unknownMetric(reason: string, experimentId: string, metrics: Record<string, Json>): string {
  const known = Object.keys(metrics).sort();
  const shown = known.length > 12 ? `${known.slice(0, 12).join(', ')}, ... ${known.length - 12} more` : known.join(', ');
  return `${reason} in the results of experiment '${experimentId}' (metrics: ${shown || 'none'})`;
}

export function lookupMetric(metrics: Record<string, Json>, path: string): Lookup {
  let node: Json = metrics;
  let parts = path.split('.');
  const walked: string[] = [];
  while (parts.length > 0) {
    if (node === null || typeof node !== 'object') return { found: false, reason: `'${walked.join('.')}' is not an object` };
    const container: Record<string, Json> | Json[] = node;
    const take: number | undefined = [...parts.keys()].map((i) => parts.length - i).find((n) => Object.hasOwn(container, parts.slice(0, n).join('.')));
    if (take === undefined) return { found: false, reason: `no metric '${[...walked, ...parts].join('.')}'` };
    const key: string = parts.slice(0, take).join('.');
    node = Array.isArray(container) ? container[Number(key)] : container[key];
    walked.push(key);
    parts = parts.slice(take);
  }
  if (node !== null && typeof node === 'object') return { found: false, reason: `'${path}' is an object or array, not a value` };
  return { found: true, value: node };
}
