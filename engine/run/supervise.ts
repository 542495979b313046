/**
 * The supervisor of one cell's run, started where the cell runs: by the local executor as a child of
 * the build, or by Slurm on a compute node. It needs nothing from the build once started:
 *   1. takes the key's lease (waiting while a live run of the same key holds it, then taking the
 *      artifact that run installed, unless forced);
 *   2. runs the worker (worker.ts) in a temp folder, its stdout and stderr into run.log;
 *   3. on success writes the sealed manifest (machine, backend and adapter of this node), installs the
 *      folder by an atomic rename, clears the key's failure record and its scratch (checkpoints);
 *      on failure records it (failed-<key12>.json + .log) and keeps the scratch, so a rerun resumes.
 * It reports on fd 3 (local) or into the store (Slurm), see protocol.ts.
 *
 * Usage: node --import tsx engine/run/supervise.ts [<job file>]   (without one, the job is read from stdin)
 */
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Environment, Manifest } from '../contract.ts';
import { prettyJson, sha256 } from '../files/hash.ts';
import { writeFileAtomic } from '../files/fsx.ts';
import { repoPath } from '../commands/project.ts';
import { acquireLock, thisHost } from '../store/lock.ts';
import { sealManifest } from '../store/manifest.ts';
import { blobFiles, BLOBS_DIR, resultFiles } from '../store/results.ts';
import { scratchDir, removeScratch } from '../store/checkpoint.ts';
import { artifactDir, clearFailure, commitArtifact, createTempDir, experimentStore, failurePaths, lockPath, recordFailure, verifyArtifact, KEY_PREFIX } from '../store/store.ts';
import { FingerprintCache } from '../files/fingerprints.ts';
import { gitState, machine } from './environment.ts';
import { startTsx } from './spawn.ts';
import { MESSAGE_FD, readJobLine, type CellJob, type CellOutcome, type ProgressState, type StoreReport, type SupervisorMessage, type WorkerJob, type WorkerMessage } from './protocol.ts';

const KILL_GRACE_MS = 3000;
const LOG_TAIL_LINES = 20;
const STORE_REPORT_INTERVAL_MS = 1000;

function readJob(): Promise<CellJob> {
  const file = process.argv[2];
  if (file) return Promise.resolve(JSON.parse(readFileSync(file, 'utf8')) as CellJob);
  return readJobLine<CellJob>();
}

const job = await readJob();
// Every store path below derives from the job's store, also on a node whose environment differs.
process.env.ARTIFACTS_DIR = job.artifacts;
const root = job.root;
const store = experimentStore(root, job.experimentId);
const reportPath = join(store, `.progress-${job.key.slice(0, KEY_PREFIX)}.json`);
const hasPipe = !job.reportToStore;

let lastProgress: ProgressState | null = null;
let lastStoreWrite = 0;
function writeStoreReport(outcome: CellOutcome | null): void {
  const report: StoreReport = { host: thisHost(), pid: process.pid, at: new Date().toISOString(), progress: lastProgress, outcome };
  writeFileAtomic(reportPath, JSON.stringify(report) + '\n');
  lastStoreWrite = Date.now();
}

function say(message: SupervisorMessage): void {
  if (message.type === 'progress') lastProgress = message;
  if (hasPipe) {
    const line = Buffer.from(JSON.stringify(message) + '\n');
    for (let offset = 0; offset < line.length; ) {
      try {
        offset += writeSync(MESSAGE_FD, line, offset);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      }
    }
  }
  if (job.reportToStore && (message.type !== 'progress' || Date.now() - lastStoreWrite > STORE_REPORT_INTERVAL_MS)) {
    writeStoreReport(message.type === 'outcome' ? message.outcome : null);
  }
}

const controller = new AbortController();
let stopWorker: ((signal: NodeJS.Signals) => void) | null = null;
function abort(reason: string, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (controller.signal.aborted) return;
  controller.abort(new Error(reason));
  stopWorker?.(signal);
}
process.on('SIGINT', () => abort('interrupted (SIGINT)', 'SIGINT'));
process.on('SIGTERM', () => abort('terminated (SIGTERM): cancelled, preempted or out of time', 'SIGTERM'));
if (job.attached) {
  process.stdin.on('end', () => abort('the build process went away'));
  process.stdin.resume();
}

function environment(backend: Environment['backend']): Environment {
  const slurmJob = process.env.SLURM_JOB_ID;
  return {
    ...machine(),
    host: thisHost(),
    backend,
    git: gitState(root),
    ...(slurmJob ? { slurm: { jobId: slurmJob, partition: process.env.SLURM_JOB_PARTITION ?? null, node: process.env.SLURMD_NODENAME ?? null } } : {}),
  };
}

async function runWorker(tempDir: string, finalDir: string, replace: boolean): Promise<CellOutcome> {
  const startedAt = Date.now();
  const scratch = scratchDir(store, job.key);
  const workerJob: WorkerJob = {
    root,
    experimentFile: job.experimentFile,
    experimentId: job.experimentId,
    profile: job.components.profile,
    backend: job.components.backend,
    params: job.components.params,
    seeds: job.components.seeds,
    cell: job.components.cell ?? {},
    outDir: tempDir,
    scratchDir: scratch,
    data: job.components.data,
    uses: Object.fromEntries(Object.entries(job.uses).map(([name, u]) => [name, { dir: artifactDir(root, u.experimentId, u.key), key: u.key }])),
  };
  const log = createWriteStream(join(tempDir, 'run.log'));
  let done: Extract<WorkerMessage, { type: 'done' }> | null = null;
  let failure: Extract<WorkerMessage, { type: 'error' }> | null = null;
  const { child } = await startTsx(root, join(import.meta.dirname, 'worker.ts'), [], { ...process.env, FORCE_COLOR: '0' });
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
    if (message.type === 'progress') say(message);
    else if (message.type === 'done') done = message;
    else failure = message;
  });
  stopWorker = (signal) => {
    void child.kill(signal);
    setTimeout(() => void child.kill('SIGKILL').catch(() => {}), KILL_GRACE_MS).unref();
  };
  if (controller.signal.aborted) stopWorker('SIGTERM');
  const exit = await child;
  child.stdin.end();
  // The message pipe closes with the worker; a grandchild still holding it open must not hang us.
  await Promise.race([linesClosed, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
  lines.close();
  await new Promise<void>((resolve) => log.end(resolve));
  const seconds = (Date.now() - startedAt) / 1000;

  if (controller.signal.aborted) {
    rmSync(tempDir, { recursive: true, force: true });
    return { status: 'interrupted', reason: (controller.signal.reason as Error).message };
  }
  const finished = done as Extract<WorkerMessage, { type: 'done' }> | null;
  if (exit.exitCode === 0 && finished) {
    const files: Record<string, string> = {};
    for (const file of resultFiles(tempDir)) files[file] = sha256(readFileSync(join(tempDir, file)));
    const blobs: NonNullable<Manifest['blobs']> = {};
    for (const name of blobFiles(tempDir)) {
      const bytes = readFileSync(join(tempDir, BLOBS_DIR, name));
      blobs[name] = { sha256: sha256(bytes), bytes: bytes.length };
    }
    const manifest: Manifest = {
      schema: 1,
      experimentId: job.experimentId,
      key: job.key,
      components: job.components,
      status: 'ok',
      environment: environment(finished.backend),
      startedAt: new Date(startedAt).toISOString(),
      durationMs: Math.round(Date.now() - startedAt),
      peakRssBytes: finished.peakRssBytes,
      dataRead: finished.dataRead,
      files,
      ...(Object.keys(blobs).length ? { blobs } : {}),
    };
    writeFileAtomic(join(tempDir, 'manifest.json'), prettyJson(sealManifest(manifest)));
    const installed = commitArtifact(tempDir, finalDir, replace);
    clearFailure(root, job.experimentId, job.key);
    removeScratch(scratch);
    return { status: 'ran', seconds, dir: finalDir, installed };
  }
  const failed = failure as Extract<WorkerMessage, { type: 'error' }> | null;
  const message = failed?.message ?? (exit.signal ? `the worker was killed by ${exit.signal}` : `the worker exited with code ${exit.exitCode}`);
  const logText = readFileSync(join(tempDir, 'run.log'), 'utf8');
  rmSync(tempDir, { recursive: true, force: true });
  recordFailure(
    root,
    {
      schema: 1,
      experimentId: job.experimentId,
      key: job.key,
      components: job.components,
      status: 'failed',
      error: failed?.stack ? { message, stack: failed.stack } : { message },
      environment: environment({ name: job.components.backend, version: 'unknown' }),
      startedAt: new Date(startedAt).toISOString(),
      durationMs: Math.round(Date.now() - startedAt),
      // A worker killed from outside cannot report its memory: 0 means unknown.
      peakRssBytes: failed?.peakRssBytes ?? 0,
      dataRead: {},
      files: {},
    },
    logText,
  );
  return {
    status: 'failed',
    seconds,
    message,
    logPath: repoPath(root, failurePaths(root, job.experimentId, job.key).log),
    logTail: logText.trimEnd().split('\n').slice(-LOG_TAIL_LINES),
  };
}

async function main(): Promise<CellOutcome> {
  const finalDir = artifactDir(root, job.experimentId, job.key);
  const fingerprints = FingerprintCache.load(null);
  mkdirSync(store, { recursive: true });
  let lock;
  try {
    lock = await acquireLock(lockPath(root, job.experimentId, job.key), controller.signal, (owner) =>
      say({ type: 'wait', owner: owner ? `${owner.host} pid ${owner.pid}` : 'an unknown owner' }),
    );
  } catch (error) {
    if (!controller.signal.aborted) throw error;
    return { status: 'interrupted', reason: (controller.signal.reason as Error).message };
  }
  try {
    if (!job.force) {
      const verified = await verifyArtifact(finalDir, fingerprints, job.key);
      if (verified.ok) return { status: 'cached', dir: finalDir };
    }
    for (const [name, used] of Object.entries(job.uses)) {
      const dir = artifactDir(root, used.experimentId, used.key);
      const verified = await verifyArtifact(dir, fingerprints, used.key);
      if (!verified.ok) throw new Error(`use '${name}': the result of ${used.experimentId} (key ${used.key.slice(0, KEY_PREFIX)}) is not in the store: ${verified.reason}`);
    }
    say({ type: 'started' });
    // A folder that is there but did not verify (corrupted) is replaced like a forced one.
    return await runWorker(createTempDir(root, job.experimentId, job.key), finalDir, job.force || existsSync(finalDir));
  } finally {
    lock.release();
  }
}

main().then(
  (outcome) => {
    say({ type: 'outcome', outcome });
    process.exit(outcome.status === 'interrupted' ? 130 : outcome.status === 'failed' ? 1 : 0);
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    say({ type: 'outcome', outcome: { status: 'failed', seconds: 0, message, logPath: repoPath(root, reportPath), logTail: [] } });
    console.error(error instanceof Error ? (error.stack ?? message) : message);
    process.exit(1);
  },
);
