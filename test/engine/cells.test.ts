/**
 * Grids of cells through the real CLI and worker processes: each cell is cached, run and failed on its
 * own; a cell that uses another experiment's result gets that result's key in its own; adding a seed
 * runs only the new cells; a run killed at random points and started again resumes from its checkpoint
 * and ends with exactly the results of a run never interrupted.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processAlive } from '../../engine/files/fsx.ts';
import { cellResults, folders, makeProject, runCli, waitFor, workerPids, type FixtureProject } from './fixture.ts';

const projects: FixtureProject[] = [];
afterAll(() => projects.forEach((p) => p.remove()));
const fresh = () => {
  const p = makeProject('grid-project');
  projects.push(p);
  return p;
};

describe('grids of cells', () => {
  let project: FixtureProject;
  beforeAll(() => {
    project = fresh();
  });

  it('runs every cell once, each with its own artifact, and the cells that use a result after it', async () => {
    const first = await runCli(project.root, ['run', 'train', '--profile=smoke']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/0 cached, 10 ran, 0 failed/);
    expect(first.stderr).toMatch(/ran {4}train\[system=x pair=a seed=1\]/);
    expect(folders(project, 'tokens')).toHaveLength(2);
    expect(folders(project, 'train')).toHaveLength(8);
    // Each tokens cell ran before the train cells of its pair.
    const runs = project.runs();
    for (const pair of ['a', 'b']) {
      const tokens = runs.findIndex((l) => l.startsWith(`tokens ${pair}`));
      const firstTrain = runs.findIndex((l) => l.startsWith('train') && l.includes(`pair=${pair}`));
      expect(tokens).toBeGreaterThanOrEqual(0);
      expect(tokens).toBeLessThan(firstTrain);
    }
    // A train cell's key holds the key of the tokens cell it used, and its blob is listed with its hash.
    const [folder] = folders(project, 'train');
    const manifest = JSON.parse(readFileSync(join(project.root, 'artifacts', 'train', folder!, 'manifest.json'), 'utf8'));
    expect(Object.keys(manifest.components.uses)).toEqual(['tokens']);
    expect(Object.keys(manifest.blobs)).toEqual(['weights.f32']);
    expect(manifest.components.seeds).toEqual([manifest.components.cell.seed]);

    const second = await runCli(project.root, ['run', 'train', '--profile=smoke']);
    expect(second.stderr).toMatch(/10 cached, 0 ran/);
  });

  it('without its blobs (as in a clone: git never holds them) an artifact still verifies from its JSON results', async () => {
    for (const folder of folders(project, 'train')) rmSync(join(project.root, 'artifacts', 'train', folder, 'blobs'), { recursive: true });
    const again = await runCli(project.root, ['run', 'train', '--profile=smoke']);
    expect(again.stderr).toMatch(/10 cached, 0 ran/);
  });

  it('adding a seed runs only the new cells, and explain names them', async () => {
    const before = project.runs().length;
    const source = project.read('experiments/train/grid.ts');
    project.write('experiments/train/grid.ts', source.replace("smoke: { system: ['x', 'y'], pair: ['a', 'b'], seed: [1, 2] }", "smoke: { system: ['x', 'y'], pair: ['a', 'b'], seed: [1, 2, 3] }"));
    const explain = await runCli(project.root, ['explain', 'train', '--profile=smoke']);
    expect(explain.stdout).toMatch(/cell system=x pair=a seed=3: no artifact yet/);
    expect(explain.stdout).toMatch(/8 of 12 cells up to date/);
    const run = await runCli(project.root, ['run', 'train', '--profile=smoke']);
    expect(run.stderr).toMatch(/10 cached, 4 ran, 0 failed/);
    expect(project.runs().slice(before).map((l) => l.split(' ').slice(0, 2).join(' ')).sort()).toEqual([
      'train system=x,pair=a,seed=3',
      'train system=x,pair=b,seed=3',
      'train system=y,pair=a,seed=3',
      'train system=y,pair=b,seed=3',
    ]);
  });

  it('a changed used result makes every cell that uses it stale, and explain says which use changed', async () => {
    const source = project.read('experiments/tokens/experiment.ts');
    project.write('experiments/tokens/experiment.ts', source.replace("const scale = ctx.cell.pair === 'a' ? 1.5 : -0.5;", "const scale = ctx.cell.pair === 'a' ? 1.25 : -0.5;"));
    const explain = await runCli(project.root, ['explain', 'train', '--profile=smoke']);
    expect(explain.stdout).toMatch(/cell system=x pair=a seed=1: changed since then:\n\s+use tokens: its result changed/);
    expect(explain.stdout).toMatch(/0 of 12 cells up to date/);
    project.write('experiments/tokens/experiment.ts', source);
  });

  it('a hand-edited manifest field (a param, the commit) or a truncated manifest is detected and the cell recomputed', async () => {
    const [first, second] = folders(project, 'train').sort();
    const edited = join(project.root, 'artifacts', 'train', first!, 'manifest.json');
    const manifest = JSON.parse(readFileSync(edited, 'utf8'));
    manifest.components.params.steps = 999;
    writeFileSync(edited, JSON.stringify(manifest, null, 2));
    const truncated = join(project.root, 'artifacts', 'train', second!, 'manifest.json');
    const text = readFileSync(truncated, 'utf8');
    writeFileSync(truncated, text.slice(0, text.length / 2));
    const run = await runCli(project.root, ['run', 'train', '--profile=smoke']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/reject train\[.*\]: manifest.json was edited: its fields no longer match its integrity hash; recomputing/);
    expect(run.stderr).toMatch(/reject train\[.*\]: manifest.json is corrupt: not JSON/);
    expect(run.stderr).toMatch(/2 ran, 0 failed/);
    const commit = join(project.root, 'artifacts', 'train', first!, 'manifest.json');
    const resealed = JSON.parse(readFileSync(commit, 'utf8'));
    expect(resealed.components.params.steps).toBe(40);
    resealed.environment.git.commit = 'deadbeef';
    writeFileSync(commit, JSON.stringify(resealed, null, 2));
    const again = await runCli(project.root, ['run', 'train', '--profile=smoke']);
    expect(again.stderr).toMatch(/reject train\[.*\]: manifest.json was edited/);
  });

  it('a failed cell leaves the other cells in place and is the only one rerun', async () => {
    const p = fresh();
    const failed = await runCli(p.root, ['run', 'train', '--profile=smoke'], { FAIL_CELL: 'system=y,pair=b,seed=2' });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/FAILED train\[system=y pair=b seed=2\]: deliberate failure of system=y,pair=b,seed=2/);
    expect(failed.stderr).toMatch(/2 cached|0 cached/);
    expect(failed.stderr).toMatch(/9 ran, 1 failed/);
    expect(folders(p, 'train')).toHaveLength(7);
    expect(readdirSync(join(p.root, 'artifacts', 'train')).filter((e) => e.startsWith('failed-'))).toHaveLength(2);
    const before = p.runs().length;
    const retry = await runCli(p.root, ['run', 'train', '--profile=smoke']);
    expect(retry.code).toBe(0);
    expect(retry.stderr).toMatch(/9 cached, 1 ran, 0 failed/);
    expect(p.runs().slice(before).map((l) => l.split(' ')[1])).toEqual(['system=y,pair=b,seed=2']);
    // The later success clears the failure record.
    expect(readdirSync(join(p.root, 'artifacts', 'train')).filter((e) => e.startsWith('failed-'))).toEqual([]);
  });
});

describe('checkpoints', () => {
  it('a cell killed (kill -9) at random points and restarted resumes and ends with the bits of an uninterrupted run', async () => {
    const whole = fresh();
    const done = await runCli(whole.root, ['run', 'train', '--profile=paper']);
    expect(done.code, done.stderr).toBe(0);

    const killed = fresh();
    // Seeded choice of kill points (in steps of 20 ms each), printed so a failure can be replayed.
    let state = 12345;
    const nextKill = () => 120 + ((state = (state * 1103515245 + 12345) % 2 ** 31) % 400);
    for (let attempt = 0; attempt < 2; attempt++) {
      const build = runCli(killed.root, ['run', 'train', '--profile=paper'], { TRAIN_STEP_MS: '20' });
      const [worker] = await waitFor('the train worker', () => {
        const pids = workerPids(build.child.pid!);
        return pids.length > 0 && killed.runs().some((l) => l.startsWith('train')) && pids;
      });
      const after = nextKill();
      await new Promise((resolve) => setTimeout(resolve, after));
      process.kill(worker!, 'SIGKILL');
      const result = await build;
      expect(result.code, `kill after ${after} ms`).toBe(1);
      expect(result.stderr).toMatch(/the worker was killed by SIGKILL/);
      await waitFor('the killed worker to go', () => !processAlive(worker!));
    }
    expect(readdirSync(join(killed.root, 'artifacts', 'train')).some((e) => e.startsWith('.scratch-'))).toBe(true);
    const resumed = await runCli(killed.root, ['run', 'train', '--profile=paper']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const [folder] = folders(killed, 'train');
    expect(readFileSync(join(killed.root, 'artifacts', 'train', folder!, 'run.log'), 'utf8')).toMatch(/resumed from step [1-9]/);
    expect(cellResults(killed, 'train')).toEqual(cellResults(whole, 'train'));
    const blob = (p: FixtureProject) => readFileSync(join(p.root, 'artifacts', 'train', folders(p, 'train')[0]!, 'blobs', 'weights.f32'));
    expect(blob(killed).equals(blob(whole))).toBe(true);
    expect(readFileSync(join(killed.root, 'artifacts', 'train', folder!, 'series', 'loss.json'), 'utf8')).toBe(
      readFileSync(join(whole.root, 'artifacts', 'train', folders(whole, 'train')[0]!, 'series', 'loss.json'), 'utf8'),
    );
    // A finished run leaves no scratch behind.
    expect(readdirSync(join(killed.root, 'artifacts', 'train')).filter((e) => e.startsWith('.'))).toEqual([]);
  });
});

