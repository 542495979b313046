/**
 * Cleaning of software messages into plain sentences for translation, applied to both sides of a pair.
 * The steps run in this order, because each one may leave something the next one removes:
 *  1. markup: remove `<...>` tags (no `<` or `>` inside, not right after `%`), then decode character references: the named
 *     `&amp; &lt; &gt; &quot; &apos; &nbsp;` and numeric `&#NN;` / `&#xHH;` (after the tags, so an
 *     escaped `&lt;b&gt;` stays visible text);
 *  2. placeholders: printf conversions (`%s %d %1$s %-10s %lu %.*s %5.2f`, Python's `%(name)s`, the
 *     inttypes `%<PRId64>`), GCC's diagnostic directives (`%<` `%>` `%qs` `%qE` `%L` and other `%`
 *     + letter), and brace placeholders `{0}` `{name}` `${var}`; then quote pairs that the removal left
 *     empty (`''` `""` and, with only spaces inside, `‘’ “” « » „“ ‚‘ ‹› »«` and `()`);
 *  3. keyboard accelerators: `(_F)` / `(&F)` suffixes, then `_` or `~` or `&` directly before a letter
 *     or digit (`_File`, `Ou_vrir`, `~Open`, `&Open`) - a lone `&` between spaces stays;
 *  4. whitespace: every run of whitespace (JavaScript's \s, which covers tabs and newlines) becomes one
 *     space, trimmed at both ends.
 * A pair is kept when the cleaned sides differ and both have 3 to 50 words (space-separated).
 */

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (all, body: string) => {
    if (body[0] === '#') {
      const cp = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : all;
    }
    return NAMED[body] ?? all;
  });
}

const PLACEHOLDERS: RegExp[] = [
  /%\([A-Za-z_][A-Za-z0-9_]*\)[-+ #0]*[0-9]*(?:\.[0-9]+)?[diouxXeEfFgGcrsa]/g, // %(name)s
  /%<PRI[A-Za-z0-9]+>/g, // %<PRId64>
  // flags without the space flag: "50% off" must not lose "% o"; ' is the grouping flag (%'d)
  /%(?:[0-9]+\$)?[-+#0']*(?:[0-9]+|\*)?(?:\.(?:[0-9]+|\*))?(?:hh|h|ll|l|L|q|j|z|t|I64|I32)?[diouxXeEfFgGaAcspnCS]/g,
  /%[<>]/g, // GCC quote directives
  /%q?[A-Za-z]/g, // %qs %qE %L and other GCC directives
  /\$?\{[A-Za-z0-9_.:-]*\}/g, // {0} {name} ${var}
];
const EMPTY_QUOTES = /''|""|‘\s*’|“\s*”|«\s*»|„\s*“|„\s*”|‚\s*‘|‹\s*›|»\s*«|\(\s*\)/g;

export function cleanMessage(text: string): string {
  // not after '%': `%<PRId64>` and GCC's `%<...%>` are placeholders, removed in step 2
  let s = text.replace(/(?<!%)<[^<>]*>/g, '');
  s = decodeEntities(s);
  for (const re of PLACEHOLDERS) s = s.replace(re, '');
  s = s.replace(EMPTY_QUOTES, '');
  s = s.replace(/\s*\([_&][^\s()]\)/g, '');
  s = s.replace(/[_~&](?=[\p{L}\p{N}])/gu, '');
  return s.replace(/\s+/g, ' ').trim();
}

export const wordCount = (s: string): number => (s === '' ? 0 : s.split(' ').length);

export const MIN_WORDS = 3;
export const MAX_WORDS = 50;

/** Whether a cleaned pair belongs in the corpus. */
export function keepPair(source: string, target: string): boolean {
  if (source === target) return false;
  const a = wordCount(source);
  const b = wordCount(target);
  return a >= MIN_WORDS && a <= MAX_WORDS && b >= MIN_WORDS && b <= MAX_WORDS;
}
