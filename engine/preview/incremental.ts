/**
 * The preview's render, kept warm between edits: each stage (catalog index and figures modules, parsed
 * report, plan and artifact views, drawn figures) is redone only when a change reaches it. A one-word
 * edit of a section re-parses the text and re-renders the page from the views and SVGs it already has:
 * no planning, no drawing. It is always FROZEN: nothing is ever run, stale and missing results are
 * shown as such, with the command that refreshes them.
 */
import { pathToFileURL } from 'node:url';
import type { ArtifactView, Catalog, FiguresModule, Profile } from '../contract.ts';
import type { BackendName } from '../contract.ts';
import type { BackendRequest } from '../plan/backend.ts';
import { loadCatalogIndex } from '../plan/catalog.ts';
import { loadCatalog } from '../plan/catalog-full.ts';
import { neededExperiments } from '../plan/needs.ts';
import { openSession, planInSession, type Session } from '../commands/session.ts';
import { repoPath } from '../commands/project.ts';
import { artifactViews } from '../report/views.ts';
import { checkNeeds, readReport, renderReport, type ParsedReport } from '../render/index.ts';
import { forgetTemplates } from '../render/templates.ts';
import { allChanged, isEmpty, mergeChanges, noChanges, type Changes } from './changes.ts';
import { FigureCache } from './figure-cache.ts';
import { problemsOf, type Problem } from './problems.ts';

export interface PreviewSettings {
  root: string;
  profile: Profile;
  backend: BackendRequest;
  availableBackends?: BackendName[];
}

export interface RenderStats {
  ms: number;
  /** Whether experiments were planned (and their views loaded) again. */
  planned: boolean;
  /** Figures drawn and figures whose SVG was reused. */
  drawn: number;
  reused: number;
}

export type Outcome = ({ ok: true; html: string } | { ok: false; problems: Problem[] }) & { stats: RenderStats };

export class IncrementalRender {
  private session: Session | null = null;
  private catalog: Catalog | null = null;
  private parsed: ParsedReport | null = null;
  private views = new Map<string, ArtifactView>();
  private plannedFor: string | null = null;
  /** Changes not yet rendered successfully: a failed render retries them all next time. */
  private pending: Changes = allChanged();
  private readonly figures: FigureCache;

  constructor(private readonly settings: PreviewSettings) {
    this.figures = new FigureCache((id) => {
      const file = this.catalog?.figures.get(id)?.file;
      return file ? this.session?.index.figuresGraphs.get(file)?.hash : undefined;
    });
  }

  /** Render after `changes` (the first call renders everything). */
  async render(changes: Changes = noChanges()): Promise<Outcome> {
    mergeChanges(this.pending, changes);
    const started = performance.now();
    const stats: RenderStats = { ms: 0, planned: false, drawn: 0, reused: 0 };
    try {
      const html = await this.renderPending(stats);
      this.pending = noChanges();
      return { ok: true, html, stats: { ...stats, ms: performance.now() - started } };
    } catch (error) {
      return { ok: false, problems: problemsOf(error, this.settings.root), stats: { ...stats, ms: performance.now() - started } };
    }
  }

  /** Whether anything is waiting to be rendered (a render failed since the last change). */
  get dirty(): boolean {
    return !isEmpty(this.pending);
  }

  private async renderPending(stats: RenderStats): Promise<string> {
    const { root, profile } = this.settings;
    const changes = this.pending;
    if (changes.templates) forgetTemplates();
    let indexChanged = false;
    if (!this.session) {
      this.session = await openSession(root, this.settings.backend, this.settings.availableBackends);
      indexChanged = true;
    } else if (changes.figures.size > 0) {
      // New or renamed figure ids: the index knows which experiment each belongs to.
      this.session.index = await loadCatalogIndex(root, this.session.fingerprints);
      indexChanged = true;
    }
    const session = this.session;
    if (session.index.errors.length > 0) throw new Error(session.index.errors.join('\n'));
    if (indexChanged || !this.catalog) this.catalog = await loadCatalog(root, session.index, (file) => this.importFigures(file));
    if (changes.report || !this.parsed) this.parsed = await readReport(root);
    const parsed = this.parsed;
    checkNeeds(parsed, this.catalog);
    const needed = neededExperiments(parsed.needs, session.index);
    if (needed.problems.length > 0) throw new Error(needed.problems.join('\n'));
    const wanted = [...needed.experiments].sort().join('\n');
    if (indexChanged || changes.artifacts.size > 0 || wanted !== this.plannedFor) {
      const plan = await planInSession(session, needed.experiments, profile);
      this.views = await artifactViews(root, plan, profile, session.fingerprints, () => {});
      this.figures.noteViews(this.views);
      this.plannedFor = wanted;
      stats.planned = true;
    }
    this.figures.begin();
    const html = await renderReport(parsed, { catalog: this.catalog, artifacts: this.views, profile, frozen: true, drawFigure: this.figures.draw });
    this.figures.end();
    stats.drawn = this.figures.drawn;
    stats.reused = this.figures.reused;
    session.fingerprints.save();
    return html;
  }

  /**
   * A figures module under its fingerprint: an edited figures.ts has a new one, so it is imported afresh
   * (ES modules are cached by URL); modules it imports are not reloaded.
   */
  private async importFigures(file: string): Promise<FiguresModule> {
    const hash = this.session!.index.figuresGraphs.get(repoPath(this.settings.root, file))?.hash ?? '';
    return (await import(`${pathToFileURL(file).href}?v=${hash.slice(0, 16)}`)) as FiguresModule;
  }
}
