/**
 * What interruptions leave behind: kill -9 of a running experiment, kill -9 of the whole build, and
 * two builds of the same keys at once. None may leave a half-written artifact or run a key twice.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processAlive } from '../../engine/files/fsx.ts';
import { FingerprintCache } from '../../engine/files/fingerprints.ts';
import { verifyArtifact } from '../../engine/store/store.ts';
import { makeProject, parentOf, runCli, waitFor, workerPids, type FixtureProject } from './fixture.ts';

// One project for all three: each test builds its own profile, so each starts with its keys unbuilt.
let project: FixtureProject;
beforeAll(() => {
  project = makeProject();
});
afterAll(() => project.remove());

const store = (id: string) => (existsSync(join(project.root, 'artifacts', id)) ? readdirSync(join(project.root, 'artifacts', id)).sort() : []);
const artifactFolders = (id: string) => store(id).filter((e) => /^[0-9a-f]{12}$/.test(e));
const SLOW = { SLEEPER_STEP_MS: '20000' };
const FAST = { SLEEPER_STEP_MS: '1' };

describe('interruptions', () => {
  it('kill -9 of a running experiment leaves no artifact, fails the build, and the next build reruns it', async () => {
    const build = runCli(project.root, ['run', 'sleeper', '--profile', 'local'], SLOW);
    const [worker] = await waitFor('the worker to start', () => {
      const pids = workerPids(build.child.pid!);
      return pids.length > 0 && project.runs().length > 0 && pids;
    });
    process.kill(worker!, 'SIGKILL');
    const result = await build;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/FAILED sleeper: the worker was killed by SIGKILL/);
    expect(artifactFolders('sleeper')).toEqual([]);
    expect(store('sleeper').filter((e) => e.startsWith('.'))).toEqual([]);

    const next = await runCli(project.root, ['run', 'sleeper', '--profile', 'local'], FAST);
    expect(next.code).toBe(0);
    expect(next.stderr).toMatch(/1 ran/);
    expect(project.runs()).toHaveLength(2);
    expect(artifactFolders('sleeper')).toHaveLength(1);
  });

  it("kill -9 of the build and of the run's supervisor leaves only a temp folder and a lease, which the next build removes before rerunning", async () => {
    const build = runCli(project.root, ['run', 'sleeper', '--profile', 'paper'], SLOW);
    const [worker] = await waitFor('the worker to start', () => {
      const pids = workerPids(build.child.pid!);
      return pids.length > 0 && project.runs().length > 2 && pids;
    });
    const supervisor = parentOf(worker!);
    build.child.kill('SIGKILL');
    process.kill(supervisor, 'SIGKILL');
    await build;
    // The orphaned worker notices its parent is gone (stdin closes) and stops.
    await waitFor('the orphaned worker to exit', () => !processAlive(worker!), 10_000);
    expect(artifactFolders('sleeper')).toHaveLength(1); // the previous test's (profile local)
    expect(store('sleeper').some((e) => e.startsWith('.tmp-'))).toBe(true);
    expect(store('sleeper').some((e) => e.startsWith('.lock-'))).toBe(true);

    const next = await runCli(project.root, ['run', 'sleeper', '--profile', 'paper'], FAST);
    expect(next.code).toBe(0);
    expect(project.runs()).toHaveLength(4);
    expect(store('sleeper').filter((e) => e.startsWith('.'))).toEqual([]);
    expect(artifactFolders('sleeper')).toHaveLength(2);
  });

  it("kill -9 of the build alone: the run's supervisor stops the worker and cleans up after itself", async () => {
    for (const folder of artifactFolders('sleeper')) rmSync(join(project.root, 'artifacts', 'sleeper', folder), { recursive: true });
    const build = runCli(project.root, ['run', 'sleeper', '--profile', 'paper'], SLOW);
    const runsBefore = project.runs().length;
    const [worker] = await waitFor('the worker to start', () => {
      const pids = workerPids(build.child.pid!);
      return pids.length > 0 && project.runs().length > runsBefore && pids;
    });
    const supervisor = parentOf(worker!);
    build.child.kill('SIGKILL');
    await build;
    await waitFor('the worker and its supervisor to exit', () => !processAlive(worker!) && !processAlive(supervisor), 15_000);
    expect(store('sleeper').filter((e) => e.startsWith('.tmp-') || e.startsWith('.lock-'))).toEqual([]);
  });

  it('two builds at once run each key once and both succeed', async () => {
    const env = { SLEEPER_STEP_MS: '700' };
    const before = project.runs().length;
    const [a, b] = await Promise.all([runCli(project.root, ['run', 'sum', 'sleeper', '--profile', 'smoke'], env), runCli(project.root, ['run', 'sum', 'sleeper', '--profile', 'smoke'], env)]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(project.runs().slice(before).map((l) => l.split(' ')[0]).sort()).toEqual(['sleeper', 'sum']);
    const summaries = [a.stderr, b.stderr].map((s) => /experiments: (\d+) cached, (\d+) ran/.exec(s)!.slice(1).map(Number));
    // Between them, each experiment ran exactly once; the other build took it from the cache.
    expect(summaries[0]![1]! + summaries[1]![1]!).toBe(2);
    expect(summaries[0]![0]! + summaries[1]![0]!).toBe(2);
    for (const id of ['sum', 'sleeper']) {
      const [folder] = artifactFolders(id);
      expect((await verifyArtifact(join(project.root, 'artifacts', id, folder!), FingerprintCache.load(null))).ok).toBe(true);
      expect(store(id).filter((e) => e.startsWith('.'))).toEqual([]);
    }
  });
});
