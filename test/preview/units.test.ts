/**
 * The preview's parts without a browser: which request paths it serves, how watcher events become
 * changes, how errors become overlay problems, the injected script, and the incremental render on a
 * copy of the report (a one-word edit re-plans nothing and redraws nothing; an edit of a figures.ts
 * redraws that module's figures only; both give the page a render from scratch gives).
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { classify, noChanges } from '../../engine/preview/changes.ts';
import { CLIENT_MARKER, injectClient } from '../../engine/preview/client.ts';
import { IncrementalRender } from '../../engine/preview/incremental.ts';
import { problemsOf, splitSuggestion } from '../../engine/preview/problems.ts';
import { servablePath, servedPath } from '../../engine/preview/served-path.ts';
import { ReportError } from '../../engine/render/types.ts';
import { copyProject } from './project-copy.ts';
import { seedFacts } from './start-preview.ts';

describe('servedPath', () => {
  const base = '/srv/build';
  it('maps paths under the folder and refuses every way out of it', () => {
    expect(servedPath(base, '/report.pdf')).toBe('/srv/build/report.pdf');
    expect(servedPath(base, '/bench/render.json?x=1')).toBe('/srv/build/bench/render.json');
    expect(servedPath(base, '/a%20b.txt')).toBe('/srv/build/a b.txt');
    for (const path of ['/../x', '/%2e%2e/x', '/%2E%2e%2Fx', '/a/../../x', '/a/%2e%2e/%2e%2e/x', '/..%5cx', '/..\\x', '/%00', '/%zz', 'x', '/./../x']) {
      expect(servedPath(base, path), path).toBeNull();
    }
    // Decoded once, as sent: a double-encoded dot is a file named "%2e%2e", inside the folder.
    expect(servedPath(base, '/%252e%252e/x')).toBe('/srv/build/%2e%2e/x');
  });

  it('never leaves the folder, whatever the path', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('..', '.', '%2e', '%2E', '%2f', '%5c', '/', '\\', 'a', '%00', '%', '~', 'build'), { maxLength: 12 }), (parts) => {
        const found = servedPath(base, '/' + parts.join(''));
        return found === null || found === base || found.startsWith(base + '/');
      }),
      { numRuns: 2000 },
    );
  });

  it('does not follow a link out of the folder, and serves only files', () => {
    const root = mkdtempSync(join(tmpdir(), 'preview-served-'));
    mkdirSync(join(root, 'build', 'sub'), { recursive: true });
    writeFileSync(join(root, 'secret.txt'), 'no');
    writeFileSync(join(root, 'build', 'ok.txt'), 'yes');
    symlinkSync(join(root, 'secret.txt'), join(root, 'build', 'out.txt'));
    const build = join(root, 'build');
    expect(servablePath(build, '/ok.txt')).toMatch(/ok\.txt$/);
    expect(servablePath(build, '/out.txt')).toBeNull();
    expect(servablePath(build, '/sub')).toBeNull();
    expect(servablePath(build, '/')).toBeNull();
    expect(servablePath(build, '/missing.txt')).toBeNull();
  });
});

describe('classify', () => {
  it('turns watcher paths into the stage they invalidate, ignoring scratch files and runs in progress', () => {
    expect(classify('report', '01-mamba.md')?.report).toBe(true);
    expect(classify('report', 'references.bib')?.report).toBe(true);
    for (const name of ['.01-mamba.md.swp', '01-mamba.md~', 'sedAb12Cd', '4913']) expect(classify('report', name), name).toBeNull();
    expect(classify('templates', 'figure.hbs')?.templates).toBe(true);
    expect([...classify('experiments', 'scan-scaling/figures.ts')!.figures]).toEqual(['experiments/scan-scaling/figures.ts']);
    expect(classify('experiments', 'scan-scaling/experiment.ts')).toBeNull();
    expect(classify('experiments', 'scan-scaling/lib/figures.ts')).toBeNull();
    expect([...classify('artifacts', 'scan-scaling/7776f9022b97/manifest.json')!.artifacts]).toEqual(['scan-scaling']);
    expect([...classify('artifacts', 'scan-scaling')!.artifacts]).toEqual(['scan-scaling']);
    for (const path of ['scan-scaling/.tmp-7776f9022b97-host-1-x/metrics.json', 'scan-scaling/.lock-7776f9022b97', 'scan-scaling/.progress-7776f9022b97.json']) {
      expect(classify('artifacts', path), path).toBeNull();
    }
  });
});

describe('problemsOf', () => {
  it('keeps the location and splits the suggestion from the message', () => {
    const error = new ReportError([{ where: { file: 'report/01-a.md', line: 4, column: 1 }, message: "unknown figure 'scan-tim' (did you mean 'scan-time'?)" }]);
    expect(problemsOf(error, '/repo')).toEqual([{ where: { file: 'report/01-a.md', line: 4, column: 1 }, message: "unknown figure 'scan-tim'", suggestion: "did you mean 'scan-time'?" }]);
    expect(splitSuggestion("unknown citation key 'x': not in report/references.bib (known: a, b)")).toEqual({ message: "unknown citation key 'x': not in report/references.bib", suggestion: 'known: a, b' });
    expect(splitSuggestion('a plain message (with a remark)')).toEqual({ message: 'a plain message (with a remark)', suggestion: null });
  });

  it('reads file:line:col from other errors (a figures module that does not compile), repository-relative', () => {
    const error = new Error('Transform failed with 1 error:\n/repo/experiments/x/figures.ts:3:7: ERROR: Expected ";" but found "y"');
    expect(problemsOf(error, '/repo')).toEqual([{ where: { file: 'experiments/x/figures.ts', line: 3, column: 7 }, message: 'Expected ";" but found "y"', suggestion: null }]);
    expect(problemsOf(new Error('no report files'), '/repo')).toEqual([{ where: null, message: 'no report files', suggestion: null }]);
  });
});

describe('injectClient', () => {
  it('adds one marked script before the closing body, and nothing else', () => {
    const html = '<!doctype html><html><head></head><body><p>x</p></body></html>';
    const served = injectClient(html, 'abc123');
    expect(served.match(new RegExp(`<script ${CLIENT_MARKER}`, 'g'))).toHaveLength(1);
    expect(served).toContain('data-version="abc123"');
    expect(served.replace(/<script data-preview-client[^>]*>[\s\S]*?<\/script>\n/, '')).toBe(html);
    expect(served.indexOf('<script')).toBeLessThan(served.indexOf('</body>'));
  });
});

describe('IncrementalRender', () => {
  const copy = copyProject();
  seedFacts(copy.root);
  afterAll(() => copy.remove());
  const settings = { root: copy.root, profile: 'local' as const, backend: 'auto' as const };

  it('re-renders a one-word edit without planning or drawing, and an edited figures.ts redraws its figures only', async () => {
    const preview = new IncrementalRender(settings);
    const first = await preview.render();
    if (!first.ok) throw new Error(JSON.stringify(first.problems));
    expect(first.stats.planned).toBe(true);
    expect(first.stats.drawn).toBeGreaterThan(1);
    const figureCount = first.stats.drawn;
    // Each figure is drawn once per width the page shows it at.
    const drawingsPerFigure = figureCount / (first.html.match(/<figure class="item figure/g) ?? []).length;

    const section = 'report/01-mamba.md';
    const text = copy.read(section);
    copy.write(section, text.replace(/\bthe\b/, 'teh'));
    const edited = await preview.render({ ...noChanges(), report: true });
    if (!edited.ok) throw new Error(JSON.stringify(edited.problems));
    expect(edited.stats).toMatchObject({ planned: false, drawn: 0, reused: figureCount });
    expect(edited.html).toContain('teh');
    expect(edited.html).toBe((await new IncrementalRender(settings).render() as { html: string }).html);

    const figures = 'experiments/scan-scaling/figures.ts';
    copy.write(figures, copy.read(figures).replace('Linear against quadratic', 'Linear versus quadratic'));
    const restyled = await preview.render({ ...noChanges(), figures: new Set([figures]) });
    if (!restyled.ok) throw new Error(JSON.stringify(restyled.problems));
    // scan-scaling's figures.ts defines one figure.
    expect(restyled.stats).toMatchObject({ drawn: drawingsPerFigure, reused: figureCount - drawingsPerFigure });
    expect(restyled.html).toContain('Linear versus quadratic');
    expect(restyled.html).toBe((await new IncrementalRender(settings).render() as { html: string }).html);
  });

  it('keeps the failing stage pending: a render after an unrelated change still reports the error', async () => {
    const preview = new IncrementalRender(settings);
    expect((await preview.render()).ok).toBe(true);
    const section = 'report/01-mamba.md';
    const good = copy.read(section);
    copy.write(section, good.replace(/::: figure (\S+)/, '::: figure $1-nope'));
    const broken = await preview.render({ ...noChanges(), report: true });
    expect(broken.ok).toBe(false);
    const again = await preview.render({ ...noChanges(), artifacts: new Set(['scan-scaling']) });
    expect(again.ok).toBe(false);
    copy.write(section, good);
    expect((await preview.render({ ...noChanges(), report: true })).ok).toBe(true);
  });
});
