/** "Did you mean" suggestions for unknown ids, by edit distance. */

export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** The known id closest to `wanted`, if it is close enough to be a plausible typo. */
export function closest(wanted: string, known: Iterable<string>): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of [...known].sort()) {
    const distance = editDistance(wanted, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best !== null && bestDistance <= Math.max(2, Math.floor(wanted.length / 3)) ? best : null;
}

/** " (did you mean 'x'?)" or " (known: a, b, c)" or " (none are defined)". */
export function suggestion(wanted: string, known: Iterable<string>): string {
  const all = [...known].sort();
  if (all.length === 0) return ' (none are defined)';
  const near = closest(wanted, all);
  if (near) return ` (did you mean '${near}'?)`;
  const shown = all.slice(0, 8).join(', ');
  return ` (known: ${shown}${all.length > 8 ? `, ... ${all.length - 8} more` : ''})`;
}
