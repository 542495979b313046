/**
 * Which Markdown files make the report, in reading order: report/index.md (title block and opening
 * text) first, then the numbered sections `report/NN-name.md` sorted by name. Other Markdown files
 * in report/ (README.md) are documentation, not part of the report.
 */
import { readdir } from 'node:fs/promises';

const SECTION_FILE = /^\d{2}-[a-z0-9-]+\.md$/;

/** Repository-relative paths of the report's Markdown files, in reading order. */
export async function reportFiles(root: string): Promise<string[]> {
  const names = await readdir(`${root}/report`);
  const sections = names.filter((name) => SECTION_FILE.test(name)).sort();
  const index = names.includes('index.md') ? ['index.md'] : [];
  return [...index, ...sections].map((name) => `report/${name}`);
}
