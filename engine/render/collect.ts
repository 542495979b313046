/**
 * One walk over the parsed files, in reading order, that collects what the report needs and numbers
 * what it labels: figures and tables in order of appearance ("Figure 1"), sections as in the original
 * report (I, II, ... with subsections A, B, ...). Cross-references can point forward, so numbering
 * happens here, before anything is rendered.
 */
import type { Token } from 'markdown-it';
import katex from 'katex';
import { metaOf, type CitationMeta, type ClaimMeta, type CrossRefMeta, type DirectiveMeta, type ParseProblem, type ValueMeta } from './directives.ts';
import { blockPosition } from './source-position.ts';
import type { CitationUse, CrossRefUse, Heading, LabelTarget, Need, ParsedFile, SourcePos } from './types.ts';

export interface Collected {
  needs: Need[];
  citations: CitationUse[];
  crossrefs: CrossRefUse[];
  labels: Map<string, LabelTarget>;
  headings: Heading[];
  problems: ParseProblem[];
}

const ROMAN: [number, string][] = [[10, 'X'], [9, 'IX'], [5, 'V'], [4, 'IV'], [1, 'I']];
export function roman(n: number): string {
  let out = '';
  for (const [value, letters] of ROMAN) for (; n >= value; n -= value) out += letters;
  return out;
}
const letter = (n: number): string => String.fromCharCode(64 + n);

/** `sources` holds each file's source lines, used to locate math errors. */
export function collect(files: ParsedFile[], sources: Map<string, string[]>): Collected {
  const out: Collected = { needs: [], citations: [], crossrefs: [], labels: new Map(), headings: [], problems: [] };
  const counts = { figure: 0, table: 0, section: 0, subsection: 0 };
  const labelled = new Map<string, SourcePos>();

  const label = (key: string, target: LabelTarget, where: SourcePos): void => {
    const first = labelled.get(key);
    if (first) {
      out.problems.push({ where, message: `'${key}' is already used at ${first.file}:${first.line}:${first.column}` });
      return;
    }
    labelled.set(key, where);
    out.labels.set(key, target);
  };

  const walk = (tokens: Token[], file: string): void => {
    const lines = sources.get(file)!;
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i];
      if (token.type === 'heading_open') heading(token, tokens[i + 1], tokens[i + 2], file, lines);
      if (token.type === 'directive_figure' || token.type === 'directive_table') {
        const meta = metaOf<DirectiveMeta>(token);
        const kind = token.type === 'directive_figure' ? 'figure' : 'table';
        const id = meta.args[0];
        if (id !== undefined) {
          const number = ++counts[kind];
          const prefix = kind === 'figure' ? 'fig' : 'tbl';
          label(`${prefix}:${id}`, { anchor: `${prefix}:${id}`, text: `${kind === 'figure' ? 'Figure' : 'Table'} ${number}` }, meta.where);
          out.needs.push({ kind, id, where: meta.where });
        }
      }
      if (token.type === 'directive_experiments') {
        const meta = metaOf<DirectiveMeta>(token);
        for (const id of meta.args) out.needs.push({ kind: 'experiment', id, where: meta.where });
      }
      if (token.type.startsWith('directive_')) walk(metaOf<DirectiveMeta>(token).inner, file);
      if (token.type === 'math_block') checkMath(token.content, true, blockPosition(file, lines, token.map?.[0] ?? 0));
      if (token.type === 'inline' && token.children) inline(token, file, lines);
    }
  };

  const inline = (parent: Token, file: string, lines: string[]): void => {
    for (const child of parent.children!) {
      if (child.type === 'report_value') {
        const { experimentId, path, format, where } = metaOf<ValueMeta>(child);
        out.needs.push({ kind: 'value', experimentId, path, ...(format === undefined ? {} : { format }), where });
      } else if (child.type === 'report_claim') {
        const { claim, where } = metaOf<ClaimMeta>(child);
        out.needs.push({ kind: 'claim', refs: claim.refs, claim: claim.source, where });
      } else if (child.type === 'report_citation') {
        for (const { key, where } of metaOf<CitationMeta>(child).keys) out.citations.push({ key, where });
      } else if (child.type === 'report_crossref') {
        const { kind, label: name, where } = metaOf<CrossRefMeta>(child);
        out.crossrefs.push({ kind, label: name, where });
      } else if (child.type === 'math_inline' || child.type === 'math_inline_block') {
        const line = parent.map?.[0] ?? 0;
        const offset = lines.slice(line).join('\n').indexOf(child.content);
        const before = lines.slice(line).join('\n').slice(0, Math.max(offset, 0)).split('\n');
        const where = { file, line: line + before.length, column: before.at(-1)!.length + 1 };
        checkMath(child.content, child.type === 'math_inline_block', where);
      }
    }
  };

  const heading = (open: Token, inlineToken: Token, close: Token, file: string, lines: string[]): void => {
    const level = Number(open.tag.slice(1));
    const anchor = String(open.attrGet('id') ?? '');
    const numbered = !String(open.attrGet('class') ?? '').split(/\s+/).includes('unnumbered') && level <= 2;
    let number: string | null = null;
    let reference = '';
    if (numbered && level === 1) {
      counts.section += 1;
      counts.subsection = 0;
      number = roman(counts.section);
      reference = `Section ${number}`;
    } else if (numbered && level === 2) {
      counts.subsection += 1;
      number = letter(counts.subsection);
      reference = counts.section > 0 ? `Section ${roman(counts.section)}-${number}` : `Section ${number}`;
    }
    open.meta = { ...open.meta, number };
    // The page title is the only h1: report headings move one level down.
    open.tag = close.tag = `h${Math.min(level + 1, 6)}`;
    const text = (inlineToken.children ?? [])
      .filter((t) => t.type === 'text' || t.type === 'code_inline')
      .map((t) => t.content)
      .join('')
      .trim();
    out.headings.push({ level, anchor, number, text });
    if (anchor.startsWith('sec:')) {
      const where = blockPosition(file, lines, open.map?.[0] ?? 0);
      if (!number) out.problems.push({ where, message: `'${anchor}' labels an unnumbered heading, so it cannot be referenced` });
      else label(anchor, { anchor, text: reference }, where);
    }
  };

  const checkMath = (tex: string, displayMode: boolean, where: SourcePos): void => {
    try {
      katex.renderToString(tex, { displayMode, throwOnError: true });
    } catch (error) {
      out.problems.push({ where, message: `math does not parse: ${(error as Error).message}` });
    }
  };

  for (const file of files) walk(file.tokens, file.file);
  return out;
}
