/**
 * Skipping a render whose inputs have not changed. The renderer promises byte-identical output for
 * identical inputs, so when the fingerprint of every input (report sources, templates, the renderer's
 * and every figures.ts import graph, the artifact each experiment is shown from and its state, profile,
 * frozen flag) matches the one recorded beside build/report.html, and that file is still the one
 * written, the file is left as it is.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ArtifactView, Profile } from '../contract.ts';
import type { CatalogIndex } from '../plan/catalog.ts';
import type { FingerprintCache } from '../files/fingerprints.ts';
import { canonicalJson, sha256 } from '../files/hash.ts';
import { writeFileAtomic } from '../files/fsx.ts';
import { projectPaths } from '../commands/project.ts';
import type { ReportInputs } from './inputs.ts';

export interface RenderInputs {
  profile: Profile;
  frozen: boolean;
  views: Map<string, ArtifactView>;
}

export function renderKey(index: CatalogIndex, report: ReportInputs, inputs: RenderInputs): string {
  const views = Object.fromEntries(
    [...inputs.views.entries()].map(([id, v]) => [
      id,
      {
        state: v.state,
        currentKey: v.currentKey,
        artifactDir: v.artifactDir ?? null,
        manifest: v.manifest ? sha256(canonicalJson(v.manifest)) : null,
        notes: v.notes ?? [],
      },
    ]),
  );
  return sha256(
    canonicalJson({
      report,
      figures: Object.fromEntries([...index.figuresGraphs.entries()].map(([file, graph]) => [file, graph.hash])),
      experiments: Object.fromEntries([...index.experiments.entries()].map(([id, e]) => [id, e.facts.ok ? { title: e.facts.value.title, summary: e.facts.value.summary } : null])),
      profile: inputs.profile,
      frozen: inputs.frozen,
      views,
    }),
  );
}

interface Recorded {
  key: string;
  html: string;
}

function recordFile(root: string): string {
  return join(projectPaths(root).cache, 'render.json');
}

/** Whether `htmlPath` is the output already rendered from inputs with this key. */
export async function renderIsCurrent(root: string, htmlPath: string, key: string, fingerprints: FingerprintCache): Promise<boolean> {
  try {
    const recorded = JSON.parse(readFileSync(recordFile(root), 'utf8')) as Recorded;
    return recorded.key === key && existsSync(htmlPath) && (await fingerprints.hash(htmlPath, 'bytes')) === recorded.html;
  } catch {
    return false;
  }
}

export function recordRender(root: string, key: string, html: string): void {
  writeFileAtomic(recordFile(root), JSON.stringify({ key, html: sha256(html) } satisfies Recorded));
}
