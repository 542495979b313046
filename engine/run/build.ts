/**
 * Plan and run a set of experiments: hits are taken from the store, misses run (forced ones run even
 * when cached), and the outcome of each is summarised. This is the build minus the report.
 */
import type { Profile } from '../contract.ts';
import type { Clock, Terminal } from '../commands/effects.ts';
import type { PlanEntry } from '../plan/plan.ts';
import { refreshOn } from '../plan/backend.ts';
import { createProgressDisplay } from './progress.ts';
import { runExperiments, type RunJob, type RunOutcome } from './runner.ts';
import { planInSession, type Session } from '../commands/session.ts';

export interface ExperimentsBuildOptions {
  profile: Profile;
  jobs: number;
  /** Run nothing: report what the store holds. */
  frozen: boolean;
  /** Experiments to rerun even when their key is cached; when given, no other experiment runs. */
  force?: readonly string[];
  terminal: Terminal;
  clock: Clock;
  signal: AbortSignal;
}

export interface ExperimentsBuild {
  plan: PlanEntry[];
  outcomes: RunOutcome[];
  /** errors: invalid modules, unavailable data; notRun: misses left alone (frozen, or not forced). */
  counts: { cached: number; ran: number; failed: number; interrupted: number; errors: number; notRun: number };
  seconds: number;
  ok: boolean;
}

export async function buildExperiments(session: Session, ids: readonly string[], options: ExperimentsBuildOptions): Promise<ExperimentsBuild> {
  const started = options.clock.now();
  const plan = await planInSession(session, ids, options.profile);
  const out = (text: string) => options.terminal.write(text + '\n');
  const jobs: RunJob[] = [];
  let errors = 0;
  let notRun = 0;
  let cachedHits = 0;
  for (const entry of plan) {
    if (entry.status === 'invalid') {
      out(`ERROR  ${entry.experimentId}: ${entry.error}`);
      errors++;
    } else if (entry.status === 'unavailable') {
      out(`ERROR  ${entry.experimentId}: data unavailable: ${entry.unavailable.join(', ')}`);
      errors++;
    } else if (entry.status === 'miss' && entry.needsBackend) {
      // Never run here. Asked for by name (make figure), that is an error; otherwise the stale or missing artifact is shown as such.
      const forced = options.force?.includes(entry.experimentId) ?? false;
      out(`${forced ? 'ERROR ' : 'note  '} ${entry.experimentId}: ${refreshOn(entry.needsBackend, entry.experimentId, options.profile)}`);
      if (forced) errors++;
      else notRun++;
    } else if (options.force !== undefined && !options.force.includes(entry.experimentId)) {
      if (entry.status === 'hit') cachedHits++;
      else notRun++;
    } else if (entry.status === 'hit' && !options.force?.includes(entry.experimentId)) {
      cachedHits++;
      if (entry.unverifiedData.length > 0) {
        out(`note   ${entry.experimentId}: data unavailable here (${entry.unverifiedData.join(', ')}); using the artifact that recorded it`);
      }
    } else if (options.frozen) {
      notRun++;
    } else {
      if (entry.status === 'miss' && entry.rejected) out(`reject ${entry.experimentId}: ${entry.rejected}; recomputing`);
      jobs.push({ experimentId: entry.experimentId, sourceFile: entry.sourceFile, key: entry.key, components: entry.components, force: entry.status === 'hit' });
    }
  }
  const display = createProgressDisplay(options.terminal, options.clock);
  let outcomes: RunOutcome[];
  try {
    outcomes = await runExperiments(session.root, jobs, { jobs: options.jobs, display, clock: options.clock, signal: options.signal, fingerprints: session.fingerprints });
  } finally {
    display.close();
  }
  for (const outcome of outcomes) {
    if (outcome.status !== 'failed') continue;
    out(`FAILED ${outcome.experimentId}: ${outcome.message}`);
    out(`       log: ${outcome.logPath}`);
    for (const line of outcome.logTail) out(`       | ${line}`);
  }
  const counts = {
    cached: cachedHits + outcomes.filter((o) => o.status === 'cached').length,
    ran: outcomes.filter((o) => o.status === 'ran').length,
    failed: outcomes.filter((o) => o.status === 'failed').length,
    interrupted: jobs.length - outcomes.filter((o) => o.status !== 'interrupted').length,
    errors,
    notRun,
  };
  const seconds = (options.clock.now() - started) / 1000;
  return { plan, outcomes, counts, seconds, ok: counts.failed === 0 && counts.errors === 0 && counts.interrupted === 0 && !options.signal.aborted };
}

export function summaryLine(build: ExperimentsBuild): string {
  const { cached, ran, failed, interrupted, errors, notRun } = build.counts;
  const extra = [interrupted ? `${interrupted} interrupted` : '', errors ? `${errors} with errors` : '', notRun ? `${notRun} stale, not run` : ''].filter(Boolean);
  return `experiments: ${cached} cached, ${ran} ran, ${failed} failed${extra.map((e) => `, ${e}`).join('')} (${build.seconds.toFixed(1)} s)`;
}
