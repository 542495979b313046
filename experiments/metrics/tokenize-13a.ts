/**
 * sacreBLEU's default tokeniser "13a" (the mteval-v13a.pl tokenisation), as sacreBLEU 2.x applies it.
 *
 * On a segment (already `rstrip()`-ed by the caller, as sacreBLEU's BLEU does):
 *  1. remove every `<skipped>`; replace every `-\n` with nothing, then every `\n` with a space;
 *  2. only if the line contains `&`: replace `&quot;` `&amp;` `&lt;` `&gt;` by `"` `&` `<` `>`, in that
 *     order (so `&amp;lt;` becomes `<`);
 *  3. pad with one space on each side, then apply in order (Python `re.sub`, left to right, no overlap):
 *     `([\{-\~\[-\` -\&\(-\+\:-\@\/])` -> ` \1 `  (the ASCII symbols {|}~ [\]^_` space!"#$%& ()*+ :;<=>?@ /)
 *     `([^0-9])([\.,])` -> `\1 \2 `            (period and comma unless preceded by a digit)
 *     `([\.,])([^0-9])` -> ` \1 \2`            (period and comma unless followed by a digit)
 *     `([0-9])(-)` -> `\1 \2 `                 (dash after a digit);
 *  4. `' '.join(line.split())` with Python's whitespace (python-text.ts).
 * The regular expressions contain only ASCII classes, so matching UTF-16 code units (JavaScript without
 * the `u` flag) gives the same string as Python matching code points: a surrogate half is never a digit,
 * period or comma, and the replacements only insert spaces beside ASCII characters.
 */
import { pySplit } from './python-text.ts';

const RULES: ReadonlyArray<[RegExp, string]> = [
  [/([\{-\~\[-\` -\&\(-\+\:-\@\/])/g, ' $1 '],
  [/([^0-9])([\.,])/g, '$1 $2 '],
  [/([\.,])([^0-9])/g, ' $1 $2'],
  [/([0-9])(-)/g, '$1 $2 '],
];

export function tokenize13a(line: string): string {
  let s = line.replaceAll('<skipped>', '').replaceAll('-\n', '').replaceAll('\n', ' ');
  if (s.includes('&')) {
    s = s.replaceAll('&quot;', '"').replaceAll('&amp;', '&').replaceAll('&lt;', '<').replaceAll('&gt;', '>');
  }
  s = ` ${s} `;
  for (const [re, rep] of RULES) s = s.replace(re, rep);
  return pySplit(s).join(' ');
}
