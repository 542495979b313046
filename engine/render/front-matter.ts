/**
 * The title block of the report, written as front matter at the top of report/index.md:
 *
 *   ---
 *   title: Mamba: a summary, ...
 *   author: ...
 *   ---
 *
 * Only flat `key: value` lines are allowed (no YAML nesting), so no YAML parser is needed and every
 * mistake can be located. The front matter lines are blanked, not removed, so markdown-it's line
 * numbers stay those of the file.
 */
import { ReportError, type FrontMatter } from './types.ts';

const KEYS = ['title', 'subtitle', 'author', 'affiliation', 'date'] as const;
type Key = (typeof KEYS)[number];

export interface SplitSource {
  front: Partial<FrontMatter>;
  /** Whether the file starts with a front matter block. */
  hasFrontMatter: boolean;
  /** The source with the front matter replaced by as many empty lines. */
  body: string;
}

export function splitFrontMatter(file: string, source: string): SplitSource {
  const lines = source.split('\n');
  if (lines[0]?.trimEnd() !== '---') return { front: {}, hasFrontMatter: false, body: source };
  const end = lines.findIndex((line, i) => i > 0 && line.trimEnd() === '---');
  if (end < 0) throw ReportError.at({ file, line: 1, column: 1 }, 'front matter is not closed by a `---` line');
  const front: Partial<Record<Key, string>> = {};
  const lineOf = new Map<Key, number>();
  for (let i = 1; i < end; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    const match = /^([a-z]+):\s*(.*)$/.exec(line);
    const where = { file, line: i + 1, column: 1 };
    if (!match) throw ReportError.at(where, `front matter lines are \`key: value\`; got '${line}'`);
    const key = match[1] as Key;
    if (!KEYS.includes(key)) throw ReportError.at(where, `unknown front matter key '${match[1]}' (known: ${KEYS.join(', ')})`);
    const first = lineOf.get(key);
    if (first !== undefined) throw ReportError.at(where, `front matter key '${key}' is given twice: first at ${file}:${first}`);
    lineOf.set(key, i + 1);
    front[key] = match[2].trim();
  }
  const body = [...lines.slice(0, end + 1).map(() => ''), ...lines.slice(end + 1)].join('\n');
  return { front, hasFrontMatter: true, body };
}
