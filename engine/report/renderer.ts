/**
 * The engine's view of the renderer (engine/render/index.ts): loaded on demand, because parsing pulls
 * in markdown-it and citation-js and rendering pulls in jsdom and Observable Plot; commands that do not
 * render (explain, list, run) never load it, and a build whose render is cached only parses.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export type RendererModule = typeof import('../render/index.ts');
export type { Need, ParsedReport, SourcePos } from '../render/index.ts';

/** The renderer's entry module: in the engine's own tree (fixture projects render with the same code). */
export const RENDERER_ENTRY = join(import.meta.dirname, '..', 'render', 'index.ts');

export async function loadRenderer(): Promise<RendererModule> {
  return (await import(pathToFileURL(RENDERER_ENTRY).href)) as RendererModule;
}
