import { beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactView } from '../../engine/contract.ts';
import { readReport, renderReport, ReportError, type ParsedReport } from '../../engine/render/index.ts';
import { artifacts, catalog, INDEX, KEYS, manifest, SECTION_ONE, SECTION_TWO, writeReport } from './fixtures.ts';

let root: string;
let report: ParsedReport;
let html: string;

const render = (views = artifacts(), options: { frozen?: boolean } = {}, parsed = report) =>
  renderReport(parsed, { catalog: catalog(), artifacts: views, profile: 'local', frozen: options.frozen ?? false });

/** The HTML of one figure or table element, by anchor. */
function item(page: string, anchor: string): string {
  const start = page.indexOf(`id="${anchor}"`);
  expect(start).toBeGreaterThan(0);
  return page.slice(start, page.indexOf('</figure>\n', page.indexOf('class="provenance"', start)));
}

/** An experiment's full provenance record in the appendix. */
function record(page: string, experimentId: string): string {
  const start = page.indexOf(`id="provenance-${experimentId}"`);
  expect(start).toBeGreaterThan(0);
  return page.slice(start, page.indexOf('</section>', start));
}

beforeAll(async () => {
  root = await writeReport({ 'index.md': INDEX, '01-scan.md': SECTION_ONE, '02-copy.md': SECTION_TWO });
  report = await readReport(root);
  html = await render();
});

describe('renderReport', () => {
  it('gives byte-identical HTML for the same artifacts, in one process and from a fresh parse', async () => {
    // Plot numbers clip paths and markers from a process-wide counter, which has moved on by now.
    expect(await render()).toBe(html);
    expect(await render(artifacts(), {}, await readReport(root))).toBe(html);
  });

  it('numbers figures, tables and sections in reading order and links cross-references to them', () => {
    expect(html).toContain('see <a class="xref" href="#fig:scan-time-per-token">Figure 1</a> and <a class="xref" href="#tbl:scan-crossover">Table 1</a>');
    expect(html).toContain('(<a class="xref" href="#fig:copy-accuracy">Figure 4</a>, <a class="xref" href="#sec:scan">Section I</a>)');
    expect(item(html, 'tbl:copy-summary')).toContain('<span class="item-label">Table 2.</span>');
    expect(html).toContain('<h2 id="sec:copy"><span class="secnum">II.</span> Copying</h2>');
    expect(html).toContain('<h3 id="math"><span class="secnum">A.</span> Math</h3>');
    expect(html).toContain('Not built yet, see <a class="xref" href="#sec:copy">Section II</a>.');
  });

  it('numbers citations by first use and lists only the cited entries, in that order', () => {
    expect(html).toContain('recomputes everything <span class="citation">[<a href="#ref-gu2023mamba">1</a>]</span>');
    expect(html).toContain('<span class="citation">[<a href="#ref-gu2023mamba">1</a>, <a href="#ref-koehn2005europarl">2</a>]</span>');
    const references = html.slice(html.indexOf('<section class="bibliography"'));
    expect(references.indexOf('ref-gu2023mamba')).toBeLessThan(references.indexOf('ref-koehn2005europarl'));
    expect(references).toContain('Gu A, Dao T. Mamba: Linear-Time Sequence Modeling with Selective State Spaces.');
    expect(references).not.toContain('yue2024medmamba');
  });

  it('formats values with the directive format, and marks stale and missing ones visibly', () => {
    expect(html).toContain('>1,235</span> tokens');
    expect(html).toContain('>3.14</span> on <span class="value" title="scan-scaling:backend, key 3fa2c1d9e0b4">wasm</span>');
    expect(html).toContain('<span class="value is-stale" title="selective-copying:finalAccuracy: from a stale run; refresh with make figure">97.3%<sup class="stale-mark">stale</sup></span>');
    expect(html).toContain('<span class="value is-missing" title="no artifact of experiment translation matches the current sources for the local profile">[missing: translation:bleu]</span>');
  });

  it('formats table cells with each column format and aligns numbers right', () => {
    const table = item(html, 'tbl:scan-crossover');
    expect(table).toContain('<tr><td class="align-left">forward</td><td class="align-right">1,235</td><td class="align-right">2.50</td></tr>');
    expect(item(html, 'tbl:copy-summary')).toContain('<td class="align-right">91.7%</td>');
  });

  it('names under a figure only the data sets its profile read (a declared one without files is left out)', async () => {
    const views = artifacts();
    const scan = views.get('scan-scaling')!;
    const m = manifest('scan-scaling', KEYS.scan);
    m.components.data = { 'europarl-v7-en-fr': {}, ...m.components.data };
    // A run that recorded no reads: the data sets of its key that have files stand in.
    m.dataRead = {};
    views.set('scan-scaling', { ...scan, manifest: m });
    const origin = item(await render(views), 'fig:scan-time-per-token');
    expect(origin).toContain('Computed with the local profile from gettext-en-fr.');
    expect(origin).not.toContain('europarl');
    expect(item(html, 'fig:scan-time-per-token')).toContain('Computed with the local profile from gettext-en-fr.');
  });

  it('shows a stale badge with the refresh command only under stale artifacts', () => {
    const stale = item(html, 'fig:copy-accuracy');
    expect(stale).toContain('<strong class="badge">stale</strong>');
    expect(stale).toContain('Refresh with <code>make figure FIG=copy-accuracy</code>');
    const full = record(html, 'selective-copying');
    expect(full).toContain(`its key <code>${KEYS.copy.slice(0, 12)}</code>, now <code>${KEYS.copyNow.slice(0, 12)}</code>`);
    expect(item(html, 'fig:scan-time-per-token')).not.toContain('class="badge"');
  });

  it('puts the provenance under every figure and table: source link, key, commit, params, data, machine', () => {
    for (const anchor of ['fig:scan-time-per-token', 'fig:scan-speedup', 'fig:scan-clipped', 'tbl:scan-crossover', 'fig:copy-accuracy', 'fig:copy-final', 'tbl:copy-summary']) {
      expect(item(html, anchor)).toContain('class="provenance"');
    }
    const line = item(html, 'fig:scan-time-per-token');
    expect(line).toContain('Computed by <a href="#provenance-scan-scaling"><code>scan-scaling</code></a>');
    expect(line).toContain('key <code>3fa2c1d9e0b4</code>');
    expect(line).toContain('commit <code>c8b7ec6+dirty</code>');
    // The full record once per experiment, in the appendix, listing the items it computed.
    expect(html.match(/id="provenance-scan-scaling"/g)).toHaveLength(1);
    const note = record(html, 'scan-scaling');
    expect(note).toContain('<a href="../experiments/scan-scaling/experiment.ts">experiments/scan-scaling/experiment.ts</a>');
    expect(note).toContain('<a href="#fig:scan-time-per-token">Figure 1</a>');
    expect(note).toContain(`<a href="../artifacts/scan-scaling/${KEYS.scan}/manifest.json">manifest.json</a>`);
    expect(note).toContain('<dt>Cache key</dt><dd><code>3fa2c1d9e0b4</code>');
    expect(note).toContain('<dt>Commit</dt><dd><code>c8b7ec6+dirty</code>');
    expect(note).toContain('<code>model.dModel</code> = <code>64</code>');
    expect(note).toMatch(/digest <code>[0-9a-f]{12}<\/code>, seeds 1, 2/);
    expect(note).toContain('gettext-en-fr: <code title="data/gettext/en-fr.tsv">dddddddddddd</code>');
    expect(note).toContain('2024-11-29 10:14 UTC, took 3 min 12 s');
    expect(note).toContain('linux 6.1 x64, AMD EPYC 7B13, 2 cores, 24 GiB, Node v20.20.2');
  });

  it('labels every SVG for screen readers and names its ids after the figure', () => {
    const figure = item(html, 'fig:scan-time-per-token');
    expect(figure).toMatch(/<svg [^>]*role="img" aria-labelledby="fig-scan-time-per-token-title" aria-describedby="fig-scan-time-per-token-desc"/);
    expect(figure).toContain('<title id="fig-scan-time-per-token-title">Scan time per token</title><desc id="fig-scan-time-per-token-desc">A chart of scan time per token.</desc>');
    expect(item(html, 'fig:scan-clipped')).toContain('clip-path="url(#fig-scan-clipped-clip-1)"');
    expect(html).not.toMatch(/plot-(clip|marker|pattern)-\d/);
    const ids = [...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('needs nothing from the network and holds no path of this machine', () => {
    expect(html).not.toContain(root);
    expect(html).not.toContain(process.cwd());
    expect(html).not.toMatch(/file:|\/tmp\/|\/home\/|\/work\//);
    expect(html).not.toMatch(/<(link|img|iframe|script)\b[^>]*\b(href|src)=/i);
    expect(html).not.toMatch(/@import|srcset=/i);
    for (const m of html.matchAll(/url\(([^)]*)\)/g)) expect(m[1]).toMatch(/^(data:|#|"#|'#)/);
    // Only KaTeX faces the math uses are inlined, as data URIs.
    const faces = [...html.matchAll(/font-family:(KaTeX_\w+);font-style:(\w+);font-weight:(\d+);src:url\(data:font\/woff2;base64,/g)].map((m) => m.slice(1).join(' '));
    expect(faces).toEqual(['KaTeX_Main normal 400', 'KaTeX_Math italic 400']);
  });
});

describe('renderReport when artifacts cannot give results', () => {
  it('draws a placeholder for missing and failed artifacts, saying why and how to produce them', async () => {
    const views = artifacts();
    views.delete('scan-scaling');
    const copy = views.get('selective-copying')!;
    views.set('selective-copying', { ...copy, state: 'failed', results: undefined, manifest: manifest('selective-copying', KEYS.copy, { status: 'failed', error: { message: 'loss became NaN at step 12' } }) });
    const page = await render(views, { frozen: true });
    const missing = item(page, 'fig:scan-time-per-token');
    expect(missing).toContain('<p class="placeholder-title">Figure 1 could not be produced</p>');
    expect(missing).toContain('Why: no artifact of experiment scan-scaling matches the current sources for the local profile, and this build was frozen, so nothing was computed.');
    expect(missing).toContain('To produce it: <code>make figure FIG=scan-time-per-token</code>');
    expect(item(page, 'tbl:scan-crossover')).toContain('Table 1 could not be produced');
    expect(item(page, 'fig:copy-final')).toContain('Why: the last run of experiment selective-copying failed: loss became NaN at step 12.');
    expect(page).toContain('[missing: scan-scaling:crossoverForward]');
    expect(page).toContain('7 figures and tables: 4 missing, 3 failed');
  });

  it('turns an exception in figure code into a placeholder, not a crash', async () => {
    const views = artifacts();
    const scan = views.get('scan-scaling')!;
    const broken: ArtifactView = { ...scan, results: { ...scan.results!, series: () => { throw new Error("no series 'timings'"); } } };
    views.set('scan-scaling', broken);
    const page = await render(views);
    expect(item(page, 'fig:scan-speedup')).toContain("Why: the figure code (experiments/scan-scaling/figures.ts) failed on these results: no series &#x27;timings&#x27;.");
  });

  it('locates a metric that a current artifact does not have', async () => {
    const views = artifacts();
    const scan = views.get('scan-scaling')!;
    views.set('scan-scaling', { ...scan, results: { ...scan.results!, metrics: { best: { speedup: 1 } } } });
    const error = (await render(views).then(() => null, (e: unknown) => e)) as ReportError;
    expect(error).toBeInstanceOf(ReportError);
    expect(error.message).toBe("report/01-scan.md:3:21: no metric 'crossoverForward' in the results of experiment 'scan-scaling' (metrics: best)");
  });
});
