/**
 * The Slurm executor: each cell that must run becomes one Slurm job (`sbatch --wrap`) whose command is
 * the cell's supervisor, reading its job file from the shared store. The job needs nothing from the
 * build once submitted: it takes the key's lease, runs, installs its artifact and writes its outcome
 * into the store, where the build reads progress and the outcome (`.progress-<key12>.json`). A build
 * that is stopped (Ctrl-C) leaves submitted jobs running; the next build finds their artifacts, or
 * waits for the jobs still in the queue instead of submitting them again.
 *
 * Settings (environment): SLURM_PARTITION, SLURM_TIME (sbatch --time), SLURM_CPUS (--cpus-per-task),
 * SLURM_MEM (--mem), SLURM_GPUS (GPUs per webgpu cell, default 1: --gres=gpu:N), SLURM_FLAGS (extra
 * sbatch flags, split on spaces).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeFileAtomic } from '../../files/fsx.ts';
import { tsxImport } from '../spawn.ts';
import { SUPERVISOR } from './local.ts';
import type { CellJob, CellOutcome, StoreReport } from '../protocol.ts';
import type { Executor, RunEvents } from './executor.ts';

const run = promisify(execFile);
const POLL_MS = 1000;
const KEY_PREFIX = 12;

export interface SlurmSettings {
  partition: string | null;
  time: string | null;
  cpus: number | null;
  mem: string | null;
  gpus: number;
  flags: string[];
}

export function slurmSettings(env: NodeJS.ProcessEnv = process.env): SlurmSettings {
  const positive = (name: string): number | null => {
    const raw = env[name];
    if (raw === undefined || raw === '') return null;
    if (!/^[1-9][0-9]*$/.test(raw.trim())) throw new Error(`${name}=${JSON.stringify(raw)}: expected a positive whole number`);
    return Number(raw);
  };
  return {
    partition: env.SLURM_PARTITION?.trim() || null,
    time: env.SLURM_TIME?.trim() || null,
    cpus: positive('SLURM_CPUS'),
    mem: env.SLURM_MEM?.trim() || null,
    gpus: positive('SLURM_GPUS') ?? 1,
    flags: (env.SLURM_FLAGS ?? '').split(/\s+/).filter(Boolean),
  };
}

const paths = (job: CellJob) => {
  const store = join(job.artifacts, job.experimentId);
  const key12 = job.key.slice(0, KEY_PREFIX);
  return { store, jobFile: join(store, `.job-${key12}.json`), report: join(store, `.progress-${key12}.json`), log: join(store, `.slurm-${key12}-%j.log`) };
};

/** Resource flags for the job: those of the settings, plus a GPU for cells that run on WebGPU. */
export function resourceFlags(settings: SlurmSettings, backend: string): string[] {
  return [
    ...(settings.partition ? [`--partition=${settings.partition}`] : []),
    ...(settings.time ? [`--time=${settings.time}`] : []),
    ...(settings.cpus ? [`--cpus-per-task=${settings.cpus}`] : []),
    ...(settings.mem ? [`--mem=${settings.mem}`] : []),
    ...(backend === 'webgpu' ? [`--gres=gpu:${settings.gpus}`] : []),
    ...settings.flags,
  ];
}

export function sbatchArgs(job: CellJob, settings: SlurmSettings): string[] {
  const p = paths(job);
  const command = `exec ${quote(process.execPath)} --import ${quote(tsxImport())} ${quote(SUPERVISOR)} ${quote(p.jobFile)}`;
  return ['--parsable', `--job-name=${job.label}`, `--output=${p.log}`, `--chdir=${job.root}`, '--export=ALL', ...resourceFlags(settings, job.components.backend), `--wrap=${command}`];
}

const quote = (s: string) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`);

/** A job's state from squeue (while queued or running) or scontrol (shortly after it ended); null when Slurm forgot it. */
async function jobState(id: string): Promise<string | null> {
  try {
    const { stdout } = await run('squeue', ['-h', '-j', id, '-o', '%T']);
    if (stdout.trim()) return stdout.trim();
  } catch {
    // an id squeue no longer knows
  }
  try {
    const { stdout } = await run('scontrol', ['show', 'job', id, '-o']);
    return /JobState=(\S+)/.exec(stdout)?.[1] ?? null;
  } catch {
    return null;
  }
}

const ACTIVE = new Set(['PENDING', 'CONFIGURING', 'RUNNING', 'COMPLETING', 'SUSPENDED', 'REQUEUED', 'RESIZING']);

function readReport(path: string): StoreReport | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as StoreReport;
  } catch {
    return null;
  }
}

export function slurmExecutor(settings: SlurmSettings = slurmSettings()): Executor {
  return {
    name: 'slurm',
    slots: Number.MAX_SAFE_INTEGER,
    describe: (job) => ['sbatch', ...sbatchArgs(job, settings)].map(quote).join(' '),
    async run(job: CellJob, events: RunEvents, signal: AbortSignal): Promise<CellOutcome> {
      const p = paths(job);
      const detached: CellJob = { ...job, attached: false, reportToStore: true };
      // A job of this key submitted by an earlier build and still queued or running: wait for it instead.
      let id: string | null = null;
      if (existsSync(p.jobFile)) {
        const previous = (JSON.parse(readFileSync(p.jobFile, 'utf8')) as { slurmJobId?: string }).slurmJobId ?? null;
        if (previous && ACTIVE.has((await jobState(previous)) ?? '')) {
          id = previous;
          events.line(`wait   ${job.label}: Slurm job ${id}, submitted earlier, is still ${await jobState(id)}`);
        }
      }
      if (id === null) {
        rmSync(p.report, { force: true });
        writeFileAtomic(p.jobFile, JSON.stringify(detached) + '\n');
        const { stdout } = await run('sbatch', sbatchArgs(job, settings)).catch((error: { stderr?: string; message: string }) => {
          throw new Error(`sbatch failed for ${job.label}: ${(error.stderr || error.message).trim()}`);
        });
        id = stdout.trim().split(';')[0]!;
        writeFileAtomic(p.jobFile, JSON.stringify({ ...detached, slurmJobId: id }) + '\n');
        events.line(`submit ${job.label}: Slurm job ${id} (log ${p.log.replace('%j', id)})`);
      }
      let started = false;
      for (;;) {
        if (signal.aborted) return { status: 'interrupted', reason: `stopped waiting; Slurm job ${id} keeps running (scancel ${id} stops it)` };
        const report = readReport(p.report);
        if (report?.progress) {
          if (!started) events.started();
          started = true;
          events.progress(report.progress);
        }
        if (report?.outcome) return report.outcome;
        const state = await jobState(id);
        if (state === null || !ACTIVE.has(state)) {
          // The job ended: its outcome may have landed just before.
          const last = readReport(p.report);
          if (last?.outcome) return last.outcome;
          const log = p.log.replace('%j', id);
          const tail = existsSync(log) ? readFileSync(log, 'utf8').trimEnd().split('\n').slice(-20) : [];
          return {
            status: 'failed',
            seconds: 0,
            message: `Slurm job ${id} ended (${state ?? 'gone'}) without a result: cancelled, preempted or out of time? Its checkpoint is kept; the next build resumes it`,
            logPath: log,
            logTail: tail,
          };
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    },
  };
}

/** Whether a Slurm controller answers here. */
export async function slurmReachable(): Promise<boolean> {
  try {
    await run('sinfo', ['-h', '-o', '%P']);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolve BACKEND=auto on a compute node rather than on the submitting host: one `srun` with the
 * cells' resource flags runs the engine's backend probe there.
 */
export async function resolveBackendOnNode(root: string, settings: SlurmSettings, requested: string): Promise<string> {
  const flags = resourceFlags(settings, requested);
  const { stdout } = await run('srun', ['--quiet', '--ntasks=1', `--chdir=${root}`, ...flags, process.execPath, '--import', tsxImport(), join(import.meta.dirname, '..', '..', 'plan', 'resolve-backend.ts'), requested], { cwd: root }).catch(
    (error: { stderr?: string; message: string }) => {
      throw new Error(`srun (resolving BACKEND=${requested} on a compute node) failed: ${(error.stderr || error.message).trim()}`);
    },
  );
  return stdout.trim().split('\n').pop()!.trim();
}
