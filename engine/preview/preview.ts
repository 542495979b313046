/**
 * `make preview`: the report served at http://127.0.0.1:PORT/, rendered again (FROZEN, from the cache)
 * whenever report/, a figures.ts, templates/ or the artifact store changes; the open page reloads itself
 * and shows the render's problems in place. Edits that arrive while a render runs are batched into the
 * next one.
 */
import { join } from 'node:path';
import type { CommandOptions } from '../commands/commands.ts';
import { projectPaths, REPO_ROOT } from '../commands/project.ts';
import { sha256 } from '../files/hash.ts';
import { formatPos } from '../render/types.ts';
import { isEmpty, mergeChanges, noChanges, type Changes } from './changes.ts';
import { injectClient, type PreviewState } from './client.ts';
import { IncrementalRender, type Outcome } from './incremental.ts';
import { startServer } from './server.ts';
import { watchFolders } from './watch.ts';

/** Quiet time after the last event before rendering: a save is often several events (truncate, write, rename). */
const SETTLE_MS = 15;

const NOTHING_YET = '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Preview</title></head><body><p>The report has not rendered yet.</p></body></html>';

export function describeOutcome(outcome: Outcome, paths: Iterable<string>): string {
  const what = [...paths].join(', ') || 'first render';
  const { stats } = outcome;
  const work = `${stats.planned ? 'planned' : 'plan reused'}; figures: ${stats.drawn} drawn, ${stats.reused} reused`;
  if (outcome.ok) return `preview: ${what}: rendered in ${stats.ms.toFixed(0)} ms (${work})\n`;
  const listed = outcome.problems.map((p) => `  ${p.where ? `${formatPos(p.where)}: ` : ''}${p.message}${p.suggestion ? ` (${p.suggestion})` : ''}`);
  return `preview: ${what}: ${outcome.problems.length} problem(s), the page keeps its last good render:\n${listed.join('\n')}\n`;
}

export async function previewCommand(options: CommandOptions, port: number): Promise<number> {
  const paths = projectPaths(options.root);
  const renderer = new IncrementalRender({ root: paths.root, profile: options.profile, backend: options.backend, availableBackends: options.availableBackends });
  let page = injectClient(NOTHING_YET, 'none');
  let state: PreviewState = { version: 'none', problems: [] };
  const server = await startServer({ port, buildDir: paths.build, page: () => page, state: () => state });

  let queued: Changes = noChanges();
  /** The render loop while it runs: one at a time, taking whatever was queued meanwhile. */
  let rendering: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  const renderOnce = async (changes: Changes | undefined): Promise<void> => {
    const outcome = await renderer.render(changes);
    if (outcome.ok) {
      const version = sha256(outcome.html).slice(0, 16);
      if (version !== state.version) page = injectClient(outcome.html, version);
      state = { version, problems: [] };
    } else state = { ...state, problems: outcome.problems };
    server.publish();
    options.terminal.write(describeOutcome(outcome, changes?.paths ?? []));
  };
  const loop = async (): Promise<void> => {
    while (!isEmpty(queued)) {
      const changes = queued;
      queued = noChanges();
      await renderOnce(changes);
    }
  };
  // `finally` runs after the assignment, so `rendering` is never left holding a finished loop.
  const drain = (): void => {
    rendering ??= loop().finally(() => (rendering = null));
  };
  const schedule = (change: Changes): void => {
    mergeChanges(queued, change);
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      drain();
    }, SETTLE_MS);
  };
  const watcher = watchFolders(
    [
      { kind: 'report', dir: paths.report },
      { kind: 'experiments', dir: paths.experiments },
      { kind: 'templates', dir: join(REPO_ROOT, 'templates') },
      { kind: 'artifacts', dir: paths.artifacts },
    ],
    schedule,
    (message) => options.terminal.write(`preview: ${message}\n`),
  );
  rendering = renderOnce(undefined).finally(() => {
    rendering = null;
    drain();
  });
  options.terminal.write(
    `preview: serving ${server.url} (127.0.0.1 only); watching report/, experiments/*/figures.ts, templates/ and the artifacts; ` +
      'frozen: nothing is computed here, run make figure FIG=<id> to refresh a result; Ctrl-C stops\n',
  );
  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    else options.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  watcher.close();
  if (timer) clearTimeout(timer);
  await rendering;
  await server.close();
  return 0;
}
