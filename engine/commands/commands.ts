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
import { canonicalJson, sha256 } from '../files/hash.ts';
import type { ArtifactView, BackendName, Catalog, Manifest, Profile } from '../contract.ts';
import { refreshOn } from '../plan/backend.ts';
import type { BackendRequest } from '../plan/backend.ts';
import type { Clock, Terminal } from './effects.ts';
import { buildExperiments, summaryLine, type ExperimentsBuild } from '../run/build.ts';
import { explainChange } from '../plan/explain.ts';
import { writeFileAtomic } from '../files/fsx.ts';
import { loadCatalog } from '../plan/catalog-full.ts';
import { experimentsOfNeed, formatPos, neededExperiments, resolveTarget } from '../plan/needs.ts';
import { valueProblem } from '../report/check-values.ts';
import type { PlanEntry } from '../plan/plan.ts';
import { formatSeconds } from '../run/progress.ts';
import { projectPaths, repoPath } from './project.ts';
import { recordRender, renderIsCurrent, renderKey } from '../report/render-cache.ts';
import { loadRenderer } from '../report/renderer.ts';
import { reportInputs, reportSource, type ReportInputs, type ReportSource } from '../report/inputs.ts';
import { openSession, planInSession, type Session } from './session.ts';
import { listArtifacts, newestArtifact, removeOrphans } from '../store/store.ts';
import { artifactView, artifactViews, currentKeyOf } from '../report/views.ts';
import { localExecutor } from '../run/executors/local.ts';
import { resolveBackendOnNode, slurmExecutor, slurmSettings } from '../run/executors/slurm.ts';
import type { Executor, ExecutorName } from '../run/executors/executor.ts';
import { cellLabel, runLabel } from '../plan/cells.ts';

export interface CommandOptions {
  root: string;
  profile: Profile;
  backend: BackendRequest;
  /** Backends AVAILABLE_BACKENDS names: experiments requiring them run here too (backend.ts, availableBackends). */
  availableBackends?: BackendName[];
  jobs: number;
  frozen: boolean;
  /** Where cells run: local child processes or Slurm jobs. */
  executor: ExecutorName;
  /** Print what would run, and how, without running it. */
  dryRun: boolean;
  /** Stack frames in failure reports (DEBUG=1). */
  debug: boolean;
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
  /** The plan of `experiments` (and what they use), made once per command. */
  plan: PlanEntry[];
}

/** The session of a command: with EXECUTOR=slurm and BACKEND=auto, the backend is resolved on a compute node. */
async function open(options: CommandOptions): Promise<Session> {
  if (options.executor === 'slurm' && options.backend === 'auto' && !options.dryRun) {
    const backend = await resolveBackendOnNode(options.root, slurmSettings(), 'auto');
    options.terminal.write(`slurm: BACKEND=auto resolves to ${backend} on a compute node\n`);
    return openSession(options.root, backend as BackendRequest, [...(options.availableBackends ?? []), backend as BackendName]);
  }
  return openSession(options.root, options.backend, options.availableBackends);
}

function executorOf(options: CommandOptions): Executor {
  return options.executor === 'slurm' ? slurmExecutor(slurmSettings()) : localExecutor(options.jobs);
}

async function prepare(options: CommandOptions): Promise<Prepared> {
  const session = await open(options);
  if (session.index.errors.length > 0) throw new Error(session.index.errors.join('\n'));
  const inputs = await reportInputs(session.root, session.fingerprints);
  const report = await reportSource(session.root, inputs);
  const needed = neededExperiments(report.needs, session.index);
  if (needed.problems.length > 0) throw new Error(needed.problems.join('\n'));
  const plan = await planInSession(session, needed.experiments, options.profile);
  return { session, inputs, report, experiments: needed.experiments, plan };
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

function views(session: Session, plan: PlanEntry[], options: CommandOptions): Promise<Map<string, ArtifactView>> {
  return artifactViews(session.root, plan, options.profile, session.fingerprints, (dir, reason) => options.terminal.write(`skip   ${repoPath(session.root, dir)}: ${reason}\n`));
}

/** Render build/report.html from the store after the runs (`plan`: settled), unless the render cache says it is current. */
async function render(prepared: Prepared, plan: PlanEntry[], options: CommandOptions): Promise<string> {
  const { session } = prepared;
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

function buildOptions(options: CommandOptions, force?: readonly string[]) {
  return { ...options, executor: executorOf(options), ...(force ? { force } : {}) };
}

export async function reportCommand(options: CommandOptions): Promise<number> {
  const prepared = await prepare(options);
  await checkBeforeRunning(prepared, options);
  const build = await buildExperiments(prepared.session, prepared.plan, buildOptions(options));
  if (!options.signal.aborted && !options.dryRun) await render(prepared, build.settled, options);
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
  if (force.length > 0 || prepared.plan.some((entry) => entry.status === 'miss')) await checkReport(prepared);
}

export async function figureCommand(target: string, options: CommandOptions): Promise<number> {
  const prepared = await prepare(options);
  const { experimentId } = resolveTarget(target, prepared.session.index);
  await checkBeforeRunning(prepared, options, [experimentId]);
  const plan = prepared.experiments.includes(experimentId) ? prepared.plan : await planInSession(prepared.session, [...prepared.experiments, experimentId], options.profile);
  const build = await buildExperiments(prepared.session, plan, buildOptions(options, [experimentId]));
  if (!options.signal.aborted && !options.dryRun) await render(prepared, build.settled, options);
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
  const entries = (await planInSession(session, [resolved.experimentId], options.profile)).filter((e) => e.experimentId === resolved.experimentId);
  const say = options.output;
  const first = entries[0]!;
  say(`${resolved.kind} ${target} <- experiment ${first.experimentId} (${first.sourceFile}), profile ${options.profile}${first.cell ? `, ${entries.length} cells` : ''}`);
  let status = 0;
  let upToDate = 0;
  const listed = listArtifacts(session.root, first.experimentId, (dir, reason) => say(`skipped ${repoPath(session.root, dir)}: ${reason}`));
  for (const e of entries) {
    const name = e.cell ? `cell ${cellLabel(e.cell)}: ` : '';
    if (e.status === 'invalid') {
      say(`${name}cannot compute its key: ${e.error}`);
      status = 1;
      continue;
    }
    if (e.status === 'unavailable') say(`${name}data unavailable: ${e.unavailable.join(', ')}`);
    if (e.status === 'hit') {
      upToDate++;
      if (!first.cell) say(`current key ${e.key.slice(0, 12)}; up to date: ${repoPath(session.root, e.artifact.dir)} was computed from it`);
      continue;
    }
    const sameCell = (m: Manifest) => canonicalJson(m.components.cell ?? null) === canonicalJson(e.cell ?? null);
    const newest = await newestArtifact(session.root, e.experimentId, options.profile, session.fingerprints, () => {}, sameCell, listed);
    if (!newest) {
      say(`${name}no artifact yet: it has never run (or every artifact failed verification)`);
      continue;
    }
    say(`${name}current key ${currentKeyOf(e).slice(0, 12)}; newest artifact ${repoPath(session.root, newest.dir)} (${newest.manifest.startedAt})`);
    const changes = explainChange(newest.manifest.components, e.components);
    if (changes.length === 0) say(`${name}no key component differs; the current key's artifact is missing`);
    else {
      say(`${name}changed since then:`);
      for (const line of changes) say(`  ${line}`);
    }
    if (e.status === 'miss' && e.failure) say(`${name}the last run of the current key failed: ${e.failure.error?.message ?? 'unknown error'}`);
  }
  if (first.cell) say(`${upToDate} of ${entries.length} cells up to date`);
  session.fingerprints.save();
  return status;
}

/** Why a plan entry is not current, for check; null when it is. */
async function notCurrentReason(session: Session, entry: PlanEntry, options: CommandOptions): Promise<string | null> {
  if (entry.status === 'hit') return null;
  if (entry.status === 'invalid') return `its key cannot be computed: ${entry.error.split('\n')[0]}`;
  if (entry.status === 'unavailable') return `data unavailable: ${entry.unavailable.join(', ')}`;
  if (entry.failure) return `the current key's run failed (${entry.failure.error?.message ?? 'unknown error'})`;
  const sameCell = (m: Manifest) => canonicalJson(m.components.cell ?? null) === canonicalJson(entry.cell ?? null);
  const found = await newestArtifact(session.root, entry.experimentId, options.profile, session.fingerprints, () => {}, sameCell);
  const newest = found && found.manifest.components.profile === options.profile ? found : null;
  if (!newest) return `missing: never built with profile ${options.profile}`;
  const changes = explainChange(newest.manifest.components, entry.components);
  const detail = changes.length ? changes.slice(0, 3).join('; ') + (changes.length > 3 ? `; and ${changes.length - 3} more` : '') : entry.rejected ?? 'artifact missing';
  return `stale: ${repoPath(session.root, newest.dir)} was built from a different key (${detail})`;
}

export async function checkCommand(options: CommandOptions): Promise<number> {
  const prepared = await prepare(options);
  const { session, plan } = prepared;
  const needs = prepared.report.needs;
  const reasons = new Map<string, string[]>();
  /** Not current, but needing a backend this machine lacks: reported, not failed. */
  const warnings = new Map<string, string[]>();
  for (const entry of plan) {
    const reason = await notCurrentReason(session, entry, options);
    if (reason === null) continue;
    const text = entry.cell ? `cell ${cellLabel(entry.cell)}: ${reason}` : reason;
    if (entry.status === 'miss' && entry.needsBackend) warnings.set(entry.experimentId, [...(warnings.get(entry.experimentId) ?? []), `${text}; ${refreshOn(entry.needsBackend, entry.experimentId, options.profile)}`]);
    else reasons.set(entry.experimentId, [...(reasons.get(entry.experimentId) ?? []), text]);
  }
  const summarise = (list: string[]) => (list.length <= 3 ? list.join('; ') : `${list.slice(0, 3).join('; ')}; and ${list.length - 3} more cells`);
  let failures = 0;
  let warned = 0;
  const planned = new Set(plan.map((p) => p.experimentId));
  // Values and claims are read as the renderer reads them, from the views of current artifacts.
  const current = needs.some((n) => n.kind === 'value' || n.kind === 'claim') ? await views(session, plan, options) : new Map<string, ArtifactView>();
  for (const need of needs) {
    const ids = experimentsOfNeed(need, session.index).experiments.filter((id) => planned.has(id));
    if (ids.length === 0) continue;
    const what =
      need.kind === 'value'
        ? `value ${need.experimentId}.${need.path}`
        : need.kind === 'claim'
          ? `claim on ${ids.join(', ')}`
          : need.kind === 'experiment'
            ? `experiment ${ids[0]}`
            : `${need.kind} ${need.id} (experiment ${ids[0]})`;
    const warning = ids.flatMap((id) => warnings.get(id) ?? []);
    if (warning.length) {
      warned++;
      options.output(`warning: ${formatPos(need.where)}: ${what}: ${summarise(warning)}`);
    }
    const reason = ids.flatMap((id) => reasons.get(id) ?? []);
    if (reason.length === 0 && warning.length === 0) {
      const problem = valueProblem(need, current);
      if (problem) reason.push(problem);
    }
    if (reason.length === 0) continue;
    failures++;
    options.output(`${formatPos(need.where)}: ${what}: ${summarise(reason)}`);
  }
  session.fingerprints.save();
  const warningNote = warned > 0 ? `; ${warned} not current but needing a backend this machine lacks (warnings above)` : '';
  if (failures > 0) {
    options.output(`check: ${failures} of ${needs.length} uses in the report are not current or not computed (profile ${options.profile})${warningNote}; run \`make report PROFILE=${options.profile}\``);
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
  const byExperiment = new Map<string, PlanEntry[]>();
  for (const entry of plan) byExperiment.set(entry.experimentId, [...(byExperiment.get(entry.experimentId) ?? []), entry]);
  for (const [id, entries] of byExperiment) {
    const entry = entries[0]!;
    const view = await artifactView(session.root, entries, options.profile, session.fingerprints, () => {});
    const where = view.artifactDir ? ` ${view.artifactDir}` : '';
    const detail =
      entry.status === 'invalid'
        ? ` (${entry.error.split('\n')[0]})`
        : entry.status === 'unavailable'
          ? ` (data unavailable: ${entry.unavailable.join(', ')})`
          : entry.status === 'miss' && entry.needsBackend
            ? ` (${refreshOn(entry.needsBackend, entry.experimentId, options.profile)})`
            : '';
    const cells = view.cells ? ` ${view.cells.filter((c) => c.state === 'current').length}/${view.cells.length} cells current` : '';
    say(`  ${id.padEnd(width)} ${view.state.padEnd(7)}${where}${cells}${detail}  ${entry.title}`);
    for (const cell of view.cells ?? []) say(`    ${runLabel(id, cell.cell).padEnd(width)} ${cell.state.padEnd(7)} ${cell.artifactDir ?? ''}`);
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
  const session = await open(options);
  if (session.index.errors.length > 0) throw new Error(session.index.errors.join('\n'));
  const wanted = ids.length > 0 ? ids.map((id) => resolveTarget(id, session.index).experimentId) : [...session.index.experiments.keys()];
  const plan = await planInSession(session, [...new Set(wanted)], options.profile);
  const build = await buildExperiments(session, plan, buildOptions(options));
  session.fingerprints.save();
  return finish(build, options);
}

export function cleanTmpCommand(options: CommandOptions): number {
  for (const dir of removeOrphans(options.root)) options.output(`removed ${repoPath(options.root, dir)}`);
  return 0;
}
