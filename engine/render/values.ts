/**
 * `{{value experiment:path}}`: a number (or short string) from an experiment's metrics.json, found by
 * a dotted path (`best.accuracy`, `curve.3`) and written with the directive's d3-format specifier.
 */
import type { Json } from '../contract.ts';

export type Lookup = { found: true; value: number | string | boolean | null } | { found: false; reason: string };

export function lookupMetric(metrics: Record<string, Json>, path: string): Lookup {
  let node: Json | undefined = metrics;
  const walked: string[] = [];
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object') return { found: false, reason: `'${walked.join('.')}' is not an object` };
    node = Array.isArray(node) ? node[Number(part)] : (node as Record<string, Json>)[part];
    walked.push(part);
    if (node === undefined) {
      return { found: false, reason: `no metric '${walked.join('.')}'` };
    }
  }
  if (node !== null && typeof node === 'object') return { found: false, reason: `'${path}' is an object or array, not a value` };
  return { found: true, value: node as number | string | boolean | null };
}
