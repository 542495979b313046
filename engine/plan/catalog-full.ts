/**
 * The Catalog of contract.ts with the figure and table specs themselves, for rendering: this imports
 * every figures.ts into the build process (planning never does; it works from the catalog index).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Catalog, CatalogEntry, FigureSpec, FiguresModule, TableSpec } from '../contract.ts';
import type { CatalogIndex } from './catalog.ts';

/** How a figures module is loaded: a plain import, or (the preview) one that loads an edited file afresh. */
export type ImportFigures = (absolutePath: string) => Promise<FiguresModule>;

const importOnce: ImportFigures = async (file) => (await import(pathToFileURL(file).href)) as FiguresModule;

export async function loadCatalog(root: string, index: CatalogIndex, importFigures: ImportFigures = importOnce): Promise<Catalog> {
  if (index.errors.length > 0) throw new Error(index.errors.join('\n'));
  const catalog: Catalog = { figures: new Map(), tables: new Map(), experiments: new Map() };
  for (const [id, entry] of index.experiments) {
    const facts = entry.facts.ok ? entry.facts.value : null;
    catalog.experiments.set(id, {
      title: facts?.title ?? id,
      summary: facts?.summary ?? '',
      sourceFile: entry.sourceFile,
      datasets: (facts?.datasets ?? []).map(({ id, source }) => ({ id, source })),
    });
  }
  for (const file of index.figuresGraphs.keys()) {
    const module = await importFigures(join(root, file));
    const experimentId = file.split('/')[1]!;
    for (const [id, spec] of Object.entries(module.figures ?? {})) {
      catalog.figures.set(id, { id, experimentId, file, spec } satisfies CatalogEntry<FigureSpec>);
    }
    for (const [id, spec] of Object.entries(module.tables ?? {})) {
      catalog.tables.set(id, { id, experimentId, file, spec } satisfies CatalogEntry<TableSpec>);
    }
  }
  return catalog;
}
