/**
 * A lock per cache key, so two builds at once never run the same experiment key twice: a lock file
 * created with O_EXCL holding the owner's pid. A lock whose owner is dead is stale and is broken by
 * renaming it aside (only one breaker's rename can succeed). Correctness of the cache never depends on
 * the lock (results are installed by an atomic rename); the lock only avoids duplicate work.
 */
import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { processAlive, randomId } from '../files/fsx.ts';

const EMPTY_LOCK_GRACE_MS = 10_000;

export interface KeyLock {
  release(): void;
}

function ownerPid(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function tryCreate(path: string): boolean {
  try {
    const fd = openSync(path, 'wx');
    writeSync(fd, `${process.pid}\n${new Date().toISOString()}\n`);
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** Break the lock at `path` if its owner is dead. */
export function breakIfStale(path: string): void {
  const pid = ownerPid(path);
  if (pid === null) {
    // Empty: its owner is between open and write, unless it died there long ago.
    try {
      if (Date.now() - statSync(path).mtimeMs < EMPTY_LOCK_GRACE_MS) return;
    } catch {
      return;
    }
  } else if (processAlive(pid)) return;
  const aside = `${path}.stale-${process.pid}-${randomId()}`;
  try {
    renameSync(path, aside);
  } catch {
    return; // someone else broke it first
  }
  if (ownerPid(aside) !== pid) {
    // Between our read and our rename the stale lock was broken and retaken: put the live one back.
    try {
      linkSync(aside, path);
    } catch {
      // a third process holds the lock now; the live lock we moved is lost, which only risks duplicate work
    }
  }
  rmSync(aside, { force: true });
}

/**
 * Take the lock at `path`, waiting while another live process holds it. `onWait` is called once when
 * waiting starts. Rejects when `signal` aborts.
 */
export async function acquireLock(path: string, signal: AbortSignal, onWait: (ownerPid: number | null) => void): Promise<KeyLock> {
  let waited = false;
  for (;;) {
    if (signal.aborted) throw signal.reason ?? new Error('aborted');
    if (tryCreate(path)) {
      return { release: () => rmSync(path, { force: true }) };
    }
    breakIfStale(path);
    if (!waited) {
      waited = true;
      onWait(ownerPid(path));
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}
