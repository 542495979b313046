/**
 * Child-process entry that runs one experiment (one cell of a grid): imports its module, re-validates
 * its params, sets up the compute backend, and calls run(ctx) with results written into the run's temp
 * folder, checkpoints into the key's scratch folder and the results it uses read from the store. It
 * reports progress and the outcome as JSON lines on fd 3 (protocol.ts); its supervisor (supervise.ts)
 * writes the manifest and moves the folder into place.
 *
 * Usage: node --import tsx engine/run/worker.ts, with the WorkerJob as one JSON line on stdin (not argv:
 * a data set of many files would pass the kernel's limit on one argument). stdin then stays open: the
 * supervisor dying closes it. That, Ctrl-C or SIGTERM abort ctx.signal; the worker exits shortly
 * after even if the experiment ignores the signal.
 */
import { existsSync, readFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DataAccess, Experiment, Json, RunContext, UsedResult } from '../contract.ts';
import { canonicalJson, sha256 } from '../files/hash.ts';
import { validateParams } from '../plan/params.ts';
import { BLOBS_DIR, createResultsWriter, loadResults } from '../store/results.ts';
import { fileCheckpoint } from '../store/checkpoint.ts';
import { readManifestIn } from '../store/manifest.ts';
import { loadBackendModule } from '../plan/backend.ts';
import { resolveDataPath } from '../plan/data.ts';
import { packageVersion } from '../files/graph.ts';
import { MESSAGE_FD, readJobLine, type WorkerJob, type WorkerMessage } from './protocol.ts';

const ABORT_GRACE_MS = 2000;
const PROGRESS_INTERVAL_MS = 100;

/**
 * Written synchronously: experiments run long stretches without yielding to the event loop, and a
 * stream's writes would sit in its queue until they did (the build would see no progress). The pipe
 * may be non-blocking, so a full pipe (EAGAIN) is retried until the build has read from it.
 */
function send(message: WorkerMessage): void {
  const line = Buffer.from(JSON.stringify(message) + '\n');
  for (let offset = 0; offset < line.length; ) {
    try {
      offset += writeSync(MESSAGE_FD, line, offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    }
  }
}

const job = await readJobLine<WorkerJob>();
const controller = new AbortController();
function abort(reason: string): void {
  if (controller.signal.aborted) return;
  controller.abort(new Error(reason));
  setTimeout(() => process.exit(130), ABORT_GRACE_MS).unref();
}
process.on('SIGINT', () => abort('interrupted (SIGINT)'));
process.on('SIGTERM', () => abort('terminated (SIGTERM)'));
process.stdin.on('end', () => abort('the build process went away'));

function dataAccess(): { access: DataAccess; read: Record<string, Record<string, string>> } {
  const read: Record<string, Record<string, string>> = {};
  const declared = (datasetId: string): Record<string, string> => {
    const files = job.data[datasetId];
    if (!files) throw new Error(`data set '${datasetId}' is not declared by ${job.experimentFile}`);
    return files;
  };
  return {
    read,
    access: {
      files: (datasetId) => Object.keys(declared(datasetId)).map((f) => resolveDataPath(job.root, f)),
      async read(datasetId, file) {
        const files = declared(datasetId);
        const name = Object.keys(files).find((f) => f === file || resolveDataPath(job.root, f) === resolve(file));
        if (name === undefined) throw new Error(`${file} is not a declared file of data set '${datasetId}'`);
        const bytes = readFileSync(resolveDataPath(job.root, name));
        const hash = sha256(bytes);
        if (hash !== files[name]) throw new Error(`data file ${name} changed after the build computed its cache key`);
        (read[datasetId] ??= {})[name] = hash;
        return bytes;
      },
    },
  };
}

function backendInfo(setup: unknown): { version: string; details?: Record<string, Json> } {
  const info = (setup ?? {}) as { version?: unknown; details?: unknown };
  const version = typeof info.version === 'string' ? info.version : packageVersion('@tensorflow/tfjs-core', job.root);
  return info.details && typeof info.details === 'object' ? { version, details: info.details as Record<string, Json> } : { version };
}

function usedResult(name: string): UsedResult {
  const used = job.uses[name];
  if (!used) throw new Error(`${job.experimentFile} declares no use '${name}' (it has: ${Object.keys(job.uses).join(', ') || 'none'})`);
  const read = readManifestIn(used.dir);
  if (!read.ok) throw new Error(`use '${name}': ${used.dir}: ${read.reason}`);
  return {
    key: used.key,
    results: loadResults(used.dir, read.manifest),
    blob(file) {
      const path = join(used.dir, BLOBS_DIR, file);
      if (!(read.manifest.blobs && file in read.manifest.blobs)) throw new Error(`use '${name}': the run has no blob '${file}'`);
      if (!existsSync(path)) throw new Error(`use '${name}': blob '${file}' is not on this machine (blobs are not committed); rerun ${read.manifest.experimentId} here`);
      return path;
    },
  };
}

async function main(): Promise<void> {
  const file = join(job.root, job.experimentFile);
  const experiment = ((await import(pathToFileURL(file).href)) as { default: Experiment }).default;
  const params = validateParams(experiment, job.profile, job.experimentFile);
  if (!params.ok) throw new Error(params.error);
  if (canonicalJson(params.value) !== canonicalJson(job.params)) {
    throw new Error(`${job.experimentFile} changed while the build was running (its params differ from the planned ones)`);
  }
  const backendModule = await loadBackendModule(job.root);
  const setup = await backendModule.setupBackend(job.backend);
  const data = dataAccess();
  let lastProgress = 0;
  const ctx: RunContext<unknown> = {
    experimentId: job.experimentId,
    profile: job.profile,
    params: params.value,
    seed: job.seeds[0]!,
    seeds: job.seeds,
    backend: job.backend,
    progress: {
      update(state) {
        const now = Date.now();
        if (now - lastProgress < PROGRESS_INTERVAL_MS && state.step < state.total) return;
        lastProgress = now;
        send({ type: 'progress', ...state });
      },
    },
    log: {
      info: (message) => console.log(`[info] ${message}`),
      warn: (message) => console.error(`[warn] ${message}`),
    },
    results: createResultsWriter(job.outDir),
    data: data.access,
    signal: controller.signal,
    cell: job.cell,
    checkpoint: fileCheckpoint(job.scratchDir),
    uses: usedResult,
  };
  await experiment.run(ctx);
  if (controller.signal.aborted) throw controller.signal.reason as Error;
  send({
    type: 'done',
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    dataRead: data.read,
    backend: { name: job.backend, ...backendInfo(setup) },
  });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    const err = error instanceof Error ? error : new Error(String(error));
    console.error(err.stack ?? err.message);
    send({ type: 'error', message: err.message, ...(err.stack ? { stack: err.stack } : {}), peakRssBytes: process.resourceUsage().maxRSS * 1024 });
    process.exit(1);
  },
);
