/**
 * Shapes the renderer hands to the engine: what a report needs from the experiments, and where in the
 * Markdown each need was written, so every complaint can name file:line:col.
 */
import type { Token } from 'markdown-it';

/** A place in the report's Markdown; `file` is repository-relative, `line` and `column` are 1-based. */
export interface SourcePos {
  file: string;
  line: number;
  column: number;
}

/** Something the text asks the experiments for. The engine plans runs from these. */
export type Need =
  | { kind: 'figure' | 'table'; id: string; where: SourcePos }
  | { kind: 'value'; experimentId: string; path: string; format?: string; where: SourcePos }
  /** A claim directive: `claim` is its source (claim.ts parses it again where it is checked). */
  | { kind: 'claim'; refs: { experimentId: string; path: string }[]; claim: string; where: SourcePos }
  | { kind: 'experiment'; id: string; where: SourcePos };

/** A citation key as written in the text (`[@key]`). */
export interface CitationUse {
  key: string;
  where: SourcePos;
}

export type CrossRefKind = 'fig' | 'tbl' | 'sec';

/** A cross-reference as written in the text (`@fig:id`, `@tbl:id`, `@sec:label`). */
export interface CrossRefUse {
  kind: CrossRefKind;
  label: string;
  where: SourcePos;
}

/** What a cross-reference resolves to: the anchor it links and the text it shows ("Figure 2"). */
export interface LabelTarget {
  anchor: string;
  text: string;
}

/** One heading, numbered as in the original report: sections I, II, ...; subsections A, B, ... */
export interface Heading {
  level: number;
  anchor: string;
  /** "I", "I-A", or null for an unnumbered heading. */
  number: string | null;
  /** The heading's plain text, for the table of contents. */
  text: string;
}

/** The title block, from index.md's front matter. */
export interface FrontMatter {
  title: string;
  subtitle?: string;
  author?: string;
  affiliation?: string;
  date?: string;
}

export interface ParsedFile {
  /** Repository-relative path, e.g. `report/01-mamba.md`. */
  file: string;
  tokens: Token[];
  /** The markdown-it env the file was parsed with (footnotes, anchors); rendering reuses it. */
  env: Record<string, unknown>;
}

/** A CSL-JSON item, as citation-js reads it from BibTeX. */
export type CslItem = Record<string, unknown> & { id: string };

export interface ParsedReport {
  /** Absolute repository root the report was read from; never written into the output. */
  root: string;
  front: FrontMatter;
  files: ParsedFile[];
  needs: Need[];
  citations: CitationUse[];
  crossrefs: CrossRefUse[];
  /** `fig:<id>`, `tbl:<id>`, `sec:<label>` -> target, numbered in reading order. */
  labels: Map<string, LabelTarget>;
  headings: Heading[];
  /** The entries of report/references.bib, by key. */
  bibliography: Map<string, CslItem>;
}

/** An error in the report's source, located at the directive that caused it. */
export class ReportError extends Error {
  readonly where: SourcePos;
  /** Every problem found, the first of which is `where`; the message lists them all. */
  readonly problems: { where: SourcePos; message: string }[];

  constructor(problems: { where: SourcePos; message: string }[]) {
    super(problems.map((p) => `${formatPos(p.where)}: ${p.message}`).join('\n'));
    this.name = 'ReportError';
    this.where = problems[0].where;
    this.problems = problems;
  }

  static at(where: SourcePos, message: string): ReportError {
    return new ReportError([{ where, message }]);
  }
}

export const formatPos = (p: SourcePos): string => `${p.file}:${p.line}:${p.column}`;
