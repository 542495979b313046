/**
 * `make preview` end to end, in the system Chromium: on a copy of the report, an edit of a section shows
 * in the open page without a manual reload (patched in place, scroll position kept, nothing re-planned,
 * no figure redrawn), and a change of the page's styles reloads it; an unknown figure id shows the overlay at its file:line:col with the suggestion, and fixing
 * it removes the overlay over the same page; a figure whose artifact goes shows the command that
 * refreshes it, and the artifact landing again brings the figure back. The preview's script is in the
 * served page only: `make report` of the same files writes the same page without it.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, symlinkSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM } from '../../engine/render/pdf.ts';
import { CLIENT_MARKER } from '../../engine/preview/client.ts';
import { runCli } from '../engine/fixture.ts';
import { copyProject, type ProjectCopy } from './project-copy.ts';
import { seedFacts, startPreview, type RunningPreview } from './start-preview.ts';

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.log(`preview browser test not run: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);

/** The first `::: figure <id>` of the numbered sections, with its file and line, and its experiment. */
function firstFigure(copy: ProjectCopy): { file: string; line: number; id: string; experiment: string } {
  for (const name of readdirSync(join(copy.root, 'report')).filter((n) => /^\d{2}-.*\.md$/.test(n)).sort()) {
    const lines = copy.read(`report/${name}`).split('\n');
    const line = lines.findIndex((l) => /^::: figure \S+/.test(l));
    if (line < 0) continue;
    const id = lines[line]!.split(/\s+/)[2]!;
    const experiment = readdirSync(join(copy.root, 'experiments')).find((e) => {
      const figures = join(copy.root, 'experiments', e, 'figures.ts');
      return existsSync(figures) && readFileSync(figures, 'utf8').includes(`'${id}'`);
    });
    if (experiment) return { file: `report/${name}`, line: line + 1, id, experiment };
  }
  throw new Error('the report places no figure');
}

/** A raw GET (the path sent as written, not normalised by a URL parser). */
function get(port: number, path: string, host = `127.0.0.1:${port}`): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.runIf(hasChromium)('make preview in a browser', () => {
  let copy: ProjectCopy;
  let preview: RunningPreview;
  let browser: Browser;
  let page: Page;
  let loads = 0;

  beforeAll(async () => {
    copy = copyProject();
    seedFacts(copy.root);
    const { chromium } = await import('playwright-core');
    [preview, browser] = await Promise.all([
      startPreview(copy.root),
      chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] }),
    ]);
    page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
    page.on('load', () => loads++);
    await preview.waitFor(/first render: rendered/);
    await page.goto(preview.url);
    await page.waitForSelector('main h2');
  });

  afterAll(async () => {
    await browser?.close();
    if (preview) expect(await preview.stop()).toBe(0);
    copy?.remove();
  });

  it('updates the open page on a section edit, in place, keeping the scroll position, without re-planning or redrawing', async () => {
    const figure = firstFigure(copy);
    const text = copy.read(figure.file);
    const word = /\b[A-Za-z]{5,}\b/.exec(text.split('\n').find((l) => /^[A-Za-z]/.test(l))!)![0];
    await page.evaluate(() => scrollTo(0, 900));
    const scrolled = await page.evaluate(() => scrollY);
    const before = loads;
    const mark = preview.output().length;
    copy.write(figure.file, text.replace(word, 'Quetzalcoatl'));
    await page.waitForFunction(() => document.querySelector('main')!.textContent!.includes('Quetzalcoatl'), null, { timeout: 10_000 });
    expect(loads).toBe(before);
    expect(Math.abs((await page.evaluate(() => scrollY)) - scrolled)).toBeLessThan(2);
    const line = (await preview.waitFor(/.*rendered in \d+ ms \((.*)\)/, mark))[0];
    expect(line).toContain(figure.file);
    expect(line).toMatch(/plan reused; figures: 0 drawn, [1-9]\d* reused/);
  });

  it('reloads the page when its styles change (math that needs another font), keeping the scroll position', async () => {
    const figure = firstFigure(copy);
    const text = copy.read(figure.file);
    await page.evaluate(() => scrollTo(0, 600));
    const scrolled = await page.evaluate(() => scrollY);
    const before = loads;
    copy.write(figure.file, `${text}\nA Fraktur letter: $\\mathfrak{A}$.\n`);
    await page.waitForFunction(() => document.querySelector('main')!.textContent!.includes('A Fraktur letter'), null, { timeout: 10_000 });
    expect(loads).toBe(before + 1);
    expect(await page.evaluate(() => [...document.querySelectorAll('style')].some((s) => s.textContent!.includes('KaTeX_Fraktur')))).toBe(true);
    expect(Math.abs((await page.evaluate(() => scrollY)) - scrolled)).toBeLessThan(2);
    copy.write(figure.file, text);
    await page.waitForFunction(() => !document.querySelector('main')!.textContent!.includes('A Fraktur letter'), null, { timeout: 10_000 });
  });

  it('shows an unknown figure id in an overlay at its file:line:col, and removes it when fixed', async () => {
    const figure = firstFigure(copy);
    const good = copy.read(figure.file);
    const typo = `${figure.id}x`;
    copy.write(figure.file, good.replace(`::: figure ${figure.id}\n`, `::: figure ${typo}\n`));
    const overlay = await page.waitForSelector('#preview-overlay', { timeout: 10_000 });
    const shown = await overlay.textContent();
    expect(shown).toContain(`${figure.file}:${figure.line}:1`);
    expect(shown).toContain(`unknown figure '${typo}'`);
    expect(shown).toContain(`Suggestion: did you mean '${figure.id}'?`);
    // The last good render stays underneath.
    expect(await page.locator(`[id="fig:${figure.id}"] svg`).count()).toBeGreaterThan(0);
    copy.write(figure.file, good);
    await page.waitForSelector('#preview-overlay', { state: 'detached', timeout: 10_000 });
    expect(await page.locator(`[id="fig:${figure.id}"] svg`).count()).toBeGreaterThan(0);
  });

  it('shows the refresh command while a figure has no artifact, and the figure when its artifact lands', async () => {
    const figure = firstFigure(copy);
    const store = join(copy.root, 'artifacts', figure.experiment);
    const aside = mkdtempSync(join(tmpdir(), 'preview-aside-'));
    const runs = readdirSync(store).filter((n) => !n.startsWith('.') && !n.startsWith('failed-'));
    for (const run of runs) renameSync(join(store, run), join(aside, run));
    const placeholder = page.locator(`[id="fig:${figure.id}"] .placeholder`);
    await placeholder.waitFor({ timeout: 10_000 });
    expect(await placeholder.textContent()).toContain(`make figure FIG=${figure.id}`);
    // What `make figure` does when its run finishes: the artifact folder renamed into the store.
    for (const run of runs) renameSync(join(aside, run), join(store, run));
    await page.locator(`[id="fig:${figure.id}"] svg`).first().waitFor({ timeout: 10_000 });
    expect(await placeholder.count()).toBe(0);
  });

  it('serves nothing outside the build output, and answers only to 127.0.0.1', async () => {
    const port = Number(new URL(preview.url).port);
    copy.write('build/hello.txt', 'built\n');
    expect(await get(port, '/hello.txt')).toEqual({ status: 200, body: 'built\n' });
    const secret = copy.read('package.json');
    for (const path of ['/../package.json', '/%2e%2e/package.json', '/%2E%2E%2Fpackage.json', '/..%2fpackage.json', '/.%2e/package.json', '/%252e%252e/package.json', '/..\\package.json', '/..%5cpackage.json', '/hello.txt/../../package.json', '/%2e%2e%2f%2e%2e%2fetc%2fpasswd', '//etc/passwd', '/%00../package.json']) {
      const answer = await get(port, path);
      expect(answer.status, path).toBe(404);
      expect(answer.body, path).not.toContain(secret.slice(0, 40));
    }
    // A link inside the build folder that leads out of it is not followed.
    symlinkSync(join(copy.root, 'package.json'), join(copy.root, 'build', 'outside.json'));
    expect((await get(port, '/outside.json')).status).toBe(404);
    expect((await get(port, '/', `evil.example:${port}`)).status).toBe(403);
    const page = await get(port, '/');
    expect(page.body).toContain(CLIENT_MARKER);
  });

  it('puts its script in the served page only: make report writes the same page without it', async () => {
    const served = (await get(Number(new URL(preview.url).port), '/')).body;
    const built = await runCli(copy.root, ['report', '--frozen=1']);
    expect(built.code, built.stderr).toBe(0);
    const html = copy.read('build/report.html');
    expect(html).not.toContain(CLIENT_MARKER);
    expect(html).not.toContain('__preview');
    expect(served.replace(new RegExp(`<script ${CLIENT_MARKER}[^>]*>[\\s\\S]*?</script>\\n`), '')).toBe(html);
  });
});
