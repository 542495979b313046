/**
 * Fixture projects for engine tests: test/fixtures/engine/project copied into a temp folder, with the
 * real engine/contract.ts, and a node_modules of links to the repository's packages plus fixture-dep.
 */
import { cpSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { REPO_ROOT } from '../../engine/commands/project.ts';
import type { Terminal } from '../../engine/commands/effects.ts';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'engine');

export interface FixtureProject {
  root: string;
  write(file: string, text: string): void;
  read(file: string): string;
  /** Lines of runs.txt: one per experiment run, `<id> <pid>`. */
  runs(): string[];
  remove(): void;
}

export function makeProject(fixture = 'project'): FixtureProject {
  const root = mkdtempSync(join(tmpdir(), 'engine-fixture-'));
  cpSync(join(FIXTURES, fixture), root, { recursive: true });
  cpSync(join(REPO_ROOT, 'engine', 'contract.ts'), join(root, 'engine', 'contract.ts'));
  rmSync(join(root, 'fixture-dep.d.ts'), { force: true });
  const modules = join(root, 'node_modules');
  mkdirSync(modules);
  for (const name of readdirSync(join(REPO_ROOT, 'node_modules'))) {
    if (name.startsWith('.')) continue;
    symlinkSync(join(REPO_ROOT, 'node_modules', name), join(modules, name));
  }
  cpSync(join(FIXTURES, 'fixture-dep'), join(modules, 'fixture-dep'), { recursive: true });
  return {
    root,
    write: (file, text) => {
      mkdirSync(join(root, file, '..'), { recursive: true });
      writeFileSync(join(root, file), text);
    },
    read: (file) => readFileSync(join(root, file), 'utf8'),
    runs: () => (existsSync(join(root, 'runs.txt')) ? readFileSync(join(root, 'runs.txt'), 'utf8').trim().split('\n').filter(Boolean) : []),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run the real CLI on a project: `node --import tsx engine/cli.ts <args> --root <root>`. */
export function runCli(root: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> & { child: ChildProcess } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'engine', 'cli.ts'), ...args, '--root', root], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return Object.assign(done, { child });
}

/** A terminal that records what the engine prints (plain lines, as in CI). */
export function captureTerminal(): Terminal & { text(): string } {
  let text = '';
  return { isTTY: false, columns: 120, write: (t) => void (text += t), text: () => text };
}

/** Pids of the worker processes (engine/run/worker.ts) below `ancestorPid` (the build, or a cell's supervisor). */
export function workerPids(ancestorPid: number): number[] {
  return descendants(ancestorPid).filter((p) => p.args.includes('engine/run/worker.ts')).map((p) => p.pid);
}

/** Every process below `ancestorPid`, with its command line. */
export function descendants(ancestorPid: number): { pid: number; args: string }[] {
  let table: { pid: number; ppid: number; args: string }[];
  try {
    table = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,args='], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [pid, ppid, ...args] = line.trim().split(/\s+/);
        return { pid: Number(pid), ppid: Number(ppid), args: args.join(' ') };
      });
  } catch {
    return [];
  }
  const below = new Set([ancestorPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of table) if (below.has(p.ppid) && !below.has(p.pid)) (below.add(p.pid), (grew = true));
  }
  return table.filter((p) => p.pid !== ancestorPid && below.has(p.pid));
}

/** The parent pid of a process. */
export function parentOf(pid: number): number {
  return Number(execFileSync('ps', ['-o', 'ppid=', '-p', String(pid)], { encoding: 'utf8' }).trim());
}

/** Poll `condition` every 50 ms until it holds (or fail after `timeoutMs`). */
export async function waitFor<T>(what: string, condition: () => T | undefined | null | false, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = condition();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Artifact folders (key prefixes) of an experiment in a fixture project. */
export const folders = (p: FixtureProject, id: string): string[] =>
  existsSync(join(p.root, 'artifacts', id)) ? readdirSync(join(p.root, 'artifacts', id)).filter((e) => /^[0-9a-f]{12}$/.test(e)) : [];

/** Cell (as JSON) -> metrics.json text, for every stored cell of a grid experiment. */
export function cellResults(p: FixtureProject, id: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const folder of folders(p, id)) {
    const manifest = JSON.parse(readFileSync(join(p.root, 'artifacts', id, folder, 'manifest.json'), 'utf8'));
    out.set(JSON.stringify(manifest.components.cell), readFileSync(join(p.root, 'artifacts', id, folder, 'metrics.json'), 'utf8'));
  }
  return out;
}

/**
 * The source of experiment `gpu` for the fixture project: a series that requires webgpu, counts its
 * runs (lib/runs.ts) and then runs `body` (statements over `ctx`).
 */
export function webgpuOnlyExperiment(body: string): string {
  return `
import { z } from 'zod';
import { defineExperiment } from '../../engine/contract.ts';
import { countRun } from '../lib/runs.ts';

export default defineExperiment({
  id: 'gpu',
  title: 'A GPU series',
  summary: 'Runs only on the webgpu backend.',
  paramsSchema: z.object({ n: z.number().int() }),
  profiles: { smoke: { n: 2 }, local: { n: 3 }, paper: { n: 4 } },
  seeds: [1],
  requiresBackend: 'webgpu',
  async run(ctx) {
    countRun('gpu');
    ${body}
  },
});
`;
}
