/**
 * The engine's view of the renderer (engine/render/index.ts): loaded on demand, because parsing pulls
 * in markdown-it and rendering pulls in jsdom, which a build that changes nothing should not pay for
 * beyond what it uses.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ArtifactView, Catalog, Profile } from './contract.ts';

export interface SourcePos {
  file: string;
  line: number;
  column: number;
}

export type Need =
  | { kind: 'figure' | 'table'; id: string; where: SourcePos }
  | { kind: 'value'; experimentId: string; path: string; where: SourcePos }
  | { kind: 'experiment'; id: string; where: SourcePos };

export interface ParsedReportLike {
  needs: Need[];
}

export interface RendererModule {
  readReport(root: string): Promise<ParsedReportLike>;
  checkNeeds(report: ParsedReportLike, catalog: Catalog): void;
  renderReport(
    report: ParsedReportLike,
    options: { catalog: Catalog; artifacts: Map<string, ArtifactView>; profile: Profile; frozen: boolean },
  ): Promise<string>;
  printPdf(htmlPath: string, pdfPath: string): Promise<void>;
}

/** The renderer's entry module: in the engine's own tree (fixture projects render with the same code). */
export const RENDERER_ENTRY = join(import.meta.dirname, 'render', 'index.ts');

export async function loadRenderer(): Promise<RendererModule> {
  if (!existsSync(RENDERER_ENTRY)) throw new Error(`${RENDERER_ENTRY} is missing: the renderer is not installed in this tree`);
  return (await import(pathToFileURL(RENDERER_ENTRY).href)) as RendererModule;
}

export const formatPos = (p: SourcePos): string => `${p.file}:${p.line}:${p.column}`;
