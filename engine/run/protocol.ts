/**
 * What the processes of a run say to each other.
 *
 *   build --CellJob--> supervisor (supervise.ts: where the cell runs; a local child or a Slurm job)
 *   supervisor --WorkerJob--> worker (worker.ts: imports the experiment and runs it)
 *
 * A job goes in as a JSON line on stdin (a local supervisor, a worker) or as a job file in the store (a
 * Slurm job). Answers are JSON lines on fd 3, leaving stdout and stderr to the experiment (run.log).
 * A supervisor started by Slurm has no pipe to the build: it writes its progress and outcome into the
 * store instead (`.progress-<key12>.json`), which the build polls.
 */
import type { BackendName, Cell, Json, KeyComponents, Profile } from '../contract.ts';

/** One cell to run, as the build hands it to a supervisor. */
export interface CellJob {
  root: string;
  /** The artifact store (absolute), shared by every node that runs cells. */
  artifacts: string;
  /** Repository-relative path of experiment.ts. */
  experimentFile: string;
  experimentId: string;
  label: string;
  key: string;
  components: KeyComponents;
  /** Run even when an artifact for the key exists, and replace it (make figure). */
  force: boolean;
  /** Use name -> the used run's experiment and key (its artifact must exist when this job starts). */
  uses: Record<string, { experimentId: string; key: string }>;
  /** Local: stdin is the build's pipe, and its end (the build died) stops the run. */
  attached: boolean;
  /** Write progress and outcome into the store (Slurm: nobody reads fd 3). */
  reportToStore: boolean;
}

/** One experiment run, as a supervisor hands it to the worker. */
export interface WorkerJob {
  root: string;
  /** Repository-relative path of experiment.ts. */
  experimentFile: string;
  experimentId: string;
  profile: Profile;
  backend: BackendName;
  /** The params the key was computed from; the worker re-validates and must get the same. */
  params: Json;
  seeds: number[];
  cell: Cell;
  /** Absolute path of the temp folder results are written into. */
  outDir: string;
  /** Absolute path of the key's scratch folder (checkpoints). */
  scratchDir: string;
  /** Dataset id -> declared file -> sha256 the key was computed from. */
  data: Record<string, Record<string, string>>;
  /** Use name -> the used artifact's folder and key. */
  uses: Record<string, { dir: string; key: string }>;
}

export interface ProgressState {
  step: number;
  total: number;
  unit?: string;
  loss?: number;
  note?: string;
}

export type WorkerMessage =
  | ({ type: 'progress' } & ProgressState)
  | {
      type: 'done';
      peakRssBytes: number;
      dataRead: Record<string, Record<string, string>>;
      backend: { name: BackendName; version: string; details?: Record<string, Json> };
    }
  | { type: 'error'; message: string; stack?: string; peakRssBytes: number };

/** How a supervised run ended. */
export type CellOutcome =
  | { status: 'ran'; seconds: number; dir: string; installed: boolean }
  /** Another build or job produced the artifact while this one waited for the key's lease. */
  | { status: 'cached'; dir: string }
  | { status: 'failed'; seconds: number; message: string; logPath: string; logTail: string[] }
  /** Stopped from outside (Ctrl-C, scancel, a time limit): no result, the checkpoint kept. */
  | { status: 'interrupted'; reason: string };

export type SupervisorMessage =
  | ({ type: 'progress' } & ProgressState)
  | { type: 'started' }
  | { type: 'wait'; owner: string }
  | { type: 'outcome'; outcome: CellOutcome };

/** What a supervisor that reports to the store leaves in `.progress-<key12>.json`. */
export interface StoreReport {
  /** Host and pid of the supervisor, and when it last wrote. */
  host: string;
  pid: number;
  at: string;
  progress: ProgressState | null;
  outcome: CellOutcome | null;
}

export const MESSAGE_FD = 3;

/**
 * A job sent as the first line of stdin. Stdin stays open (and flowing) afterwards, so that its end,
 * the sender's exit, can still be noticed.
 */
export function readJobLine<T>(): Promise<T> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      process.stdin.off('data', onData);
      process.stdin.on('data', () => {});
      resolve(JSON.parse(buffered.slice(0, newline)) as T);
    };
    process.stdin.on('data', onData);
    process.stdin.once('end', () => reject(new Error('stdin closed before the job arrived')));
  });
}
