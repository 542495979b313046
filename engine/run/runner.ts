/**
 * Running the cells a build misses: each job is handed to the executor (local child processes or Slurm
 * jobs) as soon as the results it uses are in the store, up to the executor's slots at once. A failure is
 * recorded by the run's supervisor and reported here with its log's last lines; the other cells go on,
 * except those that use the failed one. Aborting (Ctrl-C) stops local runs (Slurm jobs keep running).
 */
import type { Cell, KeyComponents } from '../contract.ts';
import type { ProgressDisplay } from './progress.ts';
import type { CellJob, CellOutcome } from './protocol.ts';
import type { Executor } from './executors/executor.ts';
import { projectPaths, repoPath } from '../commands/project.ts';

export interface RunJob {
  experimentId: string;
  sourceFile: string;
  label: string;
  cell?: Cell;
  key: string;
  components: KeyComponents;
  /** Run even when an artifact for the key exists, and replace it (make figure). */
  force: boolean;
  /** Use name -> the used run (its key is a job of this build when it must run first). */
  uses: Record<string, { experimentId: string; key: string; label: string }>;
}

export type RunOutcome = { experimentId: string; label: string; key: string } & CellOutcome;

export interface RunnerOptions {
  executor: Executor;
  display: ProgressDisplay;
  signal: AbortSignal;
}

export async function runJobs(root: string, jobs: readonly RunJob[], options: RunnerOptions): Promise<RunOutcome[]> {
  const { executor, display, signal } = options;
  const artifacts = projectPaths(root).artifacts;
  const pending = new Map(jobs.map((job) => [job.key, job]));
  const outcomes = new Map<string, RunOutcome>();
  const running = new Map<string, Promise<void>>();

  /** A job is ready when none of the jobs it uses is still to run; blocked when one of them did not succeed. */
  const readiness = (job: RunJob): 'ready' | 'waiting' | { blockedBy: string; name: string } => {
    for (const [name, use] of Object.entries(job.uses)) {
      if (pending.has(use.key) || running.has(use.key)) return 'waiting';
      const outcome = outcomes.get(use.key);
      if (outcome && outcome.status !== 'ran' && outcome.status !== 'cached') return { blockedBy: use.label, name };
    }
    return 'ready';
  };

  const start = (job: RunJob) => {
    pending.delete(job.key);
    const cellJob: CellJob = {
      root,
      artifacts,
      experimentFile: job.sourceFile,
      experimentId: job.experimentId,
      label: job.label,
      key: job.key,
      components: job.components,
      force: job.force,
      uses: Object.fromEntries(Object.entries(job.uses).map(([name, u]) => [name, { experimentId: u.experimentId, key: u.key }])),
      attached: true,
      reportToStore: false,
    };
    let shown = false;
    const show = () => {
      if (!shown) display.started(job.label);
      shown = true;
    };
    const promise = executor
      .run(
        cellJob,
        {
          started: show,
          progress: (state) => {
            show();
            display.progress(job.label, state);
          },
          waiting: (owner) => display.line(`wait   ${job.label}: another run (${owner}) holds this key`),
          line: (text) => display.line(text),
        },
        signal,
      )
      .catch((error: unknown): CellOutcome => ({ status: 'failed', seconds: 0, message: (error as Error).message, logPath: '(none)', logTail: [] }))
      .then((outcome) => {
        if (shown) display.finished(job.label);
        outcomes.set(job.key, { experimentId: job.experimentId, label: job.label, key: job.key, ...outcome });
        if (outcome.status === 'ran') {
          display.line(`ran    ${job.label} in ${outcome.seconds.toFixed(1)} s -> ${repoPath(root, outcome.dir)}${outcome.installed ? '' : ' (a concurrent build installed it first)'}`);
        }
        running.delete(job.key);
      });
    running.set(job.key, promise);
  };

  for (;;) {
    if (signal.aborted) {
      for (const job of pending.values()) outcomes.set(job.key, { experimentId: job.experimentId, label: job.label, key: job.key, status: 'interrupted', reason: 'interrupted' });
      pending.clear();
    }
    for (const job of [...pending.values()]) {
      if (running.size >= executor.slots) break;
      const state = readiness(job);
      if (state === 'ready') start(job);
      else if (state !== 'waiting') {
        pending.delete(job.key);
        const message = `not run: its use '${state.name}' (${state.blockedBy}) did not succeed`;
        outcomes.set(job.key, { experimentId: job.experimentId, label: job.label, key: job.key, status: 'failed', seconds: 0, message, logPath: '(none)', logTail: [] });
      }
    }
    if (running.size === 0) {
      if (pending.size === 0) break;
      // Only jobs waiting on jobs that are not part of this build: nothing can start them.
      for (const job of pending.values()) outcomes.set(job.key, { experimentId: job.experimentId, label: job.label, key: job.key, status: 'failed', seconds: 0, message: 'not run: a result it uses is missing', logPath: '(none)', logTail: [] });
      break;
    }
    await Promise.race(running.values());
  }
  return jobs.map((job) => outcomes.get(job.key)!);
}
