/**
 * PDF smoke test. It needs the system Chromium (Debian package `chromium`); where that is absent the
 * test does not run (runtime condition, reason printed), since no browser is ever downloaded.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { printPdf, readReport, renderReport } from '../../engine/render/index.ts';
import { CHROMIUM } from '../../engine/render/pdf.ts';
import { artifacts, catalog, INDEX, SECTION_ONE, SECTION_TWO, writeReport } from './fixtures.ts';

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.log(`PDF test not run: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);

describe('printPdf', () => {
  it.runIf(hasChromium)('prints the rendered report to a multi-page PDF', async () => {
    const root = await writeReport({ 'index.md': INDEX, '01-scan.md': SECTION_ONE, '02-copy.md': SECTION_TWO });
    const html = await renderReport(await readReport(root), { catalog: catalog(), artifacts: artifacts(), profile: 'local', frozen: false });
    const out = await mkdtemp(join(tmpdir(), 'render-pdf-'));
    await writeFile(join(out, 'report.html'), html);
    await printPdf(join(out, 'report.html'), join(out, 'report.pdf'));
    const pdf = await readFile(join(out, 'report.pdf'));
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const pages = pdf.toString('latin1').match(/\/Type\s*\/Page\b/g)?.length ?? 0;
    expect(pages).toBeGreaterThan(2);
  });
});
