/**
 * The report's directives, as a markdown-it plugin (the syntax is documented in report/README.md):
 *
 *   ::: figure <id>            a figure from the catalog; text inside is appended to its caption
 *   ::: table <id>             a table from the catalog; likewise
 *   ::: experiments <id> ...   "Computed by" box linking the experiments behind a section
 *   ::: original <title>       a labelled box for numbers the original study reported (not recomputed)
 *   {{value <experiment>:<metric.path> format="<d3-format>"}}
 *   {{claim <condition on values> ? "text when true" : "text when false"}}   (claim.ts)
 *   [@key] or [@key1; @key2]   citations of report/references.bib entries
 *   @fig:<id> @tbl:<id> @sec:<label>   numbered cross-references
 *
 * Parsing records each directive's exact file:line:col (token.meta.where). Containers are collapsed
 * into one token each, holding their inner tokens, so the renderer lays a figure out in one piece.
 * Rendering is delegated to `env.directives` (a DirectiveRenderer), which the render step supplies.
 */
import type { MarkdownIt, StateCore, StateInline, Token } from 'markdown-it';
import container from 'markdown-it-container';
import { formatProblem } from './number-format.ts';
import { blockPosition, inlinePosition } from './source-position.ts';
import { parseClaim, type Claim } from './claim.ts';
import { closest } from './closest.ts';
import type { SourcePos } from './types.ts';

export const CONTAINERS = ['figure', 'table', 'experiments', 'original'] as const;
export type ContainerName = (typeof CONTAINERS)[number];

export interface DirectiveMeta {
  where: SourcePos;
  /** Words after the container name (`::: figure scan-time` -> ['scan-time']). */
  args: string[];
  /** The tokens between the opening and closing `:::`. */
  inner: Token[];
}
export interface ValueMeta {
  where: SourcePos;
  experimentId: string;
  path: string;
  format?: string;
}
export interface ClaimMeta {
  where: SourcePos;
  claim: Claim;
}
export interface CitationMeta {
  keys: { key: string; where: SourcePos }[];
}
export interface CrossRefMeta {
  where: SourcePos;
  kind: 'fig' | 'tbl' | 'sec';
  label: string;
}

/** How the render step draws directives; each returns HTML. */
export interface DirectiveRenderer {
  container(name: ContainerName, meta: DirectiveMeta, innerHtml: string): string;
  value(meta: ValueMeta): string;
  claim(meta: ClaimMeta): string;
  citation(meta: CitationMeta): string;
  crossref(meta: CrossRefMeta): string;
  /** The number shown before a heading's text ("I", "A"), or ''. */
  headingNumber(token: Token): string;
}

/** A problem found while parsing, reported with the rest by readReport. */
export interface ParseProblem {
  where: SourcePos;
  message: string;
}

/** What the parse of one file keeps in markdown-it's env. */
export interface DirectiveEnv {
  file: string;
  problems: ParseProblem[];
  directives?: DirectiveRenderer;
}

const VALUE = /^\{\{value\s+([^\s:}]+):([^\s}]+)(?:\s+format=(?:"([^"]*)"|'([^']*)'))?\s*\}\}/;
const CITATION = /^\[(@[\w:./-]+(?:\s*;\s*@[\w:./-]+)*)\]/;
const CITATION_KEY = /@([\w:./-]+)/g;
const CROSSREF = /^@(fig|tbl|sec):([A-Za-z0-9](?:[A-Za-z0-9_.:-]*[A-Za-z0-9])?)/;

export function reportDirectives(md: MarkdownIt): void {
  for (const name of CONTAINERS) {
    container(md, name, { validate: (params) => params.trim().split(/\s+/)[0] === name });
  }
  md.inline.ruler.before('link', 'report_value', valueRule);
  md.inline.ruler.before('link', 'report_claim', claimRule);
  md.inline.ruler.before('link', 'report_unknown_inline', unknownInlineRule);
  md.inline.ruler.before('link', 'report_citation', citationRule);
  md.inline.ruler.before('link', 'report_crossref', crossrefRule);
  md.core.ruler.push('report_directives', locateAndCollapse);

  const renderer = (env: unknown): DirectiveRenderer => {
    const directives = (env as DirectiveEnv).directives;
    if (!directives) throw new Error('report directives rendered without a DirectiveRenderer in env');
    return directives;
  };
  for (const name of CONTAINERS) {
    md.renderer.rules[`directive_${name}`] = (tokens, idx, options, env, self) => {
      const meta = metaOf<DirectiveMeta>(tokens[idx]);
      return renderer(env).container(name, meta, self.render(meta.inner, options, env));
    };
  }
  md.renderer.rules.report_value = (tokens, idx, _o, env) => renderer(env).value(metaOf(tokens[idx]));
  md.renderer.rules.report_claim = (tokens, idx, _o, env) => renderer(env).claim(metaOf(tokens[idx]));
  md.renderer.rules.report_citation = (tokens, idx, _o, env) => renderer(env).citation(metaOf(tokens[idx]));
  md.renderer.rules.report_crossref = (tokens, idx, _o, env) => renderer(env).crossref(metaOf(tokens[idx]));
  md.renderer.rules.heading_open = (tokens, idx, options, env, self) =>
    self.renderToken(tokens, idx, options) + renderer(env).headingNumber(tokens[idx]);
}

/** Directive tokens carry their own meta shapes; markdown-it types `meta` as a loose record. */
export const metaOf = <T>(token: Token): T => token.meta as unknown as T;

// ---- inline rules: they record the offset into the inline content; locateAndCollapse turns it into file:line:col

function valueRule(state: StateInline, silent: boolean): boolean {
  if (!state.src.startsWith('{{value', state.pos)) return false;
  const match = VALUE.exec(state.src.slice(state.pos, state.posMax));
  if (!silent) {
    if (match) {
      const token = state.push('report_value', '', 0);
      token.meta = { offset: state.pos, experimentId: match[1], path: match[2], format: match[3] ?? match[4] };
    } else {
      const token = state.push('report_problem', '', 0);
      token.meta = {
        offset: state.pos,
        message: 'malformed value directive; write {{value <experiment>:<metric> format=",.2f"}}',
      };
    }
  }
  state.pos += match ? match[0].length : '{{value'.length;
  return true;
}

function problemToken(state: StateInline, offset: number, message: string): void {
  const token = state.push('report_problem', '', 0);
  token.meta = { offset, message };
}

/** Token types a claim's texts may not contain: they are plain prose, chosen by the condition. */
const NOT_IN_CLAIM_TEXT = new Set(['report_value', 'report_claim', 'report_citation', 'report_crossref', 'report_problem', 'report_unknown_inline']);

function claimRule(state: StateInline, silent: boolean): boolean {
  if (!state.src.startsWith('{{claim', state.pos)) return false;
  const parsed = parseClaim(state.src.slice(state.pos, state.posMax));
  if (!silent) {
    if (parsed.ok) {
      const token = state.push('report_claim', '', 0);
      token.meta = { offset: state.pos, claim: parsed.claim };
      parsed.claim.textOffsets.forEach((at, i) => {
        const text = i === 0 ? parsed.claim.whenTrue : parsed.claim.whenFalse;
        const inner = state.md.parseInline(text, { file: '', problems: [] }).flatMap((t) => t.children ?? []);
        const directive = inner.find((t) => NOT_IN_CLAIM_TEXT.has(t.type));
        if (directive) {
          problemToken(state, state.pos + at, `the text when ${i === 0 ? 'true' : 'false'} contains a directive (a value, citation or cross-reference); a claim's texts are plain Markdown — put directives outside the claim`);
        }
      });
    } else {
      problemToken(state, state.pos + parsed.offset, parsed.message);
    }
  }
  state.pos += parsed.ok ? parsed.claim.source.length : parsed.length;
  return true;
}

const INLINE_DIRECTIVES = ['value', 'claim'];

/** `{{word` that is not a known directive is a typo, not text to print. */
function unknownInlineRule(state: StateInline, silent: boolean): boolean {
  if (!state.src.startsWith('{{', state.pos)) return false;
  const name = /^\{\{\s*([A-Za-z][\w-]*)/.exec(state.src.slice(state.pos, state.posMax))?.[1];
  if (name === undefined) return false;
  if (!silent) {
    const near = closest(name, INLINE_DIRECTIVES);
    const hint = INLINE_DIRECTIVES.includes(name) ? ` (write {{${name} ...}} with no space after the braces, and a space after '${name}')` : near ? ` (did you mean '{{${near}'?)` : ` (known: ${INLINE_DIRECTIVES.map((n) => `{{${n}`).join(', ')})`;
    problemToken(state, state.pos, `unknown directive '{{${name}'${hint}`);
  }
  state.pos += 2 + name.length;
  return true;
}

function citationRule(state: StateInline, silent: boolean): boolean {
  if (state.src.charCodeAt(state.pos) !== 0x5b /* [ */ || state.src.charCodeAt(state.pos + 1) !== 0x40 /* @ */) return false;
  const match = CITATION.exec(state.src.slice(state.pos, state.posMax));
  if (!match) return false;
  if (!silent) {
    const token = state.push('report_citation', '', 0);
    const start = state.pos + 1;
    token.meta = {
      keys: [...match[1].matchAll(CITATION_KEY)].map((m) => ({ key: m[1], offset: start + m.index })),
    };
  }
  state.pos += match[0].length;
  return true;
}

function crossrefRule(state: StateInline, silent: boolean): boolean {
  if (state.src.charCodeAt(state.pos) !== 0x40 /* @ */) return false;
  if (state.pos > 0 && /[\w@]/.test(state.src[state.pos - 1])) return false;
  const match = CROSSREF.exec(state.src.slice(state.pos, state.posMax));
  if (!match) return false;
  if (!silent) {
    const token = state.push('report_crossref', '', 0);
    token.meta = { offset: state.pos, kind: match[1], label: match[2] };
  }
  state.pos += match[0].length;
  return true;
}

// ---- core rule: positions, container collapse, argument checks

function locateAndCollapse(state: StateCore): void {
  const env = state.env as unknown as DirectiveEnv;
  const lines = state.src.split('\n');
  locate(state.tokens, env, lines);
  strayFences(state.tokens, env, lines);
  state.tokens = collapse(state.tokens, env, lines, null);
}

/**
 * A `:::` line that markdown-it-container did not take is text by CommonMark's rules; here it is a
 * mistake: a misspelled directive (`::: figures x`) or a closing `:::` with nothing open.
 */
function strayFences(tokens: Token[], env: DirectiveEnv, lines: string[]): void {
  for (const token of tokens) {
    if (token.type !== 'inline' || !token.map) continue;
    token.content.split('\n').forEach((line, i) => {
      const fence = /^\s*(:{3,})\s*(\S*)/.exec(line);
      if (!fence) return;
      const where = blockPosition(env.file, lines, token.map![0] + i);
      const name = fence[2];
      if (name === '') {
        env.problems.push({ where, message: "a ':::' that closes no directive (is its opening line misspelled, or is this one extra?)" });
        return;
      }
      const near = closest(name, CONTAINERS);
      const hint = near ? ` (did you mean '::: ${near}'?)` : ` (known: ${CONTAINERS.map((n) => `::: ${n}`).join(', ')})`;
      env.problems.push({ where, message: `unknown directive '::: ${name}'${hint}` });
    });
  }
}

/** Whether (0-based) `line` is the bare `:::` that closes a container; markdown-it-container ends an unclosed one at the end of its parent. */
function isClosingFence(lines: readonly string[], line: number): boolean {
  return /^[\s>]*:{3,}\s*$/.test(lines[line] ?? '');
}

function locate(tokens: Token[], env: DirectiveEnv, lines: string[]): void {
  let lastLine = 0;
  for (const token of tokens) {
    if (token.map) lastLine = token.map[0];
    if (token.type !== 'inline' || !token.children) continue;
    const at = (offset: number): SourcePos =>
      token.map
        ? inlinePosition(env.file, lines, token.map[0], token.content, offset)
        : blockPosition(env.file, lines, lastLine);
    for (const child of token.children) {
      if (child.type === 'report_citation') {
        for (const key of metaOf<{ keys: { offset: number; where?: SourcePos }[] }>(child).keys) key.where = at(key.offset);
        continue;
      }
      const meta = metaOf<{ offset?: number; where?: SourcePos; message?: string }>(child);
      if (meta?.offset === undefined) continue;
      meta.where = at(meta.offset);
      if (child.type === 'report_problem') env.problems.push({ where: meta.where, message: meta.message! });
      if (child.type === 'report_value') checkFormat(metaOf<ValueMeta>(child), env);
    }
  }
}

function checkFormat(meta: ValueMeta, env: DirectiveEnv): void {
  if (meta.format === undefined) return;
  const problem = formatProblem(meta.format);
  if (problem) env.problems.push({ where: meta.where, message: problem });
}

/** Replaces each `container_<name>_open ... _close` run by one `directive_<name>` token. */
function collapse(tokens: Token[], env: DirectiveEnv, lines: string[], parent: { name: ContainerName; where: SourcePos } | null): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    const name = CONTAINERS.find((n) => token.type === `container_${n}_open`);
    if (!name) {
      out.push(token);
      continue;
    }
    const close = tokens.findIndex((t, j) => j > i && t.type === `container_${name}_close` && t.level === token.level);
    const end = close < 0 ? tokens.length : close;
    const where = blockPosition(env.file, lines, token.map![0]);
    const args = token.info.trim().split(/\s+/).slice(1);
    checkArgs(name, args, where, env);
    if (parent) {
      // Directives do not nest; one inside another almost always means the first one's `:::` is missing.
      env.problems.push({ where, message: `'::: ${name}' inside the '::: ${parent.name}' opened at ${parent.where.file}:${parent.where.line}:${parent.where.column} (directives do not nest: is that one's closing ':::' missing?)` });
    } else if (!isClosingFence(lines, token.map![1])) {
      env.problems.push({ where, message: `'::: ${name}' is not closed: add a line ':::' after its content` });
    }
    token.type = `directive_${name}`;
    token.nesting = 0;
    token.meta = { where, args, inner: collapse(tokens.slice(i + 1, end), env, lines, { name, where }) } satisfies DirectiveMeta;
    out.push(token);
    i = end;
  }
  return out;
}

function checkArgs(name: ContainerName, args: string[], where: SourcePos, env: DirectiveEnv): void {
  const problem =
    (name === 'figure' || name === 'table') && args.length !== 1
      ? `'::: ${name}' takes exactly one ${name} id`
      : name === 'experiments' && args.length === 0
        ? "'::: experiments' takes one or more experiment ids"
        : null;
  if (problem) env.problems.push({ where, message: problem });
}
