/**
 * Chromium prints every link of the page as an absolute URL, so a link into the repository
 * (`../experiments/x.ts` in build/report.html) becomes `file:///<this machine's checkout>/...` in the
 * PDF and breaks on any other machine. This rewrites those link targets relative to the PDF's own
 * folder (`../experiments/x.ts` again), which PDF readers resolve against the file's location, and
 * leaves web links alone.
 *
 * The PDF Chromium (Skia) writes keeps link annotations as plain objects with a classic
 * cross-reference table, so the targets are rewritten in place and the table and `startxref` are
 * rebuilt from the objects' new offsets. A PDF of any other shape is refused with a clear error
 * rather than written half-fixed.
 */
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const URI = /\/URI \((file:\/\/[^()\\]*)\)/g;

/** `pdfDir`: the folder the PDF is written to; `root`: the repository, whose files may be linked. */
export function relativeLinks(pdf: Buffer, pdfDir: string, root: string): Buffer {
  // latin1 maps bytes to code units one to one, so binary streams survive the round trip.
  const text = pdf.toString('latin1');
  let changed = 0;
  const rewritten = text.replace(URI, (whole, url: string) => {
    const path = fileURLToPath(url);
    const inRepo = relative(root, path);
    if (inRepo.startsWith('..')) throw new Error(`PDF link ${url} points outside the repository ${root}`);
    changed += 1;
    return `/URI (${relative(pdfDir, path).split('\\').join('/')})`;
  });
  if (changed === 0) return pdf;
  return Buffer.from(rebuildXref(rewritten), 'latin1');
}

/** A new cross-reference table for a PDF whose objects moved: one entry per `N 0 obj`. */
function rebuildXref(text: string): string {
  const xrefAt = text.lastIndexOf('\nxref\n');
  const trailerAt = text.indexOf('trailer', xrefAt);
  const size = /\/Size (\d+)/.exec(text.slice(trailerAt))?.[1];
  if (xrefAt < 0 || trailerAt < 0 || size === undefined) throw new Error('PDF links: no classic cross-reference table and trailer to rebuild (an unexpected PDF layout)');
  const body = text.slice(0, xrefAt + 1);
  const offsets = new Map<number, number>();
  for (const m of body.matchAll(/(?:^|[\r\n])(\d+) 0 obj\b/g)) offsets.set(Number(m[1]), m.index! + (m[0].length - `${m[1]} 0 obj`.length));
  const n = Number(size);
  const entries = ['0000000000 65535 f \n'];
  for (let i = 1; i < n; i++) {
    const at = offsets.get(i);
    if (at === undefined) throw new Error(`PDF links: object ${i} of ${n - 1} not found while rebuilding the cross-reference table`);
    entries.push(`${String(at).padStart(10, '0')} 00000 n \n`);
  }
  const trailerEnd = text.indexOf('startxref', trailerAt);
  const trailer = text.slice(trailerAt, trailerEnd);
  return `${body}xref\n0 ${n}\n${entries.join('')}${trailer}startxref\n${xrefAt + 1}\n%%EOF\n`;
}
