/**
 * The Handlebars templates and stylesheet in templates/: page.hbs lays out the document; figure,
 * table, provenance (the line under an item), provenance-record (an experiment's full record, in the
 * appendix), bibliography, experiments and original are partials it and the directives use.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';

const NAMES = ['page', 'figure', 'table', 'provenance', 'provenance-record', 'bibliography', 'experiments', 'original'] as const;
export type TemplateName = (typeof NAMES)[number];

export interface Templates {
  render(name: TemplateName, data: object): string;
  css: string;
}

/** The templates belong to the renderer, not to a report: they are found beside this code. */
const TEMPLATES = fileURLToPath(new URL('../../templates/', import.meta.url));

let loaded: Promise<Templates> | null = null;

/** The compiled templates, read once per process (a build renders once; tests render many times). */
export function loadTemplates(): Promise<Templates> {
  loaded ??= compileTemplates().catch((error: unknown) => {
    loaded = null;
    throw error;
  });
  return loaded;
}

/** Read the templates again on next use (the preview, after an edit in templates/). */
export function forgetTemplates(): void {
  loaded = null;
}

async function compileTemplates(): Promise<Templates> {
  const hb = Handlebars.create();
  const compiled = new Map<TemplateName, HandlebarsTemplateDelegate>();
  for (const name of NAMES) {
    const source = await readFile(`${TEMPLATES}${name}.hbs`, 'utf8');
    hb.registerPartial(name, source);
    compiled.set(name, hb.compile(source, { noEscape: false }));
  }
  const css = await readFile(`${TEMPLATES}report.css`, 'utf8');
  // Handlebars also escapes '=' (as &#x3D;), which HTML does not need; keeping it plain keeps the
  // output readable and commands like `make figure FIG=x` searchable in the source.
  return { render: (name, data) => compiled.get(name)!(data).replaceAll('&#x3D;', '='), css };
}
