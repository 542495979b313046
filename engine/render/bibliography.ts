/**
 * Citations: report/references.bib read by citation-js (BibTeX -> CSL-JSON) and formatted by its CSL
 * processor with the bundled Vancouver style, a numbered style like the original report's. Numbers
 * are given in order of first citation; the entry text comes from the style, the "[n]" from here.
 */
import { readFile } from 'node:fs/promises';
import { Cite } from '@citation-js/core';
import '@citation-js/plugin-bibtex';
import '@citation-js/plugin-csl';
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
  let items: CslItem[];
  try {
    items = new Cite(text).data;
  } catch (error) {
    // citation-js reports positions relative to the entry it was reading, so only the file is certain.
    throw ReportError.at({ file: BIBLIOGRAPHY_FILE, line: 1, column: 1 }, `cannot read the BibTeX: ${(error as Error).message.split('\n')[0]}`);
  }
  return new Map(items.map((item) => [item.id, withoutGraph(item)]));
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

/** Makes the URLs the style prints clickable (the text is already HTML-escaped by the processor). */
function linkUrls(html: string): string {
  return html.replace(/https?:\/\/[^\s<]+[^\s<.,;)]/g, (url) => `<a href="${url}">${url}</a>`);
}
