/**
 * Every setting a command takes, parsed strictly in one place: from the CLI's flags (which the
 * Makefile's variables become) and the environment. A bad value is an error naming the variable the
 * user typed and what it expects, never a default silently taken.
 */
import os from 'node:os';
import { PROFILES, type BackendName, type Profile } from '../contract.ts';
import { parseAvailableBackends, parseBackendRequest, type BackendRequest } from '../plan/backend.ts';
import { EXECUTORS, type ExecutorName } from '../run/executors/executor.ts';
import { slurmSettings } from '../run/executors/slurm.ts';
import { kernelThreads } from '../../kernels/threads/count.ts';

export interface Settings {
  profile: Profile;
  backend: BackendRequest;
  availableBackends: BackendName[];
  jobs: number;
  frozen: boolean;
  executor: ExecutorName;
  dryRun: boolean;
  debug: boolean;
}

/** What a flag or variable was given; undefined when absent. */
export interface RawSettings {
  profile?: string;
  backend?: string;
  jobs?: string;
  frozen?: string;
  executor?: string;
  dryRun?: string;
}

const TRUE = ['1', 'true', 'yes'];
const FALSE = ['0', 'false', 'no', ''];

export function parseSwitch(name: string, raw: string | undefined): boolean {
  if (raw === undefined) return false;
  const value = raw.trim().toLowerCase();
  if (TRUE.includes(value)) return true;
  if (FALSE.includes(value)) return false;
  throw new Error(`${name}=${JSON.stringify(raw)}: expected 1 or 0 (or true/false, yes/no)`);
}

/** JOBS: absent means one per core; given, it must be a plain whole number (not empty, `1e1`, `-1` or ` 2`). */
export function parseJobs(raw: string | undefined, cores = os.availableParallelism()): number {
  if (raw === undefined) return cores;
  if (!/^[1-9][0-9]{0,3}$/.test(raw)) throw new Error(`JOBS=${JSON.stringify(raw)}: expected a whole number of parallel runs from 1 to 9999 (leave JOBS unset for one per core, ${cores} here)`);
  return Number(raw);
}

/** PORT of make preview: 0 (any free port) to 65535; default 3000. */
export function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 3000;
  if (!/^[0-9]{1,5}$/.test(raw) || Number(raw) > 65535) throw new Error(`PORT=${JSON.stringify(raw)}: expected a port number from 0 (any free port) to 65535`);
  return Number(raw);
}

export function parseProfile(raw: string | undefined): Profile {
  const value = raw ?? 'local';
  if (!(PROFILES as readonly string[]).includes(value)) throw new Error(`PROFILE=${JSON.stringify(value)}: expected one of ${PROFILES.join(', ')}`);
  return value as Profile;
}

export function parseExecutor(raw: string | undefined): ExecutorName {
  const value = raw === undefined || raw === '' ? 'local' : raw;
  if (!(EXECUTORS as readonly string[]).includes(value)) throw new Error(`EXECUTOR=${JSON.stringify(value)}: expected ${EXECUTORS.join(' or ')}`);
  return value as ExecutorName;
}

export function parseSettings(raw: RawSettings, env: NodeJS.ProcessEnv = process.env): Settings {
  let backend: BackendRequest;
  try {
    backend = parseBackendRequest(raw.backend ?? 'auto');
  } catch (error) {
    throw new Error(`BACKEND=${JSON.stringify(raw.backend)}: ${(error as Error).message}`);
  }
  // The kernels read KERNEL_THREADS when they run; checked here too, so a typo is reported even when nothing runs.
  kernelThreads(env);
  const executor = parseExecutor(raw.executor);
  if (executor === 'slurm') slurmSettings(env);
  return {
    profile: parseProfile(raw.profile),
    backend,
    availableBackends: parseAvailableBackends(env.AVAILABLE_BACKENDS),
    jobs: parseJobs(raw.jobs),
    frozen: parseSwitch('FROZEN', raw.frozen),
    executor,
    dryRun: parseSwitch('DRY_RUN', raw.dryRun),
    debug: parseSwitch('DEBUG', env.DEBUG),
  };
}
