/**
 * Fingerprints of what the report's text and the renderer are made of, and the report's needs cached
 * under them. Parsing the report loads markdown-it, KaTeX and citation-js (most of a second); a build
 * whose report sources and renderer code are unchanged reuses the needs it parsed last time, so a build
 * that changes nothing loads no renderer code at all.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FingerprintCache } from '../files/fingerprints.ts';
import { importGraphs } from '../files/graph.ts';
import { canonicalJson, sha256 } from '../files/hash.ts';
import { writeFileAtomic } from '../files/fsx.ts';
import { projectPaths, repoPath, REPO_ROOT } from '../commands/project.ts';
import { RENDERER_ENTRY, type Need, type ParsedReport } from './renderer.ts';

export interface ReportInputs {
  /** Fingerprint of the renderer's import graph (code and packages). */
  renderer: string;
  /** Repository-relative path -> sha256, for every file under report/. */
  report: Record<string, string>;
  /** Path -> sha256 for the renderer's templates (they live beside its code, in this repository). */
  templates: Record<string, string>;
}

async function folderFingerprint(dir: string, base: string, fingerprints: FingerprintCache): Promise<Record<string, string>> {
  if (!existsSync(dir)) return {};
  const files = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name))
    .sort();
  const out: Record<string, string> = {};
  for (const file of files) out[repoPath(base, file)] = await fingerprints.hash(file, 'bytes');
  return out;
}

export async function reportInputs(root: string, fingerprints: FingerprintCache): Promise<ReportInputs> {
  const renderer = (await importGraphs(REPO_ROOT, [RENDERER_ENTRY])).get(RENDERER_ENTRY)!;
  const files: Record<string, string> = {};
  for (const file of renderer.files) files[file] = await fingerprints.hash(join(REPO_ROOT, file), 'source');
  return {
    renderer: sha256(canonicalJson({ files, packages: renderer.packages })),
    report: await folderFingerprint(projectPaths(root).report, projectPaths(root).root, fingerprints),
    templates: await folderFingerprint(join(REPO_ROOT, 'templates'), REPO_ROOT, fingerprints),
  };
}

/** The report, parsed on first use. */
export interface ReportSource {
  needs: Need[];
  parsed(): Promise<ParsedReport>;
}

export async function reportSource(root: string, inputs: ReportInputs): Promise<ReportSource> {
  const cacheFile = join(projectPaths(root).cache, 'needs.json');
  const key = sha256(canonicalJson({ renderer: inputs.renderer, report: inputs.report }));
  let parsed: ParsedReport | null = null;
  const parse = async (): Promise<ParsedReport> => {
    if (!parsed) {
      const { readReport } = await import('../render/read.ts');
      parsed = await readReport(projectPaths(root).root);
    }
    return parsed;
  };
  try {
    const stored = JSON.parse(readFileSync(cacheFile, 'utf8')) as { key: string; needs: Need[] };
    if (stored.key === key) return { needs: stored.needs, parsed: parse };
  } catch {
    // not parsed before
  }
  const report = await parse();
  writeFileAtomic(cacheFile, JSON.stringify({ key, needs: report.needs }));
  return { needs: report.needs, parsed: parse };
}
