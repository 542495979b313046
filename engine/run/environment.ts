/**
 * The machine and source state a run happened in, recorded in its manifest (not in its key).
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { Environment } from '../contract.ts';

export interface GitState {
  commit: string | null;
  dirty: boolean;
}

/**
 * The commit the sources came from, and whether they differ from it (untracked files count; artifacts/ does
 * not). A sender that copied the tree elsewhere (to a GPU host, into a bundle) states it as SOURCE_COMMIT
 * and SOURCE_DIRTY=1, and its statement wins: the copy's own git state, if it has one, may be another
 * commit's with the sender's changes on top. Otherwise HEAD and `git status`; outside a repository, null.
 */
export function gitState(root: string, env: NodeJS.ProcessEnv = process.env): GitState {
  const stated = env.SOURCE_COMMIT?.trim();
  if (stated) {
    if (!/^[0-9a-f]{7,40}$/.test(stated)) throw new Error(`SOURCE_COMMIT=${JSON.stringify(stated)}: expected a commit sha (7 to 40 hex digits)`);
    return { commit: stated, dirty: env.SOURCE_DIRTY === '1' };
  }
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const commit = git('rev-parse', 'HEAD').trim();
    // The artifact store is written by builds themselves: its state says nothing about the sources.
    return { commit, dirty: git('status', '--porcelain', '--', '.', ':(exclude)artifacts').trim().length > 0 };
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
