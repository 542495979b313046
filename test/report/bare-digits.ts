/**
 * Finds numbers typed by hand in report prose. Every number of the report comes from a directive
 * (`{{value ...}}`, `{{claim ...}}`) or stands in a `::: original` box; a digit anywhere else is a
 * finding, except:
 * - a section number after "section" or "§" (the Mamba paper's section 4.1);
 * - a year in a citation: a year after an author's name or "et al." (Vaswani et al. 2017);
 * - digits that belong to a name: after a letter or after a hyphen or slash that follows one
 *   (S6, S4D, CIFAR-10, ViT-H/14, EffNet-L2);
 * - the destination of a link (a path or URL, not prose).
 * A claim's texts are prose and are scanned like the rest; front matter values too.
 */
export interface Finding {
  line: number;
  column: number;
  text: string;
  context: string;
}

const SECTION_BEFORE = /(?:\bsections?|§)\s*$/i;
const CITATION_YEAR_BEFORE = /(?:\bet al\.?,?|\b[A-Z][A-Za-z'-]+,?)\s+$/;
const YEAR = /^(?:19|20)\d\d$/;

/** Replaces a span by spaces, keeping line and column positions of everything else. */
const blank = (s: string) => s.replace(/[^\n]/g, ' ');

/** The source with every exempt span blanked out (same length, same line breaks). */
export function proseOnly(source: string): string {
  let text = source;
  // `::: original ...` up to its closing `:::` line.
  text = text.replace(/^::: original\b[\s\S]*?^:::[ \t]*$/gm, blank);
  // Fenced code is program text, not prose (none in the report today; kept honest by the same rule).
  text = text.replace(/^```[\s\S]*?^```[ \t]*$/gm, blank);
  // Directives: a value's path and format are not prose; a claim's condition neither, its texts are.
  text = text.replace(/\{\{value\b[^}]*\}\}/g, blank);
  text = text.replace(/\{\{claim\b((?:[^"}]|"(?:[^"\\]|\\.)*")*)\}\}/g, (whole) => {
    const texts = [...whole.matchAll(/"((?:[^"\\]|\\.)*)"/g)];
    let out = blank(whole);
    for (const t of texts) out = out.slice(0, t.index! + 1) + t[1] + out.slice(t.index! + 1 + t[1]!.length);
    return out;
  });
  // Link destinations: [text](destination).
  text = text.replace(/\]\(([^)\s]*)\)/g, (whole, dest: string) => `](${blank(dest)})`);
  // Autolinks and bare URLs.
  text = text.replace(/<https?:[^>]*>|https?:\/\/\S+/g, blank);
  // Labels and cross-references: {#sec:x}, @fig:x, citation keys [@key2024].
  text = text.replace(/\{#[^}]*\}|@[A-Za-z][\w:.-]*/g, blank);
  return text;
}

export function findBareDigits(source: string): Finding[] {
  const prose = proseOnly(source);
  const findings: Finding[] = [];
  const lines = prose.split('\n');
  const original = source.split('\n');
  lines.forEach((line, i) => {
    for (const m of line.matchAll(/\d+(?:[.,]\d+)*/g)) {
      const before = line.slice(0, m.index);
      const prev = before.at(-1) ?? '';
      if (/[A-Za-z]/.test(prev)) continue; // S6, ECE1512
      if (/[-/]/.test(prev) && /[A-Za-z][\w]*[-/]$/.test(before)) continue; // CIFAR-10, ViT-H/14
      if (SECTION_BEFORE.test(before)) continue;
      if (YEAR.test(m[0]) && CITATION_YEAR_BEFORE.test(before)) continue;
      findings.push({ line: i + 1, column: m.index! + 1, text: m[0], context: original[i]!.trim() });
    }
  });
  return findings;
}
