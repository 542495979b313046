/**
 * The one markdown-it configuration the report is parsed and rendered with. Raw HTML is off: the
 * report is Markdown plus directives, so everything in the output is produced by this code.
 */
import MarkdownIt, { type MarkdownIt as Markdown } from 'markdown-it';
import attrs from 'markdown-it-attrs';
import anchor from 'markdown-it-anchor';
import footnote from 'markdown-it-footnote';
import markdownItKatex from '@vscode/markdown-it-katex';
import katex from 'katex';
import { reportDirectives } from './directives.ts';

export function createMarkdown(): Markdown {
  const md = new MarkdownIt({ html: false, typographer: true, linkify: false });
  md.validateLink = safeLink;
  // Figures come from figures.ts; an image in the prose would load from outside the self-contained page.
  md.disable('image');
  // Headings take `{#sec:label}` and `{.unnumbered}`; nothing else, so text in braces stays text.
  md.use(attrs, { allowedAttributes: ['id', 'class'] });
  // Headings without an explicit id get a slug; ids stay unique across files through a shared env entry.
  md.use(anchor, { level: 1, tabIndex: false });
  md.use(footnote);
  // The plugin bundles an older KaTeX; this project's KaTeX is passed in so that the HTML matches the
  // CSS and fonts that are inlined. Its type differs from the plugin's declared one only in version.
  md.use(katexPlugin, { katex: rememberedKatex as never, throwOnError: false });
  md.use(reportDirectives);
  return md;
}

/**
 * KaTeX with each formula's HTML remembered (by its source and the two options this configuration
 * sets): the output is a pure function of them, and the live preview renders the same formulas after
 * every edit. Bounded, so a long session cannot grow it without end.
 */
const formulas = new Map<string, string>();
export const rememberedKatex = {
  ...katex,
  renderToString(tex: string, options: { displayMode?: boolean; throwOnError?: boolean } = {}): string {
    const key = JSON.stringify([tex, Boolean(options.displayMode), options.throwOnError !== false]);
    let html = formulas.get(key);
    if (html === undefined) {
      html = katex.renderToString(tex, options);
      if (formulas.size >= 10_000) formulas.clear();
      formulas.set(key, html);
    }
    return html;
  },
};

/**
 * The plugin is CommonJS with an `exports.default`; depending on the loader's interop (Node ESM,
 * tsx, vitest) the default import is either that function or the whole exports object.
 */
type KatexPlugin = typeof markdownItKatex.default;
const loaded = markdownItKatex as unknown as KatexPlugin | { default: KatexPlugin };
const katexPlugin: KatexPlugin = typeof loaded === 'function' ? loaded : loaded.default;

export { katex };

/**
 * Links go to the web (http, https, mailto), to an anchor, or into the repository (a relative path);
 * any other scheme (javascript:, data:, file:, vbscript:) is not made a link. Browsers ignore
 * control characters and blanks inside a scheme, so they are ignored here too.
 */
export function safeLink(url: string): boolean {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url.replace(/[\u0000-\u0020\u007f]+/g, ''));
  return !scheme || ['http', 'https', 'mailto'].includes(scheme[1]!.toLowerCase());
}
