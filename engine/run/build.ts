/**
 * Plan and run a set of experiments: hits are taken from the store, misses run cell by cell on the
 * executor (forced ones run even when cached), and the outcome of each is summarised. This is the
 * build minus the report. The plan is made once; `settled` is that plan updated with what ran.
 */
import type { Profile } from '../contract.ts';
import type { Clock, Terminal } from '../commands/effects.ts';
import type { PlanEntry } from '../plan/plan.ts';
import { refreshOn } from '../plan/backend.ts';
import { readManifestIn } from '../store/manifest.ts';
import { readFailure } from '../store/store.ts';
import { createProgressDisplay } from './progress.ts';
import { runJobs, type RunJob, type RunOutcome } from './runner.ts';
import type { Executor } from './executors/executor.ts';
import type { Session } from '../commands/session.ts';
import { projectPaths } from '../commands/project.ts';

export interface ExperimentsBuildOptions {
  profile: Profile;
  executor: Executor;
  /** Run nothing: report what the store holds. */
  frozen: boolean;
  /** Print the jobs that would run (and how), run nothing. */
  dryRun?: boolean;
  /** Experiments to rerun even when their key is cached; when given, no other experiment runs. */
  force?: readonly string[];
  /** Print stack frames of failures (DEBUG=1). */
  debug?: boolean;
  terminal: Terminal;
  clock: Clock;
  signal: AbortSignal;
}

export interface ExperimentsBuild {
  plan: PlanEntry[];
  /** The plan after the runs: what ran is a hit, what failed carries its failure. */
  settled: PlanEntry[];
  outcomes: RunOutcome[];
  /** errors: invalid modules, unavailable data; notRun: misses left alone (frozen, dry run, or not forced). */
  counts: { cached: number; ran: number; failed: number; interrupted: number; errors: number; notRun: number };
  seconds: number;
  ok: boolean;
}

/** Lines of a failing run's log worth showing: without stack frames unless asked for. */
export function readableTail(lines: readonly string[], debug: boolean): string[] {
  return debug ? [...lines] : lines.filter((line) => !/^\s+at\s/.test(line) && !/^\s*\^+\s*$/.test(line));
}

/**
 * A failed run, as the terminal shows it: one paragraph (what failed, why, where its log is, the log's
 * last lines that say more than the error itself). With DEBUG=1 the whole tail follows, stack frames included.
 */
export function failureReport(outcome: { label: string; message: string; logPath: string; logTail: readonly string[] }, debug: boolean): string[] {
  const repeatsError = (line: string) => line.trim() === '' || line.includes(outcome.message);
  const context = readableTail(outcome.logTail, false).filter((line) => !repeatsError(line)).slice(-3);
  const log = outcome.logPath !== '(none)' ? ` (log: ${outcome.logPath})` : '';
  const said = context.length ? `; before it, the log says: ${context.map((l) => l.trim()).join(' / ')}` : '';
  const paragraph = `FAILED ${outcome.label}: ${outcome.message}${log}${said}${debug ? '' : '. DEBUG=1 shows the stack frames.'}`;
  return debug ? [paragraph, ...outcome.logTail.map((line) => `       | ${line}`)] : [paragraph];
}

export async function buildExperiments(session: Session, plan: PlanEntry[], options: ExperimentsBuildOptions): Promise<ExperimentsBuild> {
  const started = options.clock.now();
  const out = (text: string) => options.terminal.write(text + '\n');
  const jobs: RunJob[] = [];
  let errors = 0;
  let notRun = 0;
  let cachedHits = 0;
  const forced = (entry: PlanEntry) => options.force?.includes(entry.experimentId) ?? false;
  for (const entry of plan) {
    if (entry.status === 'invalid') {
      out(`ERROR  ${entry.label}: ${entry.error}`);
      errors++;
    } else if (entry.status === 'unavailable' && options.frozen) {
      // A frozen build runs nothing, so missing data stops nothing: the stale or missing artifact is shown as such.
      out(`note   ${entry.label}: data unavailable: ${entry.unavailable.join(', ')}; not run (frozen)`);
      notRun++;
    } else if (entry.status === 'unavailable') {
      out(`ERROR  ${entry.label}: data unavailable: ${entry.unavailable.join(', ')}`);
      errors++;
    } else if (entry.status === 'miss' && entry.needsBackend) {
      // Never run here. Asked for by name (make figure), that is an error; otherwise the stale or missing artifact is shown as such.
      out(`${forced(entry) ? 'ERROR ' : 'note  '} ${entry.label}: ${refreshOn(entry.needsBackend, entry.experimentId, options.profile)}`);
      if (forced(entry)) errors++;
      else notRun++;
    } else if (options.force !== undefined && !forced(entry)) {
      if (entry.status === 'hit') cachedHits++;
      else notRun++;
    } else if (entry.status === 'hit' && !forced(entry)) {
      cachedHits++;
      if (entry.unverifiedData.length > 0) {
        out(`note   ${entry.label}: data unavailable here (${entry.unverifiedData.join(', ')}); using the artifact that recorded it`);
      }
    } else if (options.frozen) {
      notRun++;
    } else {
      if (entry.status === 'miss' && entry.rejected) out(`reject ${entry.label}: ${entry.rejected}; recomputing`);
      jobs.push({
        experimentId: entry.experimentId,
        sourceFile: entry.sourceFile,
        label: entry.label,
        ...(entry.cell ? { cell: entry.cell } : {}),
        key: entry.key,
        components: entry.components,
        force: entry.status === 'hit',
        uses: entry.uses,
      });
    }
  }
  let outcomes: RunOutcome[] = [];
  if (options.dryRun) {
    for (const job of jobs) {
      const after = Object.values(job.uses).filter((u) => jobs.some((j) => j.key === u.key));
      out(`would run ${job.label} (key ${job.key.slice(0, 12)})${after.length ? `, after ${after.map((u) => u.label).join(', ')}` : ''}:`);
      out(`  ${options.executor.describe({ root: session.root, artifacts: projectPaths(session.root).artifacts, experimentFile: job.sourceFile, experimentId: job.experimentId, label: job.label, key: job.key, components: job.components, force: job.force, uses: {}, attached: false, reportToStore: true })}`);
    }
    notRun += jobs.length;
  } else {
    const display = createProgressDisplay(options.terminal, options.clock);
    try {
      outcomes = await runJobs(session.root, jobs, { executor: options.executor, display, signal: options.signal });
    } finally {
      display.close();
    }
  }
  for (const outcome of outcomes) {
    if (outcome.status === 'interrupted' && !options.signal.aborted && outcome.reason !== 'interrupted') {
      out(`STOPPED ${outcome.label}: ${outcome.reason}; its checkpoint is kept, and the next build resumes it`);
    }
    if (outcome.status !== 'failed') continue;
    for (const line of failureReport(outcome, options.debug ?? false)) out(line);
  }
  const counts = {
    cached: cachedHits + outcomes.filter((o) => o.status === 'cached').length,
    ran: outcomes.filter((o) => o.status === 'ran').length,
    failed: outcomes.filter((o) => o.status === 'failed').length,
    interrupted: options.dryRun ? 0 : jobs.length - outcomes.filter((o) => o.status !== 'interrupted').length,
    errors,
    notRun,
  };
  const seconds = (options.clock.now() - started) / 1000;
  return {
    plan,
    settled: settle(session.root, plan, outcomes),
    outcomes,
    counts,
    seconds,
    ok: counts.failed === 0 && counts.errors === 0 && counts.interrupted === 0 && !options.signal.aborted,
  };
}

/** The plan with what ran installed as hits and what failed carrying its failure record. */
function settle(root: string, plan: PlanEntry[], outcomes: RunOutcome[]): PlanEntry[] {
  const byKey = new Map(outcomes.map((o) => [o.key, o]));
  return plan.map((entry): PlanEntry => {
    if (entry.status !== 'miss' && entry.status !== 'hit') return entry;
    const outcome = byKey.get(entry.key);
    if (!outcome) return entry;
    if (outcome.status === 'ran' || outcome.status === 'cached') {
      const read = readManifestIn(outcome.dir);
      if (!read.ok) return entry;
      return { ...entry, status: 'hit', artifact: { dir: outcome.dir, manifest: read.manifest }, unverifiedData: [] };
    }
    if (outcome.status === 'failed' && entry.status === 'miss') return { ...entry, failure: readFailure(root, entry.experimentId, entry.key) };
    return entry;
  });
}

export function summaryLine(build: ExperimentsBuild): string {
  const { cached, ran, failed, interrupted, errors, notRun } = build.counts;
  const extra = [interrupted ? `${interrupted} interrupted` : '', errors ? `${errors} with errors` : '', notRun ? `${notRun} stale, not run` : ''].filter(Boolean);
  return `experiments: ${cached} cached, ${ran} ran, ${failed} failed${extra.map((e) => `, ${e}`).join('')} (${build.seconds.toFixed(1)} s)`;
}
