/**
 * `make preview` as the tests and the benchmark run it: the real CLI on a project copy, any free port,
 * with its terminal lines collected. The facts the repository's last build learnt are copied in when it
 * has them (they are keyed by source, so they hold for the copy), which saves describing every module.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../engine/commands/project.ts';

export interface RunningPreview {
  url: string;
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** Resolves with the first line matching `pattern` printed after `from` characters of output. */
  waitFor(pattern: RegExp, from?: number, timeoutMs?: number): Promise<RegExpExecArray>;
  stop(): Promise<number | null>;
}

export function seedFacts(root: string): void {
  const facts = join(REPO_ROOT, '.cache', 'facts.json');
  if (!existsSync(facts)) return;
  mkdirSync(join(root, '.cache'), { recursive: true });
  copyFileSync(facts, join(root, '.cache', 'facts.json'));
}

export async function startPreview(root: string): Promise<RunningPreview> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'engine', 'cli.ts'), 'preview', '--port=0', '--root', root], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer): void => {
    text += d.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const waitFor = (pattern: RegExp, from = 0, timeoutMs = 20_000): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const m = pattern.exec(text.slice(from));
        if (!m) return;
        listeners.delete(check);
        clearTimeout(timer);
        resolve(m);
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`preview did not print ${pattern} within ${timeoutMs} ms; it printed:\n${text}`));
      }, timeoutMs);
      listeners.add(check);
      check();
    });
  const url = (await waitFor(/serving (http:\/\/127\.0\.0\.1:\d+\/)/))[1]!;
  return {
    url,
    child,
    output: () => text,
    waitFor,
    stop: () => {
      child.kill('SIGINT');
      return exited;
    },
  };
}
