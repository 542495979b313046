/**
 * How numbers from results are written: with the d3-format specifier the author gave, or else
 * integers with thousands separators and other numbers to four significant digits.
 */
import { format } from 'd3-format';

const integer = format(',');
const general = format(',.4~r');

export function formatCell(value: number | string | boolean | null | undefined, specifier?: string): string {
  if (value === null || value === undefined) return '—';
  if (typeof value !== 'number') return String(value);
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? '∞' : '−∞';
  if (specifier !== undefined) return format(specifier)(value);
  return Number.isInteger(value) ? integer(value) : general(value);
}
