/**
 * `make pdf`: the HTML report printed by headless Chromium through its print stylesheet. Chromium is
 * the system's (/usr/bin/chromium, from Debian); nothing is downloaded. The page needs no network, and
 * the browser is kept off it (no background networking, sync or component updates).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { relativeLinks } from './pdf-links.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * `root`: the repository, whose files the page links to (one folder above the HTML unless given);
 * those links come out relative to the PDF (pdf-links.ts), so they work wherever the checkout is.
 */
export async function printPdf(htmlPath: string, pdfPath: string, root = resolve(dirname(htmlPath), '..')): Promise<void> {
  // Loaded here, not at the top: building the HTML should not pay for loading the browser driver.
  const { chromium } = await import('playwright-core');
  const profile = await mkdtemp(join(tmpdir(), 'report-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, headless: true, offline: true });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(pathToFileURL(resolve(htmlPath)).href, { waitUntil: 'load' });
    await page.emulateMedia({ media: 'print' });
    const printed = await page.pdf({
      format: 'A4',
      printBackground: true,
      margin: { top: '14mm', bottom: '14mm', left: '16mm', right: '16mm' },
      displayHeaderFooter: true,
      headerTemplate: '<span></span>',
      footerTemplate: '<div style="font-size:8pt;width:100%;text-align:center;color:#555"><span class="pageNumber"></span> / <span class="totalPages"></span></div>',
    });
    // The caller prints to a temporary file and renames it into place (commands.ts).
    await writeFile(pdfPath, relativeLinks(printed, dirname(resolve(pdfPath)), resolve(root)));
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
}
