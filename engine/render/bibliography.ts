/**
 * Citations: report/references.bib read by citation-js (BibTeX -> CSL-JSON) and formatted by its CSL
 * processor with the bundled Vancouver style, a numbered style like the original report's. Numbers
 * are given in order of first citation; the entry text comes from the style, the "[n]" from here.
 */
import { readFile } from 'node:fs/promises';
import { Cite } from '@citation-js/core';
import '@citation-js/plugin-bibtex';
import '@citation-js/plugin-csl';
import { attribute, escapeHtml, safeHref } from './escape.ts';
import { ReportError, type CslItem } from './types.ts';

export const BIBLIOGRAPHY_FILE = 'report/references.bib';

/** The entries of report/references.bib by key; empty when the file does not exist. */
export async function readBibliography(root: string): Promise<Map<string, CslItem>> {
  let text: string;
  try {
    text = await readFile(`${root}/${BIBLIOGRAPHY_FILE}`, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw error;
  }
  checkDuplicateKeys(text);
  let items: CslItem[];
  try {
    items = new Cite(text).data;
  } catch (error) {
    // citation-js reports positions relative to the entry it was reading, so only the file is certain.
    throw ReportError.at({ file: BIBLIOGRAPHY_FILE, line: 1, column: 1 }, `cannot read the BibTeX: ${(error as Error).message.split('\n')[0]}`);
  }
  return new Map(items.map((item) => [item.id, withoutGraph(item)]));
}

/**
 * citation-js keeps the last of two entries with one key, without a word; a repeated key is an error
 * naming both lines. Keys compare without case, as BibTeX compares them.
 */
function checkDuplicateKeys(text: string): void {
  const seen = new Map<string, number>();
  const problems: { where: { file: string; line: number; column: number }; message: string }[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const entry = /^(\s*)@\s*(\w+)\s*[{(]\s*([^,\s{}()]+)\s*,/.exec(line);
    if (!entry || ['comment', 'string', 'preamble'].includes(entry[2].toLowerCase())) return;
    const key = entry[3].toLowerCase();
    const first = seen.get(key);
    if (first === undefined) seen.set(key, i + 1);
    else problems.push({ where: { file: BIBLIOGRAPHY_FILE, line: i + 1, column: entry[1].length + 1 }, message: `duplicate BibTeX key '${entry[3]}': already defined at ${BIBLIOGRAPHY_FILE}:${first}` });
  });
  if (problems.length > 0) throw new ReportError(problems);
}

/** citation-js keeps the raw input in `_graph`; it is not bibliographic data. */
function withoutGraph(item: CslItem): CslItem {
  const { _graph, ...rest } = item;
  return rest as CslItem;
}

export interface BibEntry {
  key: string;
  number: number;
  /** The formatted reference, HTML, with its URLs as links. */
  html: string;
}

/** The last formatting, by its input: citeproc takes a tenth of a second, and the preview renders the same citations after most edits. */
let last: { input: string; entries: BibEntry[] } | null = null;

/** Formats `items` (already in citation order) as numbered entries. */
export function formatBibliography(items: CslItem[]): BibEntry[] {
  if (items.length === 0) return [];
  const input = JSON.stringify(items);
  if (last?.input === input) return last.entries.map((e) => ({ ...e }));
  const entries = formatWithCiteproc(items);
  last = { input, entries };
  return entries.map((e) => ({ ...e }));
}

function formatWithCiteproc(items: CslItem[]): BibEntry[] {
  const html = new Cite(items).format('bibliography', {
    format: 'html',
    template: 'vancouver',
    lang: 'en-US',
    entry: items.map((item) => item.id),
  });
  const body = new Map<string, string>();
  for (const m of html.matchAll(/data-csl-entry-id="([^"]+)"[^>]*>\s*(?:<div class="csl-left-margin">[^<]*<\/div>)?<div class="csl-right-inline">([\s\S]*?)<\/div>\s*<\/div>/g)) {
    body.set(m[1], linkUrls(m[2].trim()));
  }
  return items.map((item, i) => {
    const text = body.get(item.id);
    if (text === undefined) throw new Error(`the citation style produced no entry for '${item.id}'`);
    return { key: item.id, number: i + 1, html: text };
  });
}

/**
 * Makes the URLs the style prints clickable. The processor escapes `&`, `<` and `>` but not quotes, so
 * the text is not safe inside an attribute as it stands: each URL is decoded to what it says, cut at
 * the first character a URL cannot hold unescaped (quotes, brackets, space), and written again through
 * the one escaping function, both as the href and as the link's text.
 */
export function linkUrls(html: string): string {
  return html.replace(/https?:\/\/(?:[^\s<>"'`&]|&#?\w+;)+/g, (match) => {
    const trimmed = match.replace(/(?:[.,;:!?)\]]|&#?\w+;)+$/, '');
    const url = decodeEntities(trimmed);
    const href = safeHref(url);
    const link = href ? `<a ${attribute('href', href)}>${escapeHtml(url)}</a>` : escapeHtml(url);
    return link + match.slice(trimmed.length);
  });
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, name: string) => {
    if (name[0] !== '#') return NAMED[name] ?? whole;
    const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : Number(name.slice(1));
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}
