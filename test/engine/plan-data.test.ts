/**
 * The plan's branches (engine/plan/plan.ts), with artifacts written straight into the store: a verified
 * artifact of the current key is a hit; one that is absent, of another key or corrupted is a miss (with the
 * rejection and any recorded failure); with declared data missing, only an artifact whose key matches once
 * the missing files take its recorded fingerprints, and which verifies, is served, and is said to be unverified.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KeyComponents } from '../../engine/contract.ts';
import { openSession } from '../../engine/commands/session.ts';
import { FingerprintCache } from '../../engine/files/fingerprints.ts';
import { cacheKey } from '../../engine/plan/key.ts';
import { planExperiments, type PlanEntry } from '../../engine/plan/plan.ts';
import { artifactDir, recordFailure } from '../../engine/store/store.ts';
import { makeProject, type FixtureProject } from './fixture.ts';
import { manifestOf, writeArtifact } from './stored.ts';

let project: FixtureProject;
let current: Extract<PlanEntry, { status: 'miss' }>;
beforeAll(async () => {
  project = makeProject();
  const first = await plan();
  if (first.status !== 'miss') throw new Error(`expected a miss, got ${first.status}`);
  current = first;
});
afterAll(() => project.remove());
afterEach(() => {
  rmSync(join(project.root, 'artifacts'), { recursive: true, force: true });
  try {
    renameSync(join(project.root, 'inputs', 'numbers.away'), join(project.root, 'inputs', 'numbers.txt'));
  } catch {
    // not moved away in this test
  }
});

let session: Awaited<ReturnType<typeof openSession>> | null = null;

/** The plan of sum (smoke) against the store as it is now; one session (its catalog) serves every test. */
async function plan(): Promise<PlanEntry> {
  session ??= await openSession(project.root, 'auto');
  const fingerprints = FingerprintCache.load(null);
  const [entry] = await planExperiments(session.root, session.index, ['sum'], { profile: 'smoke', backend: session.backend, fingerprints });
  return entry!;
}

const RESULT = { 'metrics.json': '{"total": 30}\n' };
const store = (components: KeyComponents, startedAt = '2026-01-01T00:00:00.000Z') =>
  writeArtifact(artifactDir(project.root, 'sum', cacheKey(components)), manifestOf(components, RESULT, { startedAt }), RESULT);
const hideData = () => renameSync(join(project.root, 'inputs', 'numbers.txt'), join(project.root, 'inputs', 'numbers.away'));
const withParams = (c: KeyComponents, offset: number): KeyComponents => ({ ...c, params: { ...(c.params as object), offset } });

describe('plan with the data present', () => {
  it('is a miss with nothing stored: no rejection, no failure', () => {
    expect(current).toMatchObject({ status: 'miss', key: cacheKey(current.components), rejected: null, failure: null, needsBackend: null });
    expect(current.components.data).toEqual({ numbers: { 'inputs/numbers.txt': expect.stringMatching(/^[0-9a-f]{64}$/) } });
  });

  it('is a hit on a verified artifact of the current key, with nothing unverified', async () => {
    store(current.components);
    const entry = await plan();
    expect(entry).toMatchObject({ status: 'hit', key: current.key, unverifiedData: [], artifact: { dir: artifactDir(project.root, 'sum', current.key) } });
  });

  it('is a miss naming why a stored artifact of the key was rejected, and the recorded failure', async () => {
    store(current.components);
    writeFileSync(join(artifactDir(project.root, 'sum', current.key), 'metrics.json'), 'edited');
    recordFailure(project.root, manifestOf(current.components, {}, { status: 'failed', error: { message: 'boom' } }), 'log');
    const entry = await plan();
    expect(entry).toMatchObject({ status: 'miss', key: current.key, rejected: 'result file metrics.json does not match its recorded sha256 (modified or corrupted)' });
    expect(entry.status === 'miss' && entry.failure?.error).toEqual({ message: 'boom' });
  });

  it('is a miss when only artifacts of other keys are stored', async () => {
    store(withParams(current.components, 99));
    expect(await plan()).toMatchObject({ status: 'miss', key: current.key, rejected: null });
  });
});

describe('plan with declared data missing', () => {
  it('is unavailable, naming the file, when no stored artifact matches', async () => {
    hideData();
    const entry = await plan();
    expect(entry).toMatchObject({ status: 'unavailable', unavailable: ['inputs/numbers.txt'] });
    expect(entry.status === 'unavailable' && entry.components.data).toEqual({ numbers: {} });
  });

  it('serves the artifact whose key matches with its recorded fingerprints, saying the data is unverified', async () => {
    const manifest = store(current.components);
    hideData();
    const entry = await plan();
    expect(entry).toMatchObject({ status: 'hit', key: current.key, unverifiedData: ['inputs/numbers.txt'], components: manifest.components });
  });

  it('never serves an artifact whose key differs in anything else (a param), even the newest', async () => {
    store(withParams(current.components, 99), '2026-06-01T00:00:00.000Z');
    hideData();
    expect((await plan()).status).toBe('unavailable');
  });

  it('never serves a matching artifact that fails verification', async () => {
    store(current.components);
    writeFileSync(join(artifactDir(project.root, 'sum', current.key), 'metrics.json'), 'corrupted');
    hideData();
    expect((await plan()).status).toBe('unavailable');
  });

  it('never serves an artifact that recorded no fingerprint for the missing file', async () => {
    store({ ...current.components, data: { numbers: {} } });
    hideData();
    expect((await plan()).status).toBe('unavailable');
  });

  it('looks past non-matching artifacts to the one that matches, whatever their order', async () => {
    store(withParams(current.components, 98), '2026-06-01T00:00:00.000Z');
    store(current.components, '2026-03-01T00:00:00.000Z');
    store(withParams(current.components, 97), '2026-01-01T00:00:00.000Z');
    hideData();
    expect(await plan()).toMatchObject({ status: 'hit', key: current.key, unverifiedData: ['inputs/numbers.txt'] });
  });
});
