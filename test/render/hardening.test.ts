/**
 * The reproductions of the hardening issue on the render side, each as a test: injection through a
 * BibTeX URL, directives that were silently text or swallowed text, formats d3 accepts but nobody
 * means, repeated keys, front matter where it is not read, absolute paths in failure boxes, and the
 * strictness of settings and of failure reports on the terminal.
 */
import { JSDOM } from 'jsdom';
import { describe, expect, it } from 'vitest';
import type { ArtifactView } from '../../engine/contract.ts';
import { parseJobs, parseSettings } from '../../engine/commands/settings.ts';
import { linkUrls } from '../../engine/render/bibliography.ts';
import { checkNeeds, readReport, renderReport, ReportError } from '../../engine/render/index.ts';
import { formatCell } from '../../engine/render/number-format.ts';
import { relativeToRepo } from '../../engine/render/repo-paths.ts';
import { neededExperiments, resolveTarget } from '../../engine/plan/needs.ts';
import type { CatalogIndex } from '../../engine/plan/catalog.ts';
import { failureReport } from '../../engine/run/build.ts';
import { artifacts, BIB, catalog, INDEX, manifest, writeReport } from './fixtures.ts';

async function readError(files: Record<string, string>, bib?: string): Promise<string> {
  const error = await readReport(await writeReport(files, bib)).then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(ReportError);
  return (error as ReportError).message;
}
const section = (text: string) => readError({ 'index.md': INDEX, '01-a.md': text });

describe('injection', () => {
  it('a URL with quotes in a BibTeX title becomes a link without any attribute but its href', async () => {
    const bib = `${BIB}@misc{evil, title = {Tools https://e.com/"onmouseover="alert(8)"x and https://a.org/p?a=1&b=2.}, author = {A, B}, year = {2020}}\n`;
    const root = await writeReport({ 'index.md': INDEX, '01-a.md': '# A\n\nSee [@evil].\n' }, bib);
    const report = await readReport(root);
    checkNeeds(report, catalog());
    const html = await renderReport(report, { catalog: catalog(), artifacts: artifacts(), profile: 'local', frozen: false });
    const document = new JSDOM(html).window.document;
    const links = [...document.querySelectorAll('.references a')];
    expect(links.map((a) => [a.getAttribute('href'), a.getAttributeNames()])).toEqual([
      ['https://e.com/', ['href']],
      ['https://a.org/p?a=1&b=2', ['href']],
    ]);
    expect([...document.querySelectorAll('*')].some((e) => e.getAttributeNames().some((n) => n.startsWith('on')))).toBe(false);
  });

  it('linkUrls escapes what it writes and links only http(s)', () => {
    expect(linkUrls('at https://x.org/a&amp;b&#38;c, then')).toBe('at <a href="https://x.org/a&amp;b&amp;c">https://x.org/a&amp;b&amp;c</a>, then');
    expect(linkUrls("https://x.org/'onload='y")).toBe('<a href="https://x.org/">https://x.org/</a>\'onload=\'y');
    expect(linkUrls('javascript:alert(1)')).toBe('javascript:alert(1)');
  });
});

describe('directives that were text, or swallowed text', () => {
  it('an unclosed ::: figure is an error at its opening line', async () => {
    expect(await section('# A\n\n::: figure copy-final\nCaption.\n\n# B\n\nMore text.\n')).toBe("report/01-a.md:3:1: '::: figure' is not closed: add a line ':::' after its content");
  });

  it('a directive opened inside another (its ":::" missing) names both', async () => {
    expect(await section('::: figure copy-final\nA\n\n::: table copy-summary\n:::\n')).toBe(
      "report/01-a.md:4:1: '::: table' inside the '::: figure' opened at report/01-a.md:1:1 (directives do not nest: is that one's closing ':::' missing?)",
    );
  });

  it("a misspelled directive name and a stray ':::' are errors", async () => {
    expect(await section('Text.\n\n::: figures copy-final\n')).toBe("report/01-a.md:3:1: unknown directive '::: figures' (did you mean '::: figure'?)");
    expect(await section('Text.\n:::\n')).toBe("report/01-a.md:2:1: a ':::' that closes no directive (is its opening line misspelled, or is this one extra?)");
    expect(await section('- item\n\n  ::: nothing-like-it\n')).toBe("report/01-a.md:3:3: unknown directive '::: nothing-like-it' (known: ::: figure, ::: table, ::: experiments, ::: original)");
  });

  it("':::' in a code block stays code", async () => {
    const root = await writeReport({ 'index.md': INDEX, '01-a.md': '```\n::: figures x\n:::\n```\n\n    :::\n' });
    await expect(readReport(root)).resolves.toBeDefined();
  });

  it('invalid d3 formats are errors at the value, and precision is never silently capped', async () => {
    const message = await section('A {{value scan-scaling:x format=".1q"}} B {{value scan-scaling:x format="Q"}}\nC {{value scan-scaling:x format=""}} D {{value scan-scaling:x format=".500f"}}\n');
    expect(message.split('\n')).toEqual([
      "report/01-a.md:1:3: invalid number format '.1q': unknown type 'q' (one of e f g r s % p b o d x X c n)",
      "report/01-a.md:1:43: invalid number format 'Q': unknown type 'Q' (one of e f g r s % p b o d x X c n)",
      'report/01-a.md:2:3: an empty number format (leave format= out for the default, or give one such as ",.2f")',
      "report/01-a.md:2:40: invalid number format '.500f': precision 500 is outside 0..20 for type 'f'",
    ]);
    expect(() => formatCell(1, '.500f')).toThrow(/precision 500/);
    expect(formatCell(1.5, '.20f')).toBe('1.50000000000000000000');
  });
});

describe('repeated keys and front matter', () => {
  it('a duplicate BibTeX key names both lines', async () => {
    const bib = `${BIB}\n@misc{gu2023mamba, title = {Another}, year = {2024}}\n`;
    const line = bib.split('\n').findIndex((l) => l.startsWith('@misc{gu2023mamba')) + 1;
    expect(await readError({ 'index.md': INDEX }, bib)).toBe(`report/references.bib:${line}:1: duplicate BibTeX key 'gu2023mamba': already defined at report/references.bib:1`);
  });

  it('a front matter key given twice names both lines', async () => {
    expect(await readError({ 'index.md': '---\ntitle: A\nauthor: B\ntitle: C\n---\n\nText.\n' })).toBe("report/index.md:4:1: front matter key 'title' is given twice: first at report/index.md:2");
  });

  it('front matter in a section file is an error, not dropped', async () => {
    expect(await section('---\ntitle: Lost\n---\n\n# A\n')).toBe('report/01-a.md:1:1: front matter is read only in report/index.md; move these lines there (or remove them)');
  });
});

describe('paths and failures', () => {
  it('a failure box shows paths relative to the repository, never a checkout path', async () => {
    const root = await writeReport({ 'index.md': INDEX, '01-a.md': '::: figure copy-final\n:::\n' });
    const views = artifacts();
    const failed: ArtifactView = {
      ...views.get('selective-copying')!,
      state: 'failed',
      results: undefined,
      manifest: manifest('selective-copying', 'f'.repeat(64), { status: 'failed', error: { message: `Cannot find module '${root}/kernels/backend/setup/tensorflow.ts' from /home/ci/other-checkout/engine/run/worker.ts` } }),
    };
    views.set('selective-copying', failed);
    const report = await readReport(root);
    const html = await renderReport(report, { catalog: catalog(), artifacts: views, profile: 'local', frozen: false });
    expect(html).toContain("failed: Cannot find module &#x27;kernels/backend/setup/tensorflow.ts&#x27; from engine/run/worker.ts.");
    expect(html).not.toContain(root);
    expect(html).not.toContain('/home/ci');
    expect(relativeToRepo('see file:///a/b/report/x.md and /usr/lib/libc.so', '/x')).toBe('see report/x.md and /usr/lib/libc.so');
  });

  it("a failing worker's error is one paragraph with its log path; stack frames only with DEBUG=1", () => {
    const outcome = {
      label: 'failing',
      message: 'deliberate failure: boom',
      logPath: 'artifacts/failing/failed-18c5d8dabd2a.log',
      logTail: ['[info] about to fail', 'Error: deliberate failure: boom', '    at Object.run (/tmp/x/experiments/failing/experiment.ts:16:11)'],
    };
    expect(failureReport(outcome, false)).toEqual([
      'FAILED failing: deliberate failure: boom (log: artifacts/failing/failed-18c5d8dabd2a.log); before it, the log says: [info] about to fail. DEBUG=1 shows the stack frames.',
    ]);
    const debug = failureReport(outcome, true);
    expect(debug[0]).toBe('FAILED failing: deliberate failure: boom (log: artifacts/failing/failed-18c5d8dabd2a.log); before it, the log says: [info] about to fail');
    expect(debug.at(-1)).toBe('       |     at Object.run (/tmp/x/experiments/failing/experiment.ts:16:11)');
  });
});

describe('settings are parsed strictly, naming the value', () => {
  it.each([['-1'], ['1e1'], [' '], [''], ['0'], ['2.0'], [' 2']])('JOBS=%j is refused', (raw) => {
    expect(() => parseJobs(raw, 4)).toThrow(`JOBS=${JSON.stringify(raw)}: expected a whole number of parallel runs from 1 to 9999 (leave JOBS unset for one per core, 4 here)`);
  });

  it('JOBS unset is one per core, and FROZEN=2 is refused', () => {
    expect(parseJobs(undefined, 4)).toBe(4);
    expect(parseJobs('12', 4)).toBe(12);
    expect(() => parseSettings({ frozen: '2' }, {})).toThrow('FROZEN="2": expected 1 or 0 (or true/false, yes/no)');
    expect(() => parseSettings({ jobs: '1e1' }, {})).toThrow('JOBS="1e1"');
  });
});

describe('unknown ids from the engine side', () => {
  const index = {
    experiments: new Map([['scan-scaling', {}]]),
    figures: new Map([['scan-time-per-token', { experimentId: 'scan-scaling' }]]),
    tables: new Map(),
    figuresGraphs: new Map(),
    errors: [],
  } as unknown as CatalogIndex;
  const where = { file: 'report/01-a.md', line: 4, column: 1 };

  it('suggest the closest figure id', () => {
    expect(neededExperiments([{ kind: 'figure', id: 'scan-time-per-tokn', where }], index).problems).toEqual([
      "report/01-a.md:4:1: unknown figure 'scan-time-per-tokn' (did you mean 'scan-time-per-token'?)",
    ]);
    expect(neededExperiments([{ kind: 'claim', refs: [{ experimentId: 'scan-scalin', path: 'x' }], claim: '', where }], index).problems).toEqual([
      "report/01-a.md:4:1: claim reads unknown experiment 'scan-scalin' (did you mean 'scan-scaling'?)",
    ]);
    expect(() => resolveTarget('scan-time-per-tokens', index)).toThrow("unknown figure, table or experiment 'scan-time-per-tokens' (did you mean 'scan-time-per-token'?)");
  });
});
