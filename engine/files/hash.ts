/**
 * Hashing and the JSON encodings the cache relies on.
 *
 * Keys are sha256 over RFC 8785 canonical JSON (the `canonicalize` package), so the same components give
 * the same key on every machine and Node version. Stored JSON is pretty-printed with sorted keys, so
 * committed artifacts diff line by line.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** RFC 8785 canonical JSON: sorted keys, no whitespace, normalised numbers. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('value cannot be encoded as canonical JSON');
  return text;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

/** Two-space indented JSON with sorted keys and a final newline: the format of every stored JSON file. */
export function prettyJson(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 2) + '\n';
}

/**
 * A series as one row per line: compact for long series, and an edited row shows up as one changed line
 * in a diff.
 */
export function rowsJson(rows: readonly unknown[]): string {
  if (rows.length === 0) return '[]\n';
  return '[\n' + rows.map((row) => '  ' + JSON.stringify(sortKeys(row))).join(',\n') + '\n]\n';
}
