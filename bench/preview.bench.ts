/**
 * `make bench BENCH=preview`: the author's loop. On a copy of the report, `make preview` runs with the
 * system Chromium showing its page; each repeat saves a one-word edit of a section and measures the time
 * from the save to the end of the first frame after the page has taken the new version (both clocks are
 * this machine's epoch clock), as a median over repeats. Beside it: the preview's own render time per edit (from its terminal
 * lines), whether it re-planned or drew figures, and, in this process, an incremental render after a
 * one-word edit against a render of the same report with nothing kept (plan, views and figures again).
 * Writes build/bench/preview.json. Target: under 300 ms from save to reloaded page.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM } from '../engine/render/pdf.ts';
import { noChanges } from '../engine/preview/changes.ts';
import { IncrementalRender } from '../engine/preview/incremental.ts';
import { copyProject } from '../test/preview/project-copy.ts';
import { seedFacts, startPreview } from '../test/preview/start-preview.ts';
import { median } from './timing.ts';

const REPEATS = 15;
const WARMUP = 2;
const copy = copyProject();
seedFacts(copy.root);
const section = 'report/01-mamba.md';
const original = copy.read(section);
const word = /\b[A-Za-z]{6,}\b/.exec(original.split('\n').find((l) => /^[A-Za-z]/.test(l))!)![0];

const { chromium } = await import('playwright-core');
const [preview, browser] = await Promise.all([startPreview(copy.root), chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] })]);
const latencies: number[] = [];
const renders: number[] = [];
const work: string[] = [];
try {
  await preview.waitFor(/first render: rendered/);
  const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
  await page.goto(preview.url);
  await page.waitForSelector('main h2');
  for (let i = 0; i < WARMUP + REPEATS; i++) {
    const marker = `Edit${i}word`;
    const mark = preview.output().length;
    // The page's clock at the end of the frame after its update (the preview's script announces it).
    await page.evaluate(() => {
      const w = window as unknown as { updated: Promise<number> };
      w.updated = new Promise((resolve) =>
        addEventListener('preview:updated', () => requestAnimationFrame(() => setTimeout(() => resolve(performance.timeOrigin + performance.now()))), { once: true }),
      );
    });
    copy.write(section, original.replace(word, marker));
    const saved = performance.timeOrigin + performance.now();
    const shown = await page.evaluate(async () => ({ at: await (window as unknown as { updated: Promise<number> }).updated, text: document.querySelector('main')!.textContent! }));
    if (!shown.text.includes(marker)) throw new Error(`the updated page does not show the edit ${marker}`);
    const line = await preview.waitFor(/rendered in (\d+) ms \((.*)\)/, mark);
    if (i < WARMUP) continue;
    latencies.push(shown.at - saved);
    renders.push(Number(line[1]));
    work.push(line[2]!);
  }
} finally {
  await browser.close();
  await preview.stop();
}

// In this process: the render after a one-word edit, incremental (kept plan, views, SVG) against nothing kept.
const settings = { root: copy.root, profile: 'local' as const, backend: 'auto' as const };
const kept = new IncrementalRender(settings);
await kept.render();
const incremental: number[] = [];
const fromScratch: number[] = [];
for (let i = 0; i < 5; i++) {
  copy.write(section, original.replace(word, `Again${i}word`));
  const edit = noChanges();
  edit.report = true;
  const a = await kept.render(edit);
  const b = await new IncrementalRender(settings).render();
  if (!a.ok || !b.ok || a.html !== b.html) throw new Error('the incremental render differs from a render from scratch');
  incremental.push(a.stats.ms);
  fromScratch.push(b.stats.ms);
}
copy.remove();

const ms = (x: number): string => `${x.toFixed(0)} ms`;
console.log(`save -> updated page (median of ${REPEATS}): ${ms(median(latencies))} (min ${ms(Math.min(...latencies))}, max ${ms(Math.max(...latencies))}); target < 300 ms`);
console.log(`  of which the preview's render: median ${ms(median(renders))}; work per edit: ${[...new Set(work)].join(' | ')}`);
console.log(`render after a one-word edit, in one process (median of ${incremental.length}): incremental ${ms(median(incremental))}, nothing kept (session, plan, views, figures) ${ms(median(fromScratch))} (${(median(fromScratch) / median(incremental)).toFixed(1)}x)`);
const out = join(import.meta.dirname, '..', 'build', 'bench');
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, 'preview.json'),
  JSON.stringify({ repeats: REPEATS, saveToReloadMs: { median: median(latencies), all: latencies }, previewRenderMs: { median: median(renders), all: renders }, work: [...new Set(work)], renderAfterEditMs: { incremental: median(incremental), nothingKept: median(fromScratch) } }, null, 2) + '\n',
);
