/**
 * Running the experiments a build misses: each in a worker child process (zx), up to `jobs` at once,
 * each under its key's lock, writing into a temp folder that becomes the artifact only on success.
 * A failure is recorded (failed-<key12>.json + .log) and reported with its log's last lines; the other
 * experiments go on. Aborting (Ctrl-C) stops the children and removes their temp folders.
 */
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { BackendName, Environment, Json, KeyComponents, Manifest } from '../contract.ts';
import type { Clock } from '../commands/effects.ts';
import type { FingerprintCache } from '../files/fingerprints.ts';
import type { ProgressDisplay } from './progress.ts';
import { sha256, prettyJson } from '../files/hash.ts';
import { gitState, machine, type GitState } from './environment.ts';
import { acquireLock } from '../store/lock.ts';
import { MESSAGE_FD, type WorkerJob, type WorkerMessage } from './protocol.ts';
import { resultFiles } from '../store/results.ts';
import { startTsx } from './spawn.ts';
import { writeFileAtomic } from '../files/fsx.ts';
import { artifactDir, clearFailure, commitArtifact, createTempDir, experimentStore, failurePaths, recordFailure, verifyArtifact, KEY_PREFIX } from '../store/store.ts';
import { repoPath } from '../commands/project.ts';

export interface RunJob {
  experimentId: string;
  sourceFile: string;
  key: string;
  components: KeyComponents;
  /** Run even when an artifact for the key exists, and replace it (make figure). */
  force: boolean;
}

export type RunOutcome =
  | { experimentId: string; status: 'ran'; seconds: number; dir: string; manifest: Manifest }
  /** A concurrent build produced the artifact while this one waited for the key's lock. */
  | { experimentId: string; status: 'cached'; dir: string; manifest: Manifest }
  | { experimentId: string; status: 'failed'; seconds: number; message: string; logPath: string; logTail: string[] }
  | { experimentId: string; status: 'interrupted' };

export interface RunnerOptions {
  jobs: number;
  display: ProgressDisplay;
  clock: Clock;
  signal: AbortSignal;
  fingerprints: FingerprintCache;
}

const KILL_GRACE_MS = 3000;
const LOG_TAIL_LINES = 20;

export async function runExperiments(root: string, jobs: readonly RunJob[], options: RunnerOptions): Promise<RunOutcome[]> {
  const queue = [...jobs];
  const outcomes: RunOutcome[] = [];
  let git: GitState | null = null;
  const context = { root, options, git: () => (git ??= gitState(root)) };
  const lanes = Array.from({ length: Math.max(1, Math.min(options.jobs, queue.length)) }, async () => {
    for (let job = queue.shift(); job; job = queue.shift()) outcomes.push(await runOne(context, job));
  });
  await Promise.all(lanes);
  return outcomes;
}

interface RunContextInternal {
  root: string;
  options: RunnerOptions;
  git(): GitState;
}

async function runOne(context: RunContextInternal, job: RunJob): Promise<RunOutcome> {
  const { root, options } = context;
  if (options.signal.aborted) return { experimentId: job.experimentId, status: 'interrupted' };
  const finalDir = artifactDir(root, job.experimentId, job.key);
  const lockPath = join(experimentStore(root, job.experimentId), `.lock-${job.key.slice(0, KEY_PREFIX)}`);
  let lock;
  try {
    mkdirSync(experimentStore(root, job.experimentId), { recursive: true });
    lock = await acquireLock(lockPath, options.signal, (pid) =>
      options.display.line(`wait   ${job.experimentId}: another build (pid ${pid ?? '?'}) is running this key`),
    );
  } catch {
    return { experimentId: job.experimentId, status: 'interrupted' };
  }
  try {
    if (!job.force) {
      const verified = await verifyArtifact(finalDir, options.fingerprints, job.key);
      if (verified.ok) return { experimentId: job.experimentId, status: 'cached', dir: finalDir, manifest: verified.manifest };
    }
    // A folder that is there but did not verify (corrupted) is replaced like a forced one.
    return await runWorker(context, job, finalDir, job.force || existsSync(finalDir));
  } finally {
    lock.release();
  }
}

async function runWorker(context: RunContextInternal, job: RunJob, finalDir: string, replace: boolean): Promise<RunOutcome> {
  const { root, options } = context;
  const tempDir = createTempDir(root, job.experimentId);
  const startedAt = options.clock.now();
  const log = createWriteStream(join(tempDir, 'run.log'));
  const workerJob: WorkerJob = {
    root,
    experimentFile: job.sourceFile,
    experimentId: job.experimentId,
    profile: job.components.profile,
    backend: job.components.backend,
    params: job.components.params,
    seeds: job.components.seeds,
    outDir: tempDir,
    data: job.components.data,
  };
  options.display.started(job.experimentId);
  let done: Extract<WorkerMessage, { type: 'done' }> | null = null;
  let failure: Extract<WorkerMessage, { type: 'error' }> | null = null;
  try {
    const { child } = await startTsx(root, join(import.meta.dirname, 'worker.ts'), [], { ...process.env, FORCE_COLOR: '0' });
    // The job goes in on stdin, which then stays open: the worker stops when this process dies.
    child.stdin.write(JSON.stringify(workerJob) + '\n');
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    const lines = createInterface({ input: child.child!.stdio[MESSAGE_FD] as NodeJS.ReadableStream });
    const linesClosed = new Promise<void>((resolve) => lines.once('close', resolve));
    lines.on('line', (line) => {
      let message: WorkerMessage;
      try {
        message = JSON.parse(line) as WorkerMessage;
      } catch {
        return;
      }
      if (message.type === 'progress') options.display.progress(job.experimentId, message);
      else if (message.type === 'done') done = message;
      else failure = message;
    });
    const stop = () => {
      void child.kill('SIGTERM');
      setTimeout(() => void child.kill('SIGKILL').catch(() => {}), KILL_GRACE_MS).unref();
    };
    options.signal.addEventListener('abort', stop, { once: true });
    const exit = await child;
    options.signal.removeEventListener('abort', stop);
    child.stdin.end();
    // The message pipe closes with the worker; a grandchild still holding it open must not hang the build.
    await Promise.race([linesClosed, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
    lines.close();
    await new Promise<void>((resolve) => log.end(resolve));
    const seconds = (options.clock.now() - startedAt) / 1000;
    options.display.finished(job.experimentId);

    if (options.signal.aborted) {
      rmSync(tempDir, { recursive: true, force: true });
      return { experimentId: job.experimentId, status: 'interrupted' };
    }
    const finished = done as Extract<WorkerMessage, { type: 'done' }> | null;
    if (exit.exitCode === 0 && finished) {
      const manifest = await successManifest(context, job, tempDir, startedAt, finished);
      writeFileAtomic(join(tempDir, 'manifest.json'), prettyJson(manifest));
      const installed = commitArtifact(tempDir, finalDir, replace);
      clearFailure(root, job.experimentId, job.key);
      options.display.line(`ran    ${job.experimentId} in ${seconds.toFixed(1)} s -> ${repoPath(root, finalDir)}${installed ? '' : ' (a concurrent build installed it first)'}`);
      return { experimentId: job.experimentId, status: 'ran', seconds, dir: finalDir, manifest };
    }
    const failed = failure as Extract<WorkerMessage, { type: 'error' }> | null;
    const message = failed?.message ?? (exit.signal ? `the worker was killed by ${exit.signal}` : `the worker exited with code ${exit.exitCode}`);
    const logText = readFileSync(join(tempDir, 'run.log'), 'utf8');
    rmSync(tempDir, { recursive: true, force: true });
    const manifest = failureManifest(context, job, startedAt, message, failed);
    recordFailure(root, manifest, logText);
    const logPath = repoPath(root, failurePaths(root, job.experimentId, job.key).log);
    return {
      experimentId: job.experimentId,
      status: 'failed',
      seconds,
      message,
      logPath,
      logTail: logText.trimEnd().split('\n').slice(-LOG_TAIL_LINES),
    };
  } catch (error) {
    options.display.finished(job.experimentId);
    rmSync(tempDir, { recursive: true, force: true });
    throw error;
  }
}

function environment(context: RunContextInternal, backend: Environment['backend']): Environment {
  return { ...machine(), backend, git: context.git() };
}

async function successManifest(
  context: RunContextInternal,
  job: RunJob,
  tempDir: string,
  startedAt: number,
  done: Extract<WorkerMessage, { type: 'done' }>,
): Promise<Manifest> {
  const files: Record<string, string> = {};
  for (const file of resultFiles(tempDir)) files[file] = sha256(readFileSync(join(tempDir, file)));
  return {
    schema: 1,
    experimentId: job.experimentId,
    key: job.key,
    components: job.components,
    status: 'ok',
    environment: environment(context, done.backend),
    startedAt: new Date(startedAt).toISOString(),
    durationMs: Math.round(context.options.clock.now() - startedAt),
    peakRssBytes: done.peakRssBytes,
    dataRead: done.dataRead,
    files,
  };
}

function failureManifest(
  context: RunContextInternal,
  job: RunJob,
  startedAt: number,
  message: string,
  reported: Extract<WorkerMessage, { type: 'error' }> | null,
): Manifest {
  const stack = reported?.stack;
  const backend: { name: BackendName; version: string; details?: Record<string, Json> } = { name: job.components.backend, version: 'unknown' };
  return {
    schema: 1,
    experimentId: job.experimentId,
    key: job.key,
    components: job.components,
    status: 'failed',
    error: stack ? { message, stack } : { message },
    environment: environment(context, backend),
    startedAt: new Date(startedAt).toISOString(),
    durationMs: Math.round(context.options.clock.now() - startedAt),
    // A worker killed from outside cannot report its memory: 0 means unknown.
    peakRssBytes: reported?.peakRssBytes ?? 0,
    dataRead: {},
    files: {},
  };
}
