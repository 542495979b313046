/**
 * What the build process and a worker say to each other. The job goes in as a JSON line on stdin; the worker
 * answers with JSON lines on fd 3 (stdout and stderr stay free for the experiment and go to run.log).
 */
import type { BackendName, Json, Profile } from '../contract.ts';

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
  /** Absolute path of the temp folder results are written into. */
  outDir: string;
  /** Dataset id -> declared file -> sha256 the key was computed from. */
  data: Record<string, Record<string, string>>;
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

export const MESSAGE_FD = 3;
