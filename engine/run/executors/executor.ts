/**
 * Where a cell runs. The runner hands each job to an executor, which starts a supervisor
 * (engine/run/supervise.ts) for it somewhere and reports what it says until the run ends.
 *   local   child processes of the build (EXECUTOR=local, the default)
 *   slurm   one Slurm job per cell, on a store every node shares (EXECUTOR=slurm)
 */
import type { CellJob, CellOutcome, ProgressState } from '../protocol.ts';

export interface RunEvents {
  /** The supervisor took the key's lease and starts the worker. */
  started(): void;
  progress(state: ProgressState): void;
  /** Another run of the same key holds the lease; this one waits. */
  waiting(owner: string): void;
  /** A line for the terminal (a submitted job's id). */
  line(text: string): void;
}

export interface Executor {
  readonly name: 'local' | 'slurm';
  /** How many runs may be in flight at once. */
  readonly slots: number;
  run(job: CellJob, events: RunEvents, signal: AbortSignal): Promise<CellOutcome>;
  /** The command that would run the job (DRY_RUN=1 prints it instead). */
  describe(job: CellJob): string;
}

export const EXECUTORS = ['local', 'slurm'] as const;
export type ExecutorName = (typeof EXECUTORS)[number];
