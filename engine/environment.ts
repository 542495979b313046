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

/**
 * HEAD and whether the working tree differs from it (untracked files count; artifacts/ does not). Outside a repository (a copy
 * of the tree sent to a GPU host, an unpacked bundle) the sender may state it as SOURCE_COMMIT and
 * SOURCE_DIRTY=1; otherwise the commit is null.
 */
export function gitState(root: string, env: NodeJS.ProcessEnv = process.env): GitState {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const commit = git('rev-parse', 'HEAD').trim();
    // The artifact store is written by builds themselves: its state says nothing about the sources.
    return { commit, dirty: git('status', '--porcelain', '--', '.', ':(exclude)artifacts').trim().length > 0 };
  } catch {
    const stated = env.SOURCE_COMMIT?.trim();
    return stated && /^[0-9a-f]{7,40}$/.test(stated) ? { commit: stated, dirty: env.SOURCE_DIRTY === '1' } : { commit: null, dirty: false };
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
