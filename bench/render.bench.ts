/**
 * Measures the renderer on the fixture report (5 figures, 2 tables, math, citations): parse and render
 * time, cold (first render in the process) and warm (median of the next ones), and the size of the HTML
 * with its parts; writes build/bench/render.json. Run: make bench BENCH=render
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readReport, renderReport } from '../engine/render/index.ts';
import { artifacts, catalog, INDEX, SECTION_ONE, SECTION_TWO, writeReport } from '../test/render/fixtures.ts';
import { median } from './timing.ts';

const root = await writeReport({ 'index.md': INDEX, '01-scan.md': SECTION_ONE, '02-copy.md': SECTION_TWO });
const timings: { read: number; render: number }[] = [];
let html = '';
for (let i = 0; i < 6; i++) {
  const t0 = performance.now();
  const report = await readReport(root);
  const t1 = performance.now();
  html = await renderReport(report, { catalog: catalog(), artifacts: artifacts(), profile: 'local', frozen: false });
  timings.push({ read: t1 - t0, render: performance.now() - t1 });
}
const warm = timings.slice(1);
const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
const svg = [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].reduce((n, m) => n + bytes(m[0]), 0);
const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => bytes(m[1]));
const fonts = [...html.matchAll(/data:font\/woff2;base64,[A-Za-z0-9+/=]+/g)].reduce((n, m) => n + m[0].length, 0);
console.log(`cold: read ${timings[0].read.toFixed(0)} ms, render ${timings[0].render.toFixed(0)} ms`);
console.log(`warm (median of ${warm.length}): read ${median(warm.map((t) => t.read)).toFixed(0)} ms, render ${median(warm.map((t) => t.render)).toFixed(0)} ms`);
console.log(`HTML ${bytes(html)} bytes: SVG ${svg}, page CSS ${styles[0]}, KaTeX CSS ${styles[1] ?? 0} (of which fonts ${fonts})`);

const out = join(import.meta.dirname, '..', 'build', 'bench');
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, 'render.json'),
  JSON.stringify(
    {
      coldMs: { read: timings[0].read, render: timings[0].render },
      warmMedianMs: { read: median(warm.map((t) => t.read)), render: median(warm.map((t) => t.render)) },
      htmlBytes: bytes(html),
      svgBytes: svg,
      fontBytes: fonts,
    },
    null,
    2,
  ) + '\n',
);
