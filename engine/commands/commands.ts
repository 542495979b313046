/**
 * The commands of the CLI (and of the Makefile targets over it). Each returns its exit status.
 *   report  plan, run what is missing, render build/report.html
 *   figure  rerun the experiments behind one figure or table (even when cached), then render
 *   pdf     report, then print build/report.pdf
 *   explain which key component changed since the newest artifact of a figure's experiment
 *   check   fail when anything the report shows would come from an artifact that is not current
 *   list    experiments, figures, tables and the state of the cache
 *   run     plan and run experiments (all, or those named) without rendering
 */
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '../files/hash.ts';
import type { ArtifactView, BackendName, Catalog, Profile } from '../contract.ts';
import { refreshOn } from '../plan/backend.ts';
import type { BackendRequest } from '../plan/backend.ts';
import type { Clock, Terminal } from './effects.ts';
import { buildExperiments, summaryLine, type ExperimentsBuild } from '../run/build.ts';
import { explainChange } from '../plan/explain.ts';
import { writeFileAtomic } from '../files/fsx.ts';
import { loadCatalog } from '../plan/catalog-full.ts';
import { experimentOfNeed, formatPos, neededExperiments, resolveTarget } from '../plan/needs.ts';
import type { PlanEntry } from '../plan/plan.ts';
import { formatSeconds } from '../run/progress.ts';
import { projectPaths, repoPath } from './project.ts';
import { recordRender, renderIsCurrent, renderKey } from '../report/render-cache.ts';
import { loadRenderer } from '../report/renderer.ts';
import { reportInputs, reportSource, type ReportInputs, type ReportSource } from '../report/inputs.ts';
import { openSession, planInSession, type Session } from './session.ts';
import { newestArtifact, removeOrphans } from '../store/store.ts';
import { artifactView, currentKeyOf } from '../report/views.ts';

export interface CommandOptions {
  root: string;
  profile: Profile;
  backend: BackendRequest;
  /** Backends AVAILABLE_BACKENDS names: experiments requiring them run here too (backend.ts, availableBackends). */
  availableBackends?: BackendName[];
  jobs: number;
  frozen: boolean;
  /** Progress and results (stderr in the CLI). */
  terminal: Terminal;
  /** Answers of explain, check and list (stdout in the CLI). */
  output: (line: string) => void;
  clock: Clock;
  signal: AbortSignal;
}

interface Prepared {
  session: Session;
  inputs: ReportInputs;
  report: ReportSource;
  experiments: string[];
}

async function prepare(options: CommandOptions): Promise<Prepared> {
  const session = await openSession(options.root, options.backend, options.availableBackends);
  if (session.index.errors.length > 0) throw new Error(session.index.errors.join('\n'));
  const inputs = await reportInputs(session.root, session.fingerprints);
  const report = await reportSource(session.root, inputs);
  const needed = neededExperiments(report.needs, session.index);
  if (needed.problems.length > 0) throw new Error(needed.problems.join('\n'));
  return { session, inputs, report, experiments: needed.experiments };
}

/** The whole report checked against the full catalog (figures, tables, citations, cross-references). */
async function checkReport(prepared: Prepared): Promise<Catalog> {
  const [{ checkNeeds }, catalog, parsed] = await Promise.all([
    import('../render/check.ts'),
    loadCatalog(prepared.session.root, prepared.session.index),
    prepared.report.parsed(),
  ]);
  checkNeeds(parsed, catalog);
  return catalog;
}

async function views(session: Session, plan: PlanEntry[], options: CommandOptions): Promise<Map<string, ArtifactView>> {
  const out = new Map<string, ArtifactView>();
  for (const entry of plan) {
    out.set(
      entry.experimentId,
      await artifactView(session.root, entry, options.profile, session.fingerprints, (dir, reason) =>
        options.terminal.write(`skip   ${repoPath(session.root, dir)}: ${reason}\n`),
      ),
    );
  }
  return out;
}

/** Render build/report.html from the store (after any runs), unless the render cache says it is current. */
async function render(prepared: Prepared, options: CommandOptions): Promise<string> {
  const { session } = prepared;
  const plan = await planInSession(session, prepared.experiments, options.profile);
  const artifacts = await views(session, plan, options);
  const htmlPath = join(projectPaths(session.root).build, 'report.html');
  const key = renderKey(session.index, prepared.inputs, { profile: options.profile, frozen: options.frozen, views: artifacts });
  if (await renderIsCurrent(session.root, htmlPath, key, session.fingerprints)) {
    options.terminal.write(`report: ${repoPath(session.root, htmlPath)} is current (nothing it shows changed)\n`);
    return htmlPath;
  }
  const started = options.clock.now();
  const catalog = await checkReport(prepared);
  const { renderReport } = await loadRenderer();
  const html = await renderReport(await prepared.report.parsed(), { catalog, artifacts, profile: options.profile, frozen: options.frozen });
  writeFileAtomic(htmlPath, html);
  recordRender(session.root, key, html);
  const notCurrent = [...artifacts.values()].filter((v) => v.state !== 'current');
  options.terminal.write(
    `report: wrote ${repoPath(session.root, htmlPath)} in ${formatSeconds((options.clock.now() - started) / 1000)}` +
      (notCurrent.length ? `; marked ${notCurrent.map((v) => `${v.experimentId} ${v.state}`).join(', ')}` : '') +
      '\n',
  );
  return htmlPath;
}

function finish(build: ExperimentsBuild, options: CommandOptions): number {
  options.terminal.write(summaryLine(build) + '\n');
  if (options.signal.aborted) return 130;
  return build.ok ? 0 : 1;
}

export async function reportCommand(options: CommandOptions): Promise<number> {
  const prepared = await prepare(options);
  await checkBeforeRunning(prepared, options);
  const build = await buildExperiments(prepared.session, prepared.experiments, options);
  if (!options.signal.aborted) await render(prepared, options);
  prepared.session.fingerprints.save();
  return finish(build, options);
}

/**
 * When something is going to run, check the whole report (citations, cross-references) first: a broken
 * reference should not wait for an hour of training. A build that runs nothing skips this (it loads
 * every figures module); its render does the same check when it renders.
 */
async function checkBeforeRunning(prepared: Prepared, options: CommandOptions, force: readonly string[] = []): Promise<void> {
  if (options.frozen) return;
  const { session } = prepared;
  const plan = await planInSession(session, prepared.experiments, options.profile);
  if (force.length > 0 || plan.some((entry) => entry.status === 'miss')) await checkReport(prepared);
}

export async function figureCommand(target: string, options: CommandOptions): Promise<number> {
  const prepared = await prepare(options);
  const { experimentId } = resolveTarget(target, prepared.session.index);
  await checkBeforeRunning(prepared, options, [experimentId]);
  const build = await buildExperiments(prepared.session, prepared.experiments.includes(experimentId) ? prepared.experiments : [...prepared.experiments, experimentId], {
    ...options,
    force: [experimentId],
  });
  if (!options.signal.aborted) await render(prepared, options);
  prepared.session.fingerprints.save();
  return finish(build, options);
}

export async function pdfCommand(options: CommandOptions): Promise<number> {
  const status = await reportCommand(options);
  if (status === 130) return status;
  const paths = projectPaths(options.root);
  const htmlPath = join(paths.build, 'report.html');
  const pdfPath = join(paths.build, 'report.pdf');
  // Chromium stamps each PDF with its creation time, so the PDF is cached on the HTML it was printed from.
  const recordPath = join(paths.cache, 'pdf.json');
  const htmlHash = sha256(readFileSync(htmlPath));
  if (existsSync(pdfPath) && existsSync(recordPath) && JSON.parse(readFileSync(recordPath, 'utf8')).html === htmlHash) {
    options.terminal.write('pdf: build/report.pdf is current (printed from this HTML)\n');
    return status;
  }
  const { printPdf } = await loadRenderer();
  const started = options.clock.now();
  const temp = join(paths.build, `.report.pdf.${process.pid}.tmp`);
  try {
    await printPdf(htmlPath, temp);
    renameSync(temp, pdfPath);
  } finally {
    rmSync(temp, { force: true });
  }
  writeFileAtomic(recordPath, JSON.stringify({ html: htmlHash }));
  options.terminal.write(`pdf: wrote build/report.pdf in ${formatSeconds((options.clock.now() - started) / 1000)}\n`);
  return status;
}

export async function explainCommand(target: string, options: CommandOptions): Promise<number> {
  const session = await openSession(options.root, options.backend, options.availableBackends);
  const resolved = resolveTarget(target, session.index);
  const [entry] = await planInSession(session, [resolved.experimentId], options.profile);
  const say = options.output;
  const e = entry!;
  say(`${resolved.kind} ${target} <- experiment ${e.experimentId} (${e.sourceFile}), profile ${options.profile}`);
  if (e.status === 'invalid') {
    say(`cannot compute its key: ${e.error}`);
    session.fingerprints.save();
    return 1;
  }
  if (e.status === 'unavailable') say(`data unavailable: ${e.unavailable.join(', ')}`);
  const newest = await newestArtifact(session.root, e.experimentId, options.profile, session.fingerprints, (dir, reason) =>
    say(`skipped ${repoPath(session.root, dir)}: ${reason}`),
  );
  session.fingerprints.save();
  if (!newest) {
    say('no artifact of this experiment yet: it has never run (or every artifact failed verification)');
    return 0;
  }
  const current = currentKeyOf(e);
  say(`current key ${current.slice(0, 12)}; newest artifact ${repoPath(session.root, newest.dir)} (${newest.manifest.startedAt})`);
  if (e.status === 'hit' && e.artifact.dir === newest.dir) {
    say('up to date: the newest artifact was computed from the current key');
    return 0;
  }
  const changes = explainChange(newest.manifest.components, e.components);
  if (changes.length === 0) say(`no key component differs; the current key's artifact ${e.status === 'hit' ? `is ${repoPath(session.root, e.artifact.dir)}` : 'is missing'}`);
  else {
    say('changed since then:');
    for (const line of changes) say(`  ${line}`);
  }
  if (e.status === 'miss' && e.failure) say(`the last run of the current key failed: ${e.failure.error?.message ?? 'unknown error'}`);
  return 0;
}

export async function checkCommand(options: CommandOptions): Promise<number> {
  const prepared = await prepare(options);
  const { session } = prepared;
  const needs = prepared.report.needs;
  const plan = await planInSession(session, prepared.experiments, options.profile);
  const byId = new Map(plan.map((p) => [p.experimentId, p]));
  const reasons = new Map<string, string>();
  /** Not current, but needing a backend this machine lacks: reported, not failed. */
  const warnings = new Map<string, string>();
  for (const entry of plan) {
    if (entry.status === 'hit') continue;
    let reason: string;
    if (entry.status === 'invalid') reason = `its key cannot be computed: ${entry.error.split('\n')[0]}`;
    else if (entry.status === 'unavailable') reason = `data unavailable: ${entry.unavailable.join(', ')}`;
    else {
      const found = await newestArtifact(session.root, entry.experimentId, options.profile, session.fingerprints);
      const newest = found && found.manifest.components.profile === options.profile ? found : null;
      if (entry.failure) reason = `the current key's run failed (${entry.failure.error?.message ?? 'unknown error'})`;
      else if (!newest) reason = `missing: never built with profile ${options.profile}`;
      else {
        const changes = explainChange(newest.manifest.components, entry.components);
        const detail = changes.length ? changes.slice(0, 3).join('; ') + (changes.length > 3 ? `; and ${changes.length - 3} more` : '') : entry.rejected ?? 'artifact missing';
        reason = `stale: ${repoPath(session.root, newest.dir)} was built from a different key (${detail})`;
      }
    }
    if (entry.status === 'miss' && entry.needsBackend) warnings.set(entry.experimentId, `${reason}; ${refreshOn(entry.needsBackend, entry.experimentId, options.profile)}`);
    else reasons.set(entry.experimentId, reason);
  }
  let failures = 0;
  let warned = 0;
  for (const need of needs) {
    const id = experimentOfNeed(need, session.index)!;
    if (!byId.has(id)) continue;
    const what = need.kind === 'value' ? `value ${need.experimentId}.${need.path}` : need.kind === 'experiment' ? `experiment ${id}` : `${need.kind} ${need.id} (experiment ${id})`;
    const warning = warnings.get(id);
    if (warning) {
      warned++;
      options.output(`warning: ${formatPos(need.where)}: ${what}: ${warning}`);
    }
    const reason = reasons.get(id);
    if (!reason) continue;
    failures++;
    options.output(`${formatPos(need.where)}: ${what}: ${reason}`);
  }
  session.fingerprints.save();
  const warningNote = warned > 0 ? `; ${warned} not current but needing a backend this machine lacks (warnings above)` : '';
  if (failures > 0) {
    options.output(`check: ${failures} of ${needs.length} uses in the report are not current (profile ${options.profile})${warningNote}; run \`make report PROFILE=${options.profile}\``);
    return 1;
  }
  options.output(`check: all ${needs.length - warned} uses in the report that this machine can compute come from current artifacts (profile ${options.profile})${warningNote}`);
  return 0;
}

export async function listCommand(options: CommandOptions): Promise<number> {
  const session = await openSession(options.root, options.backend, options.availableBackends);
  const ids = [...session.index.experiments.keys()];
  const plan = await planInSession(session, ids, options.profile);
  const say = options.output;
  const width = Math.max(10, ...ids.map((id) => id.length));
  say(`experiments (profile ${options.profile}, backend ${session.backend}):`);
  for (const entry of plan) {
    const view = await artifactView(session.root, entry, options.profile, session.fingerprints, () => {});
    const where = view.artifactDir ? ` ${view.artifactDir}` : '';
    const detail =
      entry.status === 'invalid'
        ? ` (${entry.error.split('\n')[0]})`
        : entry.status === 'unavailable'
          ? ` (data unavailable: ${entry.unavailable.join(', ')})`
          : entry.status === 'miss' && entry.needsBackend
            ? ` (${refreshOn(entry.needsBackend, entry.experimentId, options.profile)})`
            : '';
    say(`  ${entry.experimentId.padEnd(width)} ${view.state.padEnd(7)}${where}${detail}  ${entry.title}`);
  }
  for (const kind of ['figures', 'tables'] as const) {
    say(`${kind}:`);
    for (const [id, f] of [...session.index[kind].entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      say(`  ${id.padEnd(width)} <- ${f.experimentId.padEnd(width)} ${f.file}  ${f.title}`);
    }
  }
  for (const error of session.index.errors) say(`error: ${error}`);
  session.fingerprints.save();
  return session.index.errors.length > 0 ? 1 : 0;
}

export async function runCommand(ids: readonly string[], options: CommandOptions): Promise<number> {
  const session = await openSession(options.root, options.backend, options.availableBackends);
  if (session.index.errors.length > 0) throw new Error(session.index.errors.join('\n'));
  const wanted = ids.length > 0 ? ids.map((id) => resolveTarget(id, session.index).experimentId) : [...session.index.experiments.keys()];
  const build = await buildExperiments(session, [...new Set(wanted)], options);
  session.fingerprints.save();
  return finish(build, options);
}

export function cleanTmpCommand(options: CommandOptions): number {
  for (const dir of removeOrphans(options.root)) options.output(`removed ${repoPath(options.root, dir)}`);
  return 0;
}
