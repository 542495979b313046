/**
 * A copy of this project's report, experiments, engine, kernels and committed artifacts in a temp
 * folder, with node_modules linked: the preview's tests and benchmark edit its report, never the real
 * one. The copy's keys equal the repository's, so its artifacts are current there too.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { REPO_ROOT } from '../../engine/commands/project.ts';

const FOLDERS = ['report', 'experiments', 'engine', 'kernels', 'artifacts'];
const FILES = ['package.json', 'package-lock.json', 'tsconfig.json'];
/** Build outputs, caches, scratch of runs and ignored binaries: not part of a checkout. */
const skipped = (name: string): boolean => ['node_modules', 'build', '.cache', 'blobs'].includes(name) || /^\.(tmp|lock|scratch|progress|job|slurm)-/.test(name);

export interface ProjectCopy {
  root: string;
  read(file: string): string;
  write(file: string, text: string): void;
  remove(): void;
}

export function copyProject(): ProjectCopy {
  const root = mkdtempSync(join(tmpdir(), 'preview-project-'));
  for (const folder of FOLDERS) cpSync(join(REPO_ROOT, folder), join(root, folder), { recursive: true, filter: (src) => !skipped(basename(src)) });
  for (const file of FILES) cpSync(join(REPO_ROOT, file), join(root, file));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));
  return {
    root,
    read: (file) => readFileSync(join(root, file), 'utf8'),
    write: (file, text) => {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), text);
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
