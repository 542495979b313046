/**
 * Python's notion of whitespace, for metrics that must agree with Python tools (sacreBLEU) bit for bit.
 *
 * `str.split()` and `str.rstrip()` treat a character as whitespace when `str.isspace()` is true: the
 * code points U+0009-U+000D, U+001C-U+001F (the file/group/record/unit separators), U+0020, U+0085
 * (next line), U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F and U+3000. JavaScript's
 * `\s` differs: it lacks U+001C-U+001F and U+0085 and adds U+FEFF (byte-order mark), so `split(/\s+/)`
 * would tokenise differently on exactly those characters.
 */
const PY_WS = '\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const RUN = new RegExp(`[${PY_WS}]+`, 'g');
const TRAILING = new RegExp(`[${PY_WS}]+$`);
const ONE = new RegExp(`^[${PY_WS}]$`);

/** True for the characters Python's `str.isspace()` accepts. */
export const isPythonSpace = (ch: string): boolean => ONE.test(ch);

/** Python's `s.split()`: split on runs of whitespace, dropping empty pieces at either end. */
export function pySplit(s: string): string[] {
  return s.split(RUN).filter((t) => t.length > 0);
}

/** Python's `s.rstrip()`. */
export function pyRstrip(s: string): string {
  return s.replace(TRAILING, '');
}
