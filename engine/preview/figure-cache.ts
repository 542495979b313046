/**
 * The preview's figure cache: a drawn figure's SVG kept under (figure id, width, the artifact its results
 * came from, the fingerprint of its figures.ts), so a re-render after an edit of the text draws only the
 * figures whose results or code changed. Drawing in jsdom is most of a render's time; the SVG depends on
 * nothing else (plot-svg.ts renames Plot's counters, so a reused SVG is byte-identical to a redrawn one).
 */
import type { ArtifactView, Results } from '../contract.ts';
import type { RenderInput } from '../render/render.ts';
import { canonicalJson, sha256 } from '../files/hash.ts';
import { drawFigure, type DrawnFigure } from '../render/plot-svg.ts';

/** What the results of a view were read from: its artifact folder and manifest, and each cell's. */
export function artifactIdentity(view: ArtifactView): string {
  const manifest = (m: ArtifactView['manifest']) => (m ? sha256(canonicalJson(m)) : null);
  return sha256(
    canonicalJson({
      dir: view.artifactDir ?? null,
      manifest: manifest(view.manifest),
      cells: (view.cells ?? []).map((c) => [c.artifactDir ?? null, manifest(c.manifest)]),
    }),
  );
}

export class FigureCache {
  /** SVGs of the last complete render. */
  private kept = new Map<string, DrawnFigure>();
  /** SVGs the render in progress used. */
  private used = new Map<string, DrawnFigure>();
  private readonly artifacts = new WeakMap<Results, string>();
  drawn = 0;
  reused = 0;

  /** `figuresHash(figureId)`: the fingerprint of the figures.ts that defines the figure (its import graph). */
  constructor(private readonly figuresHash: (figureId: string) => string | undefined) {}

  /** Remembers which artifact each view's results were read from. */
  noteViews(views: Map<string, ArtifactView>): void {
    for (const view of views.values()) if (view.results) this.artifacts.set(view.results, artifactIdentity(view));
  }

  /** A render starts: counts from zero. */
  begin(): void {
    this.used = new Map();
    this.drawn = this.reused = 0;
  }

  /** The render completed: keep what it used and forget the rest (a failed render forgets nothing). */
  end(): void {
    this.kept = this.used;
  }

  /** drawFigure, answered from the cache when nothing it depends on changed. */
  readonly draw: NonNullable<RenderInput['drawFigure']> = (id, spec, results, width, document) => {
    const artifact = this.artifacts.get(results);
    const code = this.figuresHash(id);
    if (artifact === undefined || code === undefined) {
      this.drawn++;
      return drawFigure(id, spec, results, width, document());
    }
    const key = canonicalJson([id, width, artifact, code]);
    let figure = this.used.get(key) ?? this.kept.get(key);
    if (figure) this.reused++;
    else {
      figure = drawFigure(id, spec, results, width, document());
      this.drawn++;
    }
    this.used.set(key, figure);
    return figure;
  };
}
