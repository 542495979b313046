/**
 * Fault trials kept as tests: kill -9 of the whole build and of a worker at seeded random moments (start-up,
 * planning, running, writing results, installing), and a flipped byte in a stored result. After each, the
 * store holds no half-written artifact (every artifact folder verifies), the next build recovers (reruns what
 * is missing, clears the failure record the kill left), and afterwards nothing temporary is left behind.
 * FAULT_SEED changes the moments; the seed is in each test's name.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processAlive } from '../../engine/files/fsx.ts';
import { FingerprintCache } from '../../engine/files/fingerprints.ts';
import { verifyArtifact } from '../../engine/store/store.ts';
import { descendants, makeProject, runCli, waitFor, workerPids, type FixtureProject } from './fixture.ts';

const SEED = Number(process.env.FAULT_SEED ?? 15);
const TRIALS = Number(process.env.FAULT_TRIALS ?? 2);

/** mulberry32, so the kill moments are the same on every run of a seed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let project: FixtureProject;
beforeAll(() => {
  project = makeProject();
});
afterAll(() => project.remove());

const IDS = ['sum', 'sleeper'];
// The local profile's 400 sleeper steps at 3 ms: a run of about a second and a half, with progress throughout.
const ENV = { SLEEPER_STEP_MS: '3' };
const storeOf = (id: string) => join(project.root, 'artifacts', id);
const entries = (id: string) => (existsSync(storeOf(id)) ? readdirSync(storeOf(id)).sort() : []);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every artifact folder verifies, and nothing else but failure records and the store's dot names is there. */
async function expectNoHalfWrittenArtifact(what: string): Promise<void> {
  for (const id of IDS) {
    for (const entry of entries(id)) {
      if (entry.startsWith('.') || /^failed-[0-9a-f]{12}\.(json|log)$/.test(entry)) continue;
      expect(entry, `${what}: ${id}/${entry}`).toMatch(/^[0-9a-f]{12}$/);
      const verified = await verifyArtifact(join(storeOf(id), entry), FingerprintCache.load(null));
      expect(verified.ok ? 'ok' : verified.reason, `${what}: ${id}/${entry}`).toBe('ok');
    }
  }
}

/** The next build succeeds, every experiment then has one verified artifact, and no temp, lease or failure is left. */
async function expectRecovery(what: string): Promise<void> {
  const next = await runCli(project.root, ['run', ...IDS, '--profile', 'local'], ENV);
  expect(next.code, `${what}: the next build\n${next.stderr}`).toBe(0);
  await expectNoHalfWrittenArtifact(`${what}, after the next build`);
  for (const id of IDS) {
    expect(entries(id).filter((e) => /^[0-9a-f]{12}$/.test(e)), `${what}: ${id}`).toHaveLength(1);
    expect(entries(id).filter((e) => !/^[0-9a-f]{12}$/.test(e)), `${what}: ${id} leftovers`).toEqual([]);
  }
}

describe(`fault trials (FAULT_SEED=${SEED})`, () => {
  it(`kill -9 of the build at ${TRIALS} random moments, then a rebuild`, async () => {
    const rand = seeded(SEED);
    for (let trial = 0; trial < TRIALS; trial++) {
      rmSync(join(project.root, 'artifacts'), { recursive: true, force: true });
      const at = Math.floor(rand() * 3500);
      const what = `trial ${trial}: build killed at ${at} ms`;
      const build = runCli(project.root, ['run', ...IDS, '--profile', 'local'], ENV);
      let finished = false;
      void build.then(() => (finished = true));
      await sleep(at);
      const below = descendants(build.child.pid!).map((p) => p.pid);
      if (!finished) build.child.kill('SIGKILL');
      await build;
      // The supervisors notice the build is gone, stop their workers and clean up after themselves.
      await waitFor(`${what}: its processes to exit`, () => below.every((pid) => !processAlive(pid)), 20_000);
      await expectNoHalfWrittenArtifact(what);
      await expectRecovery(what);
    }
  }, 180_000);

  it(`kill -9 of a worker at ${TRIALS} random moments of its run: the build fails it, the next one reruns it`, async () => {
    const rand = seeded(SEED + 1);
    let failedRuns = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      rmSync(join(project.root, 'artifacts'), { recursive: true, force: true });
      const at = Math.floor(rand() * 1200);
      const what = `trial ${trial}: worker killed ${at} ms after it started`;
      const build = runCli(project.root, ['run', 'sleeper', '--profile', 'local'], ENV);
      const [worker] = await waitFor(`${what}: the worker to start`, () => {
        const pids = workerPids(build.child.pid!);
        return pids.length > 0 && pids;
      });
      await sleep(at);
      const killed = processAlive(worker!);
      if (killed) process.kill(worker!, 'SIGKILL');
      const result = await build;
      if (result.code !== 0) {
        failedRuns++;
        expect(result.stderr, what).toMatch(/FAILED sleeper: the worker was killed by SIGKILL/);
        // The failure is recorded (its log beside it), never as a result.
        expect(entries('sleeper').filter((e) => e.startsWith('failed-')), what).toHaveLength(2);
      }
      expect(entries('sleeper').filter((e) => e.startsWith('.')), `${what}: the supervisor cleans up`).toEqual([]);
      await expectNoHalfWrittenArtifact(what);
      // Recovery includes clearing the failure record: a later success of the key removes it.
      await expectRecovery(what);
    }
    // The seeded moments must include a kill during the run, or the trial tested nothing.
    expect(failedRuns).toBeGreaterThan(0);
  }, 180_000);

  it('a flipped byte in a stored result is detected, reported and recomputed to the same bytes', async () => {
    rmSync(join(project.root, 'artifacts'), { recursive: true, force: true });
    expect((await runCli(project.root, ['run', 'sum', '--profile', 'local'], ENV)).code).toBe(0);
    const [folder] = entries('sum');
    const dir = join(storeOf('sum'), folder!);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { files: Record<string, string> };
    const rand = seeded(SEED + 2);
    const files = Object.keys(manifest.files).sort();
    const file = files[Math.floor(rand() * files.length)]!;
    const original = readFileSync(join(dir, file));
    const at = Math.floor(rand() * original.length);
    const flipped = Buffer.from(original);
    flipped[at] = flipped[at]! ^ (1 << Math.floor(rand() * 8));
    writeFileSync(join(dir, file), flipped);
    const again = await runCli(project.root, ['run', 'sum', '--profile', 'local'], ENV);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`reject sum: result file ${file} does not match its recorded sha256`);
    expect(again.stderr).toMatch(/1 ran/);
    expect(readFileSync(join(dir, file)).equals(original), `${file} byte ${at} recomputed`).toBe(true);
    expect(entries('sum')).toEqual([folder]);
  }, 60_000);
});
