/**
 * renderReport: the parsed report plus the experiments' artifacts -> one self-contained HTML page.
 * Figures and tables are numbered in reading order, citations in order of first use; every figure and
 * table carries its provenance. The output depends only on the inputs (no clock, no random ids, no
 * paths of this machine), so identical artifacts give identical bytes.
 */
import { JSDOM } from 'jsdom';
import type { Token } from 'markdown-it';
import type { ArtifactView, Catalog, CatalogEntry, FigureSpec, Profile, Results, TableSpec } from '../contract.ts';
import { formatBibliography } from './bibliography.ts';
import { checkNeeds } from './check.ts';
import { evaluateClaim, refName, type ClaimRef, type ReadValue } from './claim.ts';
import type { CitationMeta, ClaimMeta, ContainerName, CrossRefMeta, DirectiveMeta, DirectiveRenderer, ValueMeta } from './directives.ts';
import { escapeHtml } from './escape.ts';
import { katexCss } from './katex-assets.ts';
import { createMarkdown } from './markdown.ts';
import { formatCell } from './number-format.ts';
import { drawFigure, type DrawnFigure } from './plot-svg.ts';
import { dataReadBy, provenanceView, REPO_FROM_OUTPUT } from './provenance.ts';
import { relativeToRepo } from './repo-paths.ts';
import { loadTemplates, type Templates } from './templates.ts';
import { ReportError, type ParsedReport } from './types.ts';
import { lookupMetric, unknownMetric } from './values.ts';

export interface RenderInput {
  catalog: Catalog;
  /** The newest artifact of each experiment, by experiment id; an absent id counts as missing. */
  artifacts: Map<string, ArtifactView>;
  /** The profile this build asked for. */
  profile: Profile;
  /** True when the build was told not to compute: missing artifacts stay missing. */
  frozen: boolean;
  /** Draws one figure instead of drawFigure (the preview's reuses unchanged SVG); `document` makes the jsdom window on first call. */
  drawFigure?: (id: string, spec: FigureSpec, results: Results, width: number, document: () => Document) => DrawnFigure;
}

/** The width, in CSS pixels, figures are drawn at: the text column (46rem) less padding. */
export const FIGURE_WIDTH = 688;
/**
 * The width of each figure's second drawing, shown instead on narrow screens (report.css): a 390 px
 * phone less the page padding. Drawn for that width rather than scaled down, its text keeps its size.
 */
export const NARROW_FIGURE_WIDTH = 350;

export async function renderReport(report: ParsedReport, input: RenderInput): Promise<string> {
  checkNeeds(report, input.catalog);
  const md = createMarkdown();
  const templates = await loadTemplates();
  const page = new PageRenderer(report, input, templates, md, () => new JSDOM('<!doctype html><html><body></body></html>').window.document);
  const body = report.files
    .map((file) => md.renderer.render(file.tokens, md.options, { ...file.env, directives: page }))
    .join('\n');
  const bibliography = formatBibliography(page.citedInOrder().map((key) => report.bibliography.get(key)!));
  return templates.render('page', {
    front: report.front,
    css: templates.css,
    katexCss: await katexCss(body),
    profile: input.profile,
    frozen: input.frozen,
    summary: page.summary(),
    toc: tableOfContents(report, bibliography.length > 0),
    body,
    bibliography,
    provenance: page.provenanceRecords(),
  });
}

/** Draws the directives of one render; remembers citation numbers and artifact states as it goes. */
class PageRenderer implements DirectiveRenderer {
  private readonly citationNumbers = new Map<string, number>();
  private readonly itemStates: ArtifactView['state'][] = [];
  private readonly escape = escapeHtml;
  /** Experiment id -> the figures and tables it computed, in order of first use (the provenance appendix). */
  private readonly usedBy = new Map<string, { anchor: string; label: string }[]>();
  private documentOnce: Document | null = null;
  private get document(): Document {
    return (this.documentOnce ??= this.newDocument());
  }

  constructor(
    private readonly report: ParsedReport,
    private readonly input: RenderInput,
    private readonly templates: Templates,
    private readonly md: ReturnType<typeof createMarkdown>,
    /** Made on first use: a render whose figures all come from the preview's cache needs no jsdom window. */
    private readonly newDocument: () => Document,
  ) {}

  container(name: ContainerName, meta: DirectiveMeta, innerHtml: string): string {
    switch (name) {
      case 'figure':
        return this.figure(meta.args[0], innerHtml);
      case 'table':
        return this.table(meta.args[0], innerHtml);
      case 'experiments':
        return this.experiments(meta.args);
      case 'original':
        return this.templates.render('original', { title: meta.args.join(' '), inner: innerHtml });
    }
  }

  value(meta: ValueMeta): string {
    this.use(meta.experimentId);
    const view = this.artifact(meta.experimentId);
    const source = `${meta.experimentId}:${meta.path}`;
    const read = this.read(meta, { experimentId: meta.experimentId, path: meta.path });
    if (!read.ok) return this.valuePlaceholder(source, read.reason);
    const text = this.escape(typeof read.value === 'number' ? formatCell(read.value, meta.format) : String(read.value));
    if (view.state === 'current') return `<span class="value" title="${this.escape(`${source}, key ${view.currentKey.slice(0, 12)}`)}">${text}</span>`;
    return `<span class="value is-stale" title="${this.escape(`${source}: from a stale run; refresh with make figure`)}">${text}<sup class="stale-mark">stale</sup></span>`;
  }

  /**
   * The chosen text, marked with what it was decided from (the title lists each value read and its
   * artifact's key); a claim that cannot be decided is a visible gap naming the values it lacks.
   */
  claim(meta: ClaimMeta): string {
    const { claim } = meta;
    for (const ref of claim.refs) this.use(ref.experimentId);
    const outcome = evaluateClaim(claim, (ref) => this.read(meta, ref));
    if (outcome.kind === 'error') throw ReportError.at(meta.where, outcome.message);
    if (outcome.kind === 'gap') {
      const why = outcome.gaps.map((g) => `${g.ref}: ${g.reason}`).join('; ');
      return `<span class="value is-missing claim-gap" title="${this.escape(why)}">[missing: ${this.escape(outcome.gaps.map((g) => g.ref).join(', '))}]</span>`;
    }
    const views = [...new Set(claim.refs.map((r) => r.experimentId))].map((id) => this.artifact(id));
    const stale = views.some((v) => v.state !== 'current');
    const reads = outcome.reads.map(({ ref, value }) => {
      const view = this.artifact(ref.experimentId);
      return `${refName(ref)} = ${typeof value === 'number' ? formatCell(value) : value} (${view.state === 'current' ? `key ${view.currentKey.slice(0, 12)}` : 'stale run'})`;
    });
    const title = `claim: ${claim.condition} is ${outcome.value}; read ${reads.join(', ') || 'no values'}`;
    const text = this.md.renderInline(outcome.value ? claim.whenTrue : claim.whenFalse, { file: meta.where.file, problems: [], directives: this });
    const experiments = views.map((v) => v.experimentId).join(' ');
    return `<span class="claim${stale ? ' is-stale' : ''}" title="${this.escape(title)}" data-experiments="${this.escape(experiments)}">${text}${stale ? '<sup class="stale-mark">stale</sup>' : ''}</span>`;
  }

  /**
   * One value from an experiment's results, for values and claims alike. An unknown path in a current
   * artifact is the text's mistake (an error, as in `make check`); a null metric, a stale run without
   * the path, or no artifact give a reason instead, rendered as a visible gap.
   */
  private read(at: { where: ValueMeta['where'] }, ref: ClaimRef): ReadValue {
    const view = this.artifact(ref.experimentId);
    if (!((view.state === 'current' || view.state === 'stale') && view.results)) return { ok: false, reason: this.unavailable(view) };
    const found = lookupMetric(view.results.metrics, ref.path);
    if (!found.found) {
      if (view.state === 'current') throw ReportError.at(at.where, unknownMetric(found.reason, ref.experimentId, view.results.metrics));
      return { ok: false, reason: `${found.reason} in the stale run` };
    }
    if (found.value === null) return { ok: false, reason: `the metric is null in the results of experiment '${ref.experimentId}' (it was not computed)` };
    return { ok: true, value: found.value };
  }

  citation(meta: CitationMeta): string {
    const numbers = meta.keys.map(({ key }) => {
      if (!this.citationNumbers.has(key)) this.citationNumbers.set(key, this.citationNumbers.size + 1);
      return { key, n: this.citationNumbers.get(key)! };
    });
    const link = ({ key, n }: { key: string; n: number }): string => `<a href="#ref-${this.escape(key)}">${n}</a>`;
    // Three or more consecutive numbers read as a range, as in IEEE style: [2]–[4] -> [2–4].
    const sorted = [...numbers].sort((a, b) => a.n - b.n);
    const parts: string[] = [];
    for (let i = 0; i < sorted.length; ) {
      let j = i;
      while (j + 1 < sorted.length && sorted[j + 1].n === sorted[j].n + 1) j++;
      parts.push(j - i >= 2 ? `${link(sorted[i])}–${link(sorted[j])}` : sorted.slice(i, j + 1).map(link).join(', '));
      i = j + 1;
    }
    return `<span class="citation">[${parts.join(', ')}]</span>`;
  }

  crossref(meta: CrossRefMeta): string {
    const target = this.report.labels.get(`${meta.kind}:${meta.label}`)!;
    return `<a class="xref" href="#${this.escape(target.anchor)}">${this.escape(target.text)}</a>`;
  }

  headingNumber(token: Token): string {
    const number = (token.meta as { number?: string | null } | null)?.number;
    return number ? `<span class="secnum">${number}.</span> ` : '';
  }

  citedInOrder(): string[] {
    return [...this.citationNumbers.keys()];
  }

  /** "3 figures and tables: 2 current, 1 stale". */
  summary(): string {
    const counts = new Map<string, number>();
    for (const state of this.itemStates) counts.set(state, (counts.get(state) ?? 0) + 1);
    const parts = (['current', 'stale', 'missing', 'failed'] as const).filter((s) => counts.has(s)).map((s) => `${counts.get(s)} ${s}`);
    return `${this.itemStates.length} figures and tables: ${parts.join(', ') || 'none'}`;
  }

  // ---- items

  private figure(id: string, extra: string): string {
    const entry = this.input.catalog.figures.get(id)!;
    const view = this.artifact(entry.experimentId);
    this.itemStates.push(view.state);
    let svg: string | null = null;
    let narrowSvg: string | null = null;
    let problem: string | null = null;
    if ((view.state === 'current' || view.state === 'stale') && view.results) {
      try {
        const draw = (figureId: string, width: number) =>
          this.input.drawFigure
            ? this.input.drawFigure(figureId, entry.spec, view.results!, width, () => this.document).html
            : drawFigure(figureId, entry.spec, view.results!, width, this.document).html;
        svg = draw(id, FIGURE_WIDTH);
        narrowSvg = draw(`${id}-narrow`, NARROW_FIGURE_WIDTH);
      } catch (error) {
        problem = `the figure code (${entry.file}) failed on these results: ${relativeToRepo((error as Error).message, this.report.root)}`;
      }
    } else {
      problem = this.unavailable(view);
    }
    return this.templates.render('figure', { ...this.item('fig', id, entry, view, extra), svg, narrowSvg, problem });
  }

  private table(id: string, extra: string): string {
    const entry = this.input.catalog.tables.get(id)!;
    const view = this.artifact(entry.experimentId);
    this.itemStates.push(view.state);
    let body: { columns: object[]; rows: object[] } | null = null;
    let problem: string | null = null;
    if ((view.state === 'current' || view.state === 'stale') && view.results) {
      try {
        body = tableBody(entry.spec, entry.spec.rows(view.results));
      } catch (error) {
        problem = `the table code (${entry.file}) failed on these results: ${relativeToRepo((error as Error).message, this.report.root)}`;
      }
    } else {
      problem = this.unavailable(view);
    }
    return this.templates.render('table', { ...this.item('tbl', id, entry, view, extra), body, problem });
  }

  /** What figures and tables share: number, title, caption, where the numbers come from, provenance. */
  private item(prefix: 'fig' | 'tbl', id: string, entry: CatalogEntry<FigureSpec | TableSpec>, view: ArtifactView, extra: string) {
    const manifest = view.manifest;
    let origin = '';
    if (manifest && view.results) {
      const profile = manifest.components.profile;
      const data = Object.keys(dataReadBy(manifest)).sort();
      origin =
        `Computed with the ${profile} profile` +
        (profile === this.input.profile ? '' : ` (this build asked for ${this.input.profile})`) +
        (data.length ? ` from ${data.join(', ')}.` : ' from generated inputs (no data set).');
    }
    const label = this.report.labels.get(`${prefix}:${id}`)!.text;
    this.use(entry.experimentId).push({ anchor: `${prefix}:${id}`, label });
    return {
      anchor: `${prefix}:${id}`,
      label,
      title: entry.spec.title,
      caption: this.md.renderInline(entry.spec.caption, { file: entry.file, problems: [], directives: this }),
      extra,
      origin,
      stale: view.state === 'stale',
      state: view.state,
      provenance: this.provenance(view, id),
    };
  }

  private provenance(view: ArtifactView, id: string) {
    const note = provenanceView(view, id, this.input.catalog);
    return { ...note, notes: note.notes.map((n) => relativeToRepo(n, this.report.root)) };
  }

  /** The items of an experiment, registering it for the provenance appendix on first use. */
  private use(experimentId: string): { anchor: string; label: string }[] {
    if (!this.usedBy.has(experimentId)) this.usedBy.set(experimentId, []);
    return this.usedBy.get(experimentId)!;
  }

  /** Each experiment the page draws on, once, with its full provenance (the appendix). */
  provenanceRecords(): object[] {
    return [...this.usedBy].map(([id, usedBy]) => {
      const view = this.artifact(id);
      const item = usedBy[0]?.anchor.replace(/^(fig|tbl):/, '') ?? id;
      return { ...this.provenance(view, item), sourcePath: view.sourceFile, usedBy };
    });
  }

  private experiments(ids: string[]): string {
    const experiments = ids.map((id) => {
      this.use(id);
      const entry = this.input.catalog.experiments.get(id)!;
      const view = this.artifact(id);
      return { id, title: entry.title, summary: entry.summary, href: `#provenance-${id}`, sourceHref: REPO_FROM_OUTPUT + entry.sourceFile, state: view.state };
    });
    return this.templates.render('experiments', { experiments });
  }

  // ---- artifacts

  private artifact(experimentId: string): ArtifactView {
    const known = this.input.artifacts.get(experimentId);
    if (known) return known;
    const entry = this.input.catalog.experiments.get(experimentId)!;
    return { experimentId, experimentTitle: entry.title, sourceFile: entry.sourceFile, currentKey: '', state: 'missing' };
  }

  /** Why an artifact gives no results, in words for the placeholder. */
  private unavailable(view: ArtifactView): string {
    if (view.state === 'failed') {
      return `the last run of experiment ${view.experimentId} failed: ${relativeToRepo(view.manifest?.error?.message ?? 'no error message was recorded', this.report.root)}`;
    }
    if (view.state === 'stale') return `the stale artifact of experiment ${view.experimentId} holds no results`;
    return (
      `no artifact of experiment ${view.experimentId} matches the current sources for the ${this.input.profile} profile` +
      (this.input.frozen ? ', and this build was frozen, so nothing was computed' : '')
    );
  }

  private valuePlaceholder(source: string, why: string): string {
    return `<span class="value is-missing" title="${this.escape(why)}">[missing: ${this.escape(source)}]</span>`;
  }
}

function tableBody(spec: TableSpec, rows: ReturnType<TableSpec['rows']>) {
  const align = (key: string, given?: 'left' | 'right'): string =>
    given ?? (rows.length > 0 && rows.every((r) => typeof r[key] === 'number' || r[key] === null) ? 'right' : 'left');
  const columns = spec.columns.map((c) => ({ label: c.label, align: align(c.key, c.align) }));
  return {
    columns,
    rows: rows.map((row) => ({
      cells: spec.columns.map((c, i) => ({ text: formatCell(row[c.key], c.format), align: columns[i].align })),
    })),
  };
}

function tableOfContents(report: ParsedReport, hasBibliography: boolean) {
  const sections: { anchor: string; number: string | null; text: string; children: object[] }[] = [];
  for (const h of report.headings) {
    if (h.level === 1 || sections.length === 0) sections.push({ anchor: h.anchor, number: h.number, text: h.text, children: [] });
    else if (h.level === 2) sections.at(-1)!.children.push({ anchor: h.anchor, number: h.number, text: h.text });
  }
  if (hasBibliography) sections.push({ anchor: 'references', number: null, text: 'References', children: [] });
  return sections;
}
