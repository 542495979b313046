/** Where a linear-time method overtakes a quadratic one, from measured time-per-token rows. */
import type { Row } from '../../engine/contract.ts';

/**
 * The smallest measured length from which `fast` stays below `slow` in time per token at every longer
 * length measured for both; null when that never happens. Rows: {impl, pass, length, usPerToken}.
 */
export function crossoverLength(rows: Row[], pass: string, fast: string, slow: string): number | null {
  const perLength = (impl: string) => new Map(rows.filter((r) => r.pass === pass && r.impl === impl).map((r) => [Number(r.length), Number(r.usPerToken)]));
  const f = perLength(fast);
  const s = perLength(slow);
  const shared = [...f.keys()].filter((l) => s.has(l)).sort((a, b) => a - b);
  let crossover: number | null = null;
  for (let i = shared.length - 1; i >= 0; i--) {
    const l = shared[i]!;
    if (f.get(l)! < s.get(l)!) crossover = l;
    else break;
  }
  return crossover;
}

/** Least-squares slope of log(time per token) against log(length): 0 for linear time, 1 for quadratic. */
export function logLogSlope(rows: Row[], pass: string, impl: string): number | null {
  const pts = rows.filter((r) => r.pass === pass && r.impl === impl).map((r) => [Math.log(Number(r.length)), Math.log(Number(r.usPerToken))] as const);
  if (pts.length < 2) return null;
  const mx = pts.reduce((s, p) => s + p[0], 0) / pts.length;
  const my = pts.reduce((s, p) => s + p[1], 0) / pts.length;
  const sxx = pts.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  return sxx === 0 ? null : pts.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0) / sxx;
}
