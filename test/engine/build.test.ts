/**
 * Builds of the fixture project through real worker processes: a hit runs nothing, a failure is
 * recorded and shown but never becomes a result, a corrupted result file is detected and recomputed,
 * a bad param fails naming the field and the file, missing data is reported without crashing the build.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExperiments, type ExperimentsBuild } from '../../engine/run/build.ts';
import { systemClock } from '../../engine/commands/effects.ts';
import { openSession } from '../../engine/commands/session.ts';
import { planExperiments } from '../../engine/plan/plan.ts';
import { verifyArtifact } from '../../engine/store/store.ts';
import { loadResults } from '../../engine/store/results.ts';
import { FingerprintCache } from '../../engine/files/fingerprints.ts';
import { localExecutor } from '../../engine/run/executors/local.ts';
import { readManifestIn } from '../../engine/store/manifest.ts';
import type { Manifest } from '../../engine/contract.ts';
import { captureTerminal, makeProject, runCli, type FixtureProject } from './fixture.ts';

let project: FixtureProject;
beforeAll(() => {
  project = makeProject();
});
afterAll(() => project.remove());

async function build(ids: string[], profile: 'smoke' | 'local' | 'paper' = 'smoke', force?: string[], frozen = false): Promise<ExperimentsBuild & { text: string }> {
  const terminal = captureTerminal();
  const session = await openSession(project.root, 'auto');
  const plan = await planExperiments(session.root, session.index, ids, { profile, backend: session.backend, available: session.available, fingerprints: session.fingerprints });
  const result = await buildExperiments(session, plan, { profile, executor: localExecutor(2), frozen, terminal, clock: systemClock, signal: new AbortController().signal, ...(force ? { force } : {}) });
  session.fingerprints.save();
  return { ...result, text: terminal.text() };
}

const artifactsOf = (id: string) => readdirSync(join(project.root, 'artifacts', id));

describe('build', () => {
  it('runs a miss, stores a verified artifact, and a second build runs nothing', async () => {
    const first = await build(['sum', 'sleeper']);
    expect(first.counts).toMatchObject({ cached: 0, ran: 2, failed: 0 });
    expect(first.ok).toBe(true);
    expect(project.runs().map((l) => l.split(' ')[0]).sort()).toEqual(['sleeper', 'sum']);

    const second = await build(['sum', 'sleeper']);
    expect(second.counts).toMatchObject({ cached: 2, ran: 0, failed: 0 });
    expect(project.runs()).toHaveLength(2);

    const outcome = first.outcomes.find((o) => o.experimentId === 'sum')!;
    if (outcome.status !== 'ran') throw new Error('sum did not run');
    const manifest = readManifestIn(outcome.dir).ok ? (readManifestIn(outcome.dir) as { manifest: Manifest }).manifest : null!;
    expect(manifest.status).toBe('ok');
    expect(Object.keys(manifest.files)).toEqual(['metrics.json', 'series/cumulative.json']);
    expect(manifest.dataRead).toEqual(manifest.components.data);
    expect(manifest.peakRssBytes).toBeGreaterThan(10_000_000);
    expect(manifest.environment.backend).toEqual({ name: 'cpu', version: 'fixture-1', details: { fixture: true } });
    const results = loadResults(outcome.dir, manifest);
    expect(results.metrics).toEqual({ total: 30, count: 5 });
    expect(results.series('cumulative').at(-1)).toEqual({ i: 4, value: 5, cumulative: 30 });
    expect(() => results.series('nope')).toThrow(/no series 'nope'/);
    // Stored JSON is pretty-printed with sorted keys.
    expect(readFileSync(join(outcome.dir, 'manifest.json'), 'utf8')).toMatch(/^\{\n {2}"components": \{\n {4}"backend": "cpu",/);
  });

  it('detects a corrupted result file, reports it and recomputes', async () => {
    const [dir] = artifactsOf('sum').filter((d) => !d.startsWith('.') && !d.startsWith('failed'));
    const seriesFile = join(project.root, 'artifacts', 'sum', dir!, 'series', 'cumulative.json');
    writeFileSync(seriesFile, readFileSync(seriesFile, 'utf8').replace('"cumulative":30', '"cumulative":31'));
    const again = await build(['sum']);
    expect(again.text).toMatch(/reject sum: result file series\/cumulative.json does not match its recorded sha256/);
    expect(again.counts).toMatchObject({ ran: 1 });
    expect(project.runs().filter((l) => l.startsWith('sum'))).toHaveLength(2);
    const verified = await verifyArtifact(join(project.root, 'artifacts', 'sum', dir!), FingerprintCache.load(null));
    expect(verified.ok).toBe(true);
  });

  it('reruns a cached experiment when forced (make figure), replacing its artifact', async () => {
    const forced = await build(['sum', 'sleeper'], 'smoke', ['sum']);
    expect(forced.counts).toMatchObject({ ran: 1, cached: 1 });
    expect(artifactsOf('sum').filter((d) => !d.startsWith('.'))).toHaveLength(1);
  });

  it('records a failure, shows its log, keeps the others, and never serves it as a result', async () => {
    const result = await build(['failing', 'sum']);
    expect(result.ok).toBe(false);
    expect(result.counts).toMatchObject({ failed: 1, cached: 1 });
    expect(result.text).toMatch(/FAILED failing: deliberate failure: boom/);
    expect(result.text).toMatch(/log: artifacts\/failing\/failed-[0-9a-f]{12}\.log/);
    expect(result.text).toMatch(/; before it, the log says: \[info\] about to fail\. DEBUG=1 shows the stack frames\./);
    expect(artifactsOf('failing').sort()).toEqual([expect.stringMatching(/^failed-[0-9a-f]{12}\.json$/), expect.stringMatching(/^failed-[0-9a-f]{12}\.log$/)].sort());
    const failure = JSON.parse(readFileSync(join(project.root, 'artifacts', 'failing', artifactsOf('failing').find((f) => f.endsWith('.json'))!), 'utf8'));
    expect(failure).toMatchObject({ status: 'failed', error: { message: 'deliberate failure: boom' }, files: {} });
    // A failure is not a result: the next build runs it again.
    const again = await build(['failing']);
    expect(again.counts.failed).toBe(1);
    expect(project.runs().filter((l) => l.startsWith('failing'))).toHaveLength(2);
  });

  it('reports missing data as unavailable without running the experiment or crashing the build', async () => {
    const result = await build(['sum', 'sleeper'], 'paper');
    expect(result.text).toMatch(/ERROR {2}sum: data unavailable: inputs\/missing.txt/);
    expect(result.counts).toMatchObject({ errors: 1, ran: 1 });
    expect(result.ok).toBe(false);
  });

  it('in a frozen build notes missing data instead of failing, since nothing would run', async () => {
    const result = await build(['sum'], 'paper', undefined, true);
    expect(result.text).toMatch(/note {3}sum: data unavailable: inputs\/missing.txt; not run \(frozen\)/);
    expect(result.text).not.toContain('ERROR');
    expect(result.counts).toMatchObject({ errors: 0, ran: 0, notRun: 1 });
    expect(result.ok).toBe(true);
  });

  it('fails a bad param naming the field and the file', async () => {
    const file = join(project.root, 'experiments', 'sum', 'experiment.ts');
    writeFileSync(file, readFileSync(file, 'utf8').replace("local: { offset: 1 }", "local: { offset: 'one' }"));
    const result = await runCli(project.root, ['run', 'sum', '--profile', 'local']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/ERROR {2}sum: experiments\/sum\/experiment.ts: profile local: params.offset: .*expected number/i);
    expect(existsSync(join(project.root, 'artifacts', 'sum'))).toBe(true);
  });

  it('without its data, uses an artifact that matches every other key component, saying the data was not verified', async () => {
    // The previous test broke sum's local params: restore them and build smoke first.
    const file = join(project.root, 'experiments', 'sum', 'experiment.ts');
    writeFileSync(file, readFileSync(file, 'utf8').replace("local: { offset: 'one' }", 'local: { offset: 1 }'));
    await build(['sum']);
    const session = await openSession(project.root, 'auto');
    const [before] = await planExperiments(session.root, session.index, ['sum'], { profile: 'smoke', backend: session.backend, fingerprints: session.fingerprints });
    expect(before!.status).toBe('hit');
    rmSync(join(project.root, 'inputs', 'numbers.txt'));
    const [after] = await planExperiments(session.root, session.index, ['sum'], { profile: 'smoke', backend: session.backend, fingerprints: session.fingerprints });
    expect(after).toMatchObject({ status: 'hit', unverifiedData: ['inputs/numbers.txt'], key: (before as { key: string }).key });
  });
});
