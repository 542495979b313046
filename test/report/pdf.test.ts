/**
 * `make pdf` of today's content (from the committed artifacts, nothing computed): at most 12 A4
 * pages, none of them more than half empty or without text, and links into the repository relative
 * to the PDF, resolving to files of this checkout. Pages are measured with pdftoppm (the lowest
 * inked row of the page body) and pdftotext (words per page).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, PDF } from './build-report.ts';

const MAX_PAGES = 12;
/** The page margins of engine/render/pdf.ts (top and bottom), in mm of the A4 page's 297. */
const MARGIN_MM = 14;

let pdf: Buffer;
let pages: number;
let scratch: string;

beforeAll(async () => {
  await build('pdf');
  pdf = readFileSync(PDF);
  pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [PDF], { encoding: 'utf8' }))![1]);
  scratch = mkdtempSync(join(tmpdir(), 'report-pdf-test-'));
}, 240_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** How far down its body each page is inked (0..1), from a greyscale rendering at 20 dpi. */
function filled(): number[] {
  execFileSync('pdftoppm', ['-r', '20', '-gray', PDF, join(scratch, 'page')]);
  return readdirSync(scratch)
    .filter((f) => f.endsWith('.pgm'))
    .sort()
    .map((f) => {
      const bytes = readFileSync(join(scratch, f));
      const header = bytes.toString('latin1', 0, 32).split(/\s+/); // P5 width height maxval
      const [width, height] = [Number(header[1]), Number(header[2])];
      const pixels = bytes.subarray(bytes.length - width * height);
      const margin = Math.ceil((height * MARGIN_MM) / 297);
      const top = margin;
      const bottom = height - margin - 2; // above the page-number footer
      let last = -1;
      for (let y = top; y < bottom; y++) {
        const row = pixels.subarray(y * width, (y + 1) * width);
        if (row.some((v) => v < 200)) last = y;
      }
      return (last - top + 1) / (bottom - top);
    });
}

describe('the PDF', () => {
  it(`has at most ${MAX_PAGES} A4 pages`, () => {
    expect(pages).toBeGreaterThan(1);
    expect(pages).toBeLessThanOrEqual(MAX_PAGES);
    expect(execFileSync('pdfinfo', [PDF], { encoding: 'utf8' })).toMatch(/Page size:\s+59[56](\.\d+)? x 84[12](\.\d+)? pts \(A4\)/);
  });

  it('has no page more than half empty, and text on every page', () => {
    const fill = filled();
    expect(fill).toHaveLength(pages);
    fill.forEach((f, i) => expect(f, `page ${i + 1} is inked to ${(f * 100).toFixed(0)}% of its height`).toBeGreaterThanOrEqual(0.5));
    for (let page = 1; page <= pages; page++) {
      const words = execFileSync('pdftotext', ['-f', String(page), '-l', String(page), PDF, '-'], { encoding: 'utf8' }).split(/\s+/).filter(Boolean);
      expect(words.length, `page ${page}`).toBeGreaterThan(50);
    }
  });

  it('links into the repository relative to the PDF, to files that exist, and holds no path of this machine', () => {
    const text = pdf.toString('latin1');
    const targets = [...text.matchAll(/\/URI \(([^)]*)\)/g)].map((m) => m[1]!);
    expect(targets.length).toBeGreaterThan(0);
    expect(targets.filter((t) => t.startsWith('file:'))).toEqual([]);
    const local = targets.filter((t) => !/^https?:/.test(t));
    expect(local.length).toBeGreaterThan(0);
    for (const t of local) expect(existsSync(resolve(dirname(PDF), t)), t).toBe(true);
    expect(text).not.toContain(resolve(dirname(PDF), '..'));
  });

  it('keeps a valid cross-reference table after the links are rewritten', () => {
    const text = pdf.toString('latin1');
    const startxref = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(text)![1]);
    expect(text.slice(startxref, startxref + 5)).toBe('xref\n');
    const [, first, count] = /^xref\n(\d+) (\d+)\n/.exec(text.slice(startxref))!;
    expect(Number(first)).toBe(0);
    const entries = text.slice(startxref).split('\n').slice(2, 2 + Number(count));
    entries.slice(1).forEach((entry, i) => {
      const offset = Number(entry.slice(0, 10));
      expect(text.slice(offset, offset + String(i + 1).length + 6), `object ${i + 1}`).toBe(`${i + 1} 0 obj`);
    });
  });
});
