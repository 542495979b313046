/**
 * A figure drawn server-side: the spec's Observable Plot options rendered in a jsdom document, taken
 * out as markup. The SVG gets a <title> and <desc> (spec.title / spec.alt) for screen readers, and the
 * ids Plot numbers from a process-wide counter (clip paths, patterns, markers) are renamed after the
 * figure id, so the same results always give the same bytes.
 */
import * as Plot from '@observablehq/plot';
import type { FigureSpec, Results } from '../contract.ts';

export interface DrawnFigure {
  /** The figure's markup: an <svg>, or Plot's <figure> when it adds legends. */
  html: string;
}

/**
 * Axes and text use currentColor, so they follow the page's light or dark text colour; Plot's default
 * categorical scheme (observable10) is mid-toned and legible on both backgrounds.
 * `document` is a jsdom document shared by the figures of one render.
 */
export function drawFigure(id: string, spec: FigureSpec, results: Results, width: number, document: Document): DrawnFigure {
  const options = spec.plot(results, { width });
  const root = Plot.plot({ width, ...options, document } as Plot.PlotOptions) as Element;
  const svg = root.tagName.toLowerCase() === 'svg' ? root : [...root.children].filter((c) => c.tagName.toLowerCase() === 'svg').at(-1);
  if (!svg) throw new Error(`Plot returned no <svg> for figure '${id}'`);
  label(svg, document, stableId(id), spec);
  return { html: renameCounters(root.outerHTML, stableId(id)) };
}

/** An id safe in HTML and in url(#...) references, derived from the figure id. */
export const stableId = (id: string): string => `fig-${id.replace(/[^A-Za-z0-9_-]/g, '_')}`;

function label(svg: Element, document: Document, base: string, spec: FigureSpec): void {
  const title = document.createElementNS('http://www.w3.org/2000/svg', 'title');
  title.id = `${base}-title`;
  title.textContent = spec.title;
  const desc = document.createElementNS('http://www.w3.org/2000/svg', 'desc');
  desc.id = `${base}-desc`;
  desc.textContent = spec.alt;
  svg.prepend(title, desc);
  // The svg is one image (role img, named by its title and desc): the aria-labels Plot puts on its
  // groups ("x-axis tick", "line") are not allowed on unnamed <g> elements and say nothing a reader needs.
  for (const e of svg.querySelectorAll('[aria-label], [aria-description]')) {
    e.removeAttribute('aria-label');
    e.removeAttribute('aria-description');
  }
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-labelledby', title.id);
  svg.setAttribute('aria-describedby', desc.id);
}

/** Plot's `plot-clip-N`, `plot-pattern-N`, `plot-marker-N` become `<base>-clip-1`, ... in order of appearance. */
function renameCounters(html: string, base: string): string {
  const renamed = new Map<string, string>();
  const perKind = new Map<string, number>();
  return html.replace(/\bplot-(clip|pattern|marker)-\d+\b/g, (id, kind: string) => {
    let name = renamed.get(id);
    if (!name) {
      const n = (perKind.get(kind) ?? 0) + 1;
      perKind.set(kind, n);
      name = `${base}-${kind}-${n}`;
      renamed.set(id, name);
    }
    return name;
  });
}
