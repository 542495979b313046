/**
 * The machine and source state a run happened in, recorded in its manifest (not in its key).
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { Environment } from './contract.ts';

export interface GitState {
  commit: string | null;
  dirty: boolean;
}

/** HEAD and whether the working tree differs from it (untracked files count); null outside a repository. */
export function gitState(root: string): GitState {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const commit = git('rev-parse', 'HEAD').trim();
    return { commit, dirty: git('status', '--porcelain').trim().length > 0 };
  } catch {
    return { commit: null, dirty: false };
  }
}

export function machine(): Omit<Environment, 'backend' | 'git'> {
  const cpus = os.cpus();
  return {
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cpus: cpus.length,
    memoryBytes: os.totalmem(),
  };
}
