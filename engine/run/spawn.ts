/**
 * Child processes running TypeScript entry points of the engine, through zx. `exec` replaces the shell
 * with node, so the process zx reports is the node process itself (signals reach it directly).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { ProcessPromise } from 'zx';

/**
 * The `--import` argument that makes node run TypeScript: tsx's loader, resolved from the engine's own
 * install (not the project's, which may be a fixture), through require.resolve, which works under every
 * loader (vitest's included).
 */
export function tsxImport(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}

export interface ChildResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr interleaved. */
  output: string;
}

/** Run `node --import tsx <script> ...args` in `cwd` to completion. */
export async function spawnTsx(cwd: string, script: string, args: readonly string[]): Promise<ChildResult> {
  const { $ } = await import('zx/core');
  const out = await $({ cwd, quiet: true, nothrow: true })`exec ${process.execPath} --import ${tsxImport()} ${script} ${args}`;
  return { exitCode: out.exitCode, signal: out.signal, output: out.stdall };
}

/**
 * Start `node --import tsx <script> ...args` with stdin piped (the child sees EOF when this process dies)
 * and an extra pipe on fd 3 for JSON-line messages.
 */
export async function startTsx(
  cwd: string,
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ child: ProcessPromise }> {
  const { $ } = await import('zx/core');
  // Wrapped in an object: a ProcessPromise is a thenable, and returning it bare would await its exit.
  const child = $({ cwd, quiet: true, nothrow: true, env, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] })`exec ${process.execPath} --import ${tsxImport()} ${script} ${args}`;
  return { child };
}
