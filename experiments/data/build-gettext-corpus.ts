/**
 * Builds the local translation corpus (gettext-corpus.ts describes the recipe):
 *   node --import tsx experiments/data/build-gettext-corpus.ts [--out data/gettext]   (or `make data`)
 * 1. downloads each pinned .deb that data/gettext/debs/ lacks with `apt-get download PKG=VERSION`
 *    (no installation; needs Debian's archive), and verifies every .deb's sha256 against
 *    experiments/data/gettext-corpus-debs.sha256, failing with the package's name;
 * 2. extracts the `*.mo` files of each package (`dpkg-deb --fsys-tarfile | tar -x`) into a temporary
 *    folder, parses and cleans them and writes the corpus files to data/gettext/corpus/: first into a
 *    temporary folder beside it, renamed into place only when complete, so an interrupted build never
 *    leaves a partial corpus. Prints the yields and the fingerprint.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDebPins, verifyDeb, type DebPin } from './deb-pins.ts';
import { parseMo } from './mo-file.ts';
import { buildGettextCorpus, catalogLanguage, corpusFiles, GETTEXT_DIR, type CatalogFile } from './gettext-corpus.ts';

const PIN_LIST = fileURLToPath(new URL('./gettext-corpus-debs.sha256', import.meta.url));

function ensureDebs(pins: readonly DebPin[], debsDir: string): void {
  mkdirSync(debsDir, { recursive: true });
  const missing = pins.filter((p) => !existsSync(join(debsDir, p.file)));
  if (missing.length > 0) {
    console.log(`downloading ${missing.length} of ${pins.length} packages into ${debsDir}`);
    for (const p of missing) {
      try {
        execFileSync('apt-get', ['download', `${p.pkg}=${p.version}`], { cwd: debsDir, stdio: ['ignore', 'ignore', 'pipe'] });
      } catch (e) {
        const stderr = String((e as { stderr?: Buffer }).stderr ?? '').trim();
        throw new Error(`apt-get download ${p.pkg}=${p.version} failed (${stderr || (e as Error).message}); the pinned version may have left the archive`);
      }
    }
  }
  for (const p of pins) {
    const path = join(debsDir, p.file);
    verifyDeb(p, existsSync(path) ? readFileSync(path) : undefined);
  }
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

function extractCatalogs(pins: readonly DebPin[], debsDir: string, tmp: string): CatalogFile[] {
  const files: CatalogFile[] = [];
  for (const p of pins) {
    const dest = join(tmp, p.file);
    mkdirSync(dest, { recursive: true });
    const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
    // tar exits non-zero when the wildcard matches nothing: a package without catalogs is an error here
    execFileSync('sh', ['-c', `dpkg-deb --fsys-tarfile ${q(join(debsDir, p.file))} | tar -x -C ${q(dest)} --wildcards '*/LC_MESSAGES/*.mo'`]);
    for (const abs of walk(dest)) {
      const path = relative(dest, abs);
      const lang = catalogLanguage(path);
      if (lang) files.push({ deb: p.file, path, lang, catalog: parseMo(readFileSync(abs), `${p.file}:${path}`) });
    }
  }
  return files;
}

/** Write `files` into `dir` atomically: a temporary sibling folder renamed over the old one. */
function writeDirAtomic(dir: string, files: Map<string, string>): void {
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  for (const [name, text] of files) writeFileSync(join(tmp, name), text);
  const old = `${dir}.old-${process.pid}`;
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(tmp, dir);
  rmSync(old, { recursive: true, force: true });
}

export function buildCorpusDir(root: string): { manifest: Record<string, unknown>; seconds: number } {
  const t0 = performance.now();
  const pins = parseDebPins(readFileSync(PIN_LIST, 'utf8'), PIN_LIST);
  const debsDir = join(root, 'debs');
  ensureDebs(pins, debsDir);
  mkdirSync(root, { recursive: true });
  const tmp = mkdtempSync(join(root, 'extract-'));
  try {
    const catalogs = extractCatalogs(pins, debsDir, tmp);
    const corpus = buildGettextCorpus(catalogs);
    const files = corpusFiles(corpus, pins.map((p) => ({ file: p.file, sha256: p.sha256 })));
    writeDirAtomic(join(root, 'corpus'), files);
    return { manifest: JSON.parse(files.get('manifest.json')!), seconds: (performance.now() - t0) / 1000 };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf('--out');
  const root = i > 0 ? process.argv[i + 1] : GETTEXT_DIR;
  try {
    const { manifest, seconds } = buildCorpusDir(root);
    const yields = manifest.yields as Record<string, Record<string, number>>;
    for (const [name, y] of Object.entries(yields)) {
      console.log(`${name.padEnd(8)} ${String(y.all).padStart(7)} pairs (train ${y.train}, valid ${y.valid}, test ${y.test})`);
    }
    console.log(`fingerprint ${manifest.fingerprint}; ${seconds.toFixed(1)} s; written to ${join(root, 'corpus')}`);
  } catch (e) {
    console.error(`build-gettext-corpus: ${(e as Error).message}`);
    process.exit(1);
  }
}
