/**
 * The built page in Chromium (Debian's, through playwright-core; nothing downloaded) at a phone's
 * and a desktop's width, light and dark: no horizontal overflow, every figure labelled, no figure
 * text under 11 CSS px, nothing fetched from the network, and no serious or critical axe-core
 * violation. Builds the page from the committed artifacts first (build-report.ts).
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { build, HTML } from './build-report.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let browser: Browser;
beforeAll(async () => {
  await build('report');
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
}, 240_000);
afterAll(async () => {
  await browser?.close();
});

interface Opened {
  page: Page;
  requests: string[];
}

async function open(width: number, colorScheme: 'light' | 'dark'): Promise<Opened> {
  const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme, offline: true });
  const page = await context.newPage();
  const self = pathToFileURL(HTML).href;
  const requests: string[] = [];
  page.on('request', (r) => {
    if (r.url() !== self && !r.url().startsWith('data:')) requests.push(r.url());
  });
  await page.goto(self, { waitUntil: 'load' });
  return { page, requests };
}

describe.each([390, 1280])('the report at %i px', (width) => {
  describe.each(['light', 'dark'] as const)('%s', (scheme) => {
    let opened: Opened;
    beforeAll(async () => {
      opened = await open(width, scheme);
    }, 60_000);
    afterAll(async () => {
      await opened?.page.context().close();
    });

    it('is no wider than the screen', async () => {
      const wider = await opened.page.evaluate(() => {
        const page = document.documentElement.scrollWidth;
        const out = [...document.querySelectorAll('body *')]
          .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5 && !e.closest('.table-scroll, .katex-display, .katex-mathml'))
          .slice(0, 5)
          .map((e) => `${e.tagName.toLowerCase()}.${e.className}: ${Math.round(e.getBoundingClientRect().right)} px`);
        return { page, viewport: window.innerWidth, out };
      });
      // Inside a scroll box an element may be wider than the screen; KaTeX's MathML copy is clipped to a pixel.
      expect(wider.out).toEqual([]);
      expect(wider.page).toBeLessThanOrEqual(wider.viewport);
    });

    it('gives every figure a title and a description, and no figure text under 11 px', async () => {
      const figures = await opened.page.evaluate(() =>
        [...document.querySelectorAll('figure.figure')].map((figure) => {
          const svgs = [...figure.querySelectorAll('.plot > svg, .plot > figure > svg')].filter((s) => s.getBoundingClientRect().width > 0) as SVGSVGElement[];
          const labelled = svgs.map((svg) => {
            const title = svg.querySelector(':scope > title')?.textContent?.trim() ?? '';
            const desc = svg.querySelector(':scope > desc')?.textContent?.trim() ?? '';
            return title.length > 0 && desc.length > 0 && svg.getAttribute('aria-labelledby') !== null;
          });
          const smallest = Math.min(
            ...svgs.flatMap((svg) => {
              const scale = svg.getBoundingClientRect().width / (svg.viewBox.baseVal?.width || svg.width.baseVal.value);
              return [...svg.querySelectorAll('text')].filter((t) => t.textContent?.trim()).map((t) => parseFloat(getComputedStyle(t).fontSize) * scale);
            }),
          );
          const placeholder = figure.querySelector('.placeholder') !== null;
          return { id: figure.id, shown: svgs.length, labelled, smallest, placeholder };
        }),
      );
      expect(figures.length).toBeGreaterThan(0);
      for (const f of figures) {
        if (f.placeholder) continue;
        expect(f.shown, f.id).toBe(1);
        expect(f.labelled, f.id).toEqual([true]);
        expect(f.smallest, f.id).toBeGreaterThanOrEqual(11);
      }
    });

    it('loads nothing from the network', () => {
      expect(opened.requests).toEqual([]);
    });

    it('has no serious or critical axe-core violation', async () => {
      await opened.page.addScriptTag({ content: axeSource });
      const violations = await opened.page.evaluate(async () => {
        const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
        const result = await axe.run(document, { resultTypes: ['violations'] });
        return result.violations
          .filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => `${v.id} (${v.impact}) on ${v.nodes.length}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
      });
      expect(violations).toEqual([]);
    }, 60_000);
  });
});
