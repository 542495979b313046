/**
 * Skipping a render whose inputs have not changed. The renderer promises byte-identical output for
 * identical inputs, so when the fingerprint of every input (report sources, templates, the renderer's
 * and every figures.ts import graph, the artifact each experiment is shown from and its state, profile,
 * frozen flag) matches the one recorded beside build/report.html, and that file is still the one
 * written, the file is left as it is.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ArtifactView, Profile } from './contract.ts';
import type { CatalogIndex } from './catalog.ts';
import type { FingerprintCache } from './fingerprints.ts';
import { importGraphs } from './graph.ts';
import { canonicalJson, sha256 } from './hash.ts';
import { writeFileAtomic } from './fsx.ts';
import { projectPaths, repoPath, REPO_ROOT } from './project.ts';
import { RENDERER_ENTRY } from './renderer.ts';

export interface RenderInputs {
  profile: Profile;
  frozen: boolean;
  views: Map<string, ArtifactView>;
}

async function folderFingerprint(dir: string, root: string, fingerprints: FingerprintCache): Promise<Record<string, string>> {
  if (!existsSync(dir)) return {};
  const files = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name))
    .sort();
  const out: Record<string, string> = {};
  for (const file of files) out[repoPath(root, file)] = await fingerprints.hash(file, 'bytes');
  return out;
}

export async function renderKey(root: string, index: CatalogIndex, inputs: RenderInputs, fingerprints: FingerprintCache): Promise<string> {
  const paths = projectPaths(root);
  const renderer = (await importGraphs(REPO_ROOT, [RENDERER_ENTRY])).get(RENDERER_ENTRY)!;
  const rendererFiles: Record<string, string> = {};
  for (const file of renderer.files) rendererFiles[file] = await fingerprints.hash(join(REPO_ROOT, file), 'source');
  const views = Object.fromEntries(
    [...inputs.views.entries()].map(([id, v]) => [
      id,
      { state: v.state, currentKey: v.currentKey, artifactDir: v.artifactDir ?? null, manifest: v.manifest ? sha256(canonicalJson(v.manifest)) : null },
    ]),
  );
  return sha256(
    canonicalJson({
      renderer: { files: rendererFiles, packages: renderer.packages },
      figures: Object.fromEntries([...index.figuresGraphs.entries()].map(([file, graph]) => [file, graph.hash])),
      experiments: Object.fromEntries([...index.experiments.entries()].map(([id, e]) => [id, e.facts.ok ? { title: e.facts.value.title, summary: e.facts.value.summary } : null])),
      report: await folderFingerprint(paths.report, paths.root, fingerprints),
      templates: await folderFingerprint(paths.templates, paths.root, fingerprints),
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
