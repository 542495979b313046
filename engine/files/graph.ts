/**
 * The import graph of an entry module: every project file it reaches through static imports, and every
 * package those files import directly. esbuild bundles the entries (writing nothing) and its metafile
 * lists each input with its imports; packages stay external, so their own dependencies are not walked.
 *
 * Files a module loads at run time by a literal URL relative to itself, `new URL('./x', import.meta.url)`
 * (a WebAssembly binary, a worker thread's script), belong to the graph too: they are found in the source of
 * every file reached, and themselves searched the same way.
 *
 * What the graph cannot see, by construction: dynamic `import()` of a computed specifier, and other files read
 * at run time with `fs` (data sets are declared and fingerprinted separately).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Metafile } from 'esbuild';

export interface ImportGraph {
  /** Repository-relative paths (forward slashes) of the project files reached, sorted. */
  files: string[];
  /** Package name -> installed version, for packages imported by those files. */
  packages: Record<string, string>;
}

/** Build the import graph of each entry (absolute paths) in one esbuild pass. */
export async function importGraphs(root: string, entries: readonly string[]): Promise<Map<string, ImportGraph>> {
  const graphs = new Map<string, ImportGraph>();
  if (entries.length === 0) return graphs;
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [...entries],
    absWorkingDir: root,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outdir: join(root, '.cache', 'graph-out'),
    logLevel: 'silent',
  });
  const inputs = result.metafile.inputs;
  for (const entry of entries) graphs.set(entry, walk(root, inputs, toMetaPath(root, entry)));
  return graphs;
}

/** Union of graphs (an experiment's own and the backend module the worker also loads). */
export function mergeGraphs(a: ImportGraph, b: ImportGraph): ImportGraph {
  return { files: [...new Set([...a.files, ...b.files])].sort(), packages: { ...a.packages, ...b.packages } };
}

function toMetaPath(root: string, absolute: string): string {
  return resolve(absolute).slice(resolve(root).length + 1).split('\\').join('/');
}

function walk(root: string, inputs: Metafile['inputs'], start: string): ImportGraph {
  if (!inputs[start]) throw new Error(`esbuild metafile has no input ${start}`);
  const seen = new Set<string>([start]);
  const queue = [start];
  const packages: Record<string, string> = {};
  while (queue.length > 0) {
    const file = queue.pop()!;
    for (const imported of inputs[file]?.imports ?? []) {
      if (imported.external) {
        const name = packageName(imported.original ?? imported.path);
        if (name && !(name in packages)) packages[name] = packageVersion(name, dirname(join(root, file)));
      } else if (!seen.has(imported.path)) {
        seen.add(imported.path);
        queue.push(imported.path);
      }
    }
  }
  for (const asset of urlAssets(root, [...seen])) seen.add(asset);
  return { files: [...seen].sort(), packages: sortRecord(packages) };
}

const URL_ASSET = /new URL\(\s*(['"`])(\.{1,2}\/[^'"`$]+)\1\s*,\s*import\.meta\.url\s*\)/g;
const SCRIPT = /\.(?:[cm]?[jt]s|tsx|jsx)$/;

/** The files that `files` (and, in turn, those files) load through `new URL('<relative path>', import.meta.url)`. */
export function urlAssets(root: string, files: readonly string[]): string[] {
  const found = new Set<string>();
  const queue = files.filter((f) => SCRIPT.test(f));
  while (queue.length > 0) {
    const file = queue.pop()!;
    const source = readFileSync(join(root, file), 'utf8');
    for (const match of source.matchAll(URL_ASSET)) {
      const asset = relative(root, resolve(root, dirname(file), match[2]!)).split(sep).join('/');
      if (found.has(asset) || asset.startsWith('..') || !existsSync(join(root, asset)) || !statSync(join(root, asset)).isFile()) continue;
      found.add(asset);
      if (SCRIPT.test(asset)) queue.push(asset);
    }
  }
  return [...found];
}

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`; builtins and relative paths -> null. */
export function packageName(specifier: string): string | null {
  if (specifier.startsWith('.') || specifier.startsWith('/') || isBuiltin(specifier)) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** The version in the package.json Node would resolve `name` to from `fromDir` (nearest node_modules). */
export function packageVersion(name: string, fromDir: string): string {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const manifest = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(manifest)) return (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string }).version ?? 'unknown';
    if (dirname(dir) === dir) return 'not installed';
  }
}

function sortRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
