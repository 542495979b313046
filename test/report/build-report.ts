/**
 * Builds the report (or its PDF) the way `make report FROZEN=1` / `make pdf FROZEN=1` do: from the
 * committed artifacts, computing nothing, so a test sees exactly the page a reader gets today.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const ROOT = join(import.meta.dirname, '../..');
export const HTML = join(ROOT, 'build/report.html');
export const PDF = join(ROOT, 'build/report.pdf');

export async function build(command: 'report' | 'pdf'): Promise<void> {
  await promisify(execFile)(process.execPath, ['--import', 'tsx', 'engine/cli.ts', command, '--frozen=1'], { cwd: ROOT, maxBuffer: 16 << 20 });
}
