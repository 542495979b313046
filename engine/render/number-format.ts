/**
 * How numbers from results are written: with the d3-format specifier the author gave, or else
 * integers with thousands separators and other numbers to four significant digits.
 */
import { format, formatSpecifier } from 'd3-format';

const integer = format(',');
const general = format(',.4~r');

/** d3-format's types (https://d3js.org/d3-format); `formatSpecifier` itself accepts any letter and treats unknown ones as none. */
const TYPES = new Set(['e', 'f', 'g', 'r', 's', '%', 'p', 'b', 'o', 'd', 'x', 'X', 'c', 'n', '']);
/** d3 clamps precision silently, to 1..21 for these types and 0..20 for the others. */
const SIGNIFICANT = new Set(['g', 'r', 's', 'p', '']);

/** Why `specifier` is not a d3-format specifier this project accepts; null when it is. */
export function formatProblem(specifier: string): string | null {
  if (specifier.trim() === '') return 'an empty number format (leave format= out for the default, or give one such as ",.2f")';
  let parsed;
  try {
    parsed = formatSpecifier(specifier);
  } catch {
    return `invalid number format '${specifier}' (a d3-format specifier such as ",.2f", ".1%", ".3s")`;
  }
  const type = specifier.match(/[a-zA-Z%]$/)?.[0] ?? '';
  if (!TYPES.has(type)) return `invalid number format '${specifier}': unknown type '${type}' (one of e f g r s % p b o d x X c n)`;
  const precision = parsed.precision;
  if (precision !== undefined) {
    const [low, high] = SIGNIFICANT.has(type) ? [1, 21] : [0, 20];
    if (precision < low || precision > high) return `invalid number format '${specifier}': precision ${precision} is outside ${low}..${high} for type '${type || 'none'}'`;
  }
  return null;
}

export function formatCell(value: number | string | boolean | null | undefined, specifier?: string): string {
  if (value === null || value === undefined) return '—';
  if (typeof value !== 'number') return String(value);
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? '∞' : '−∞';
  if (specifier !== undefined) {
    const problem = formatProblem(specifier);
    if (problem) throw new Error(problem);
    return format(specifier)(value);
  }
  return Number.isInteger(value) ? integer(value) : general(value);
}
