/**
 * The Slurm executor against a real cluster (CI starts a single-node one: .ci/slurm-up.sh): every cell
 * of a grid runs as its own Slurm job and gives the same bits as the local executor; a second build
 * submits nothing; a job cancelled with scancel mid-run resumes from its checkpoint when the next build
 * resubmits it. Skipped, saying so, where no Slurm controller answers. DRY_RUN needs no cluster.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cellResults, folders, makeProject, runCli, waitFor, type FixtureProject } from './fixture.ts';

function slurmUp(): boolean {
  try {
    execFileSync('sinfo', ['-h', '-o', '%T'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}
const reachable = slurmUp();
if (!reachable) console.warn('slurm tests skipped: no Slurm controller answers `sinfo` here (CI starts one with .ci/slurm-up.sh)');

const projects: FixtureProject[] = [];
afterAll(() => projects.forEach((p) => p.remove()));
const fresh = () => {
  const p = makeProject('grid-project');
  projects.push(p);
  return p;
};
const blobs = (p: FixtureProject) =>
  new Map(folders(p, 'train').map((f) => [JSON.stringify(JSON.parse(readFileSync(join(p.root, 'artifacts', 'train', f, 'manifest.json'), 'utf8')).components.cell), readFileSync(join(p.root, 'artifacts', 'train', f, 'blobs', 'weights.f32')).toString('hex')]));

describe('DRY_RUN with EXECUTOR=slurm', () => {
  it('lists the jobs it would submit, with their sbatch lines and order, and submits nothing', async () => {
    const p = fresh();
    const dry = await runCli(p.root, ['run', 'train', '--profile=smoke', '--executor=slurm', '--dry-run=1', '--backend=cpu'], { SLURM_PARTITION: 'gpu', SLURM_TIME: '02:00:00', SLURM_FLAGS: '--account=study --qos=normal' });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toMatch(/would run tokens\[pair=a\] \(key [0-9a-f]{12}\):\n {2}sbatch --parsable '--job-name=tokens\[pair=a\]' /);
    expect(dry.stderr).toMatch(/would run train\[system=x pair=a seed=1\] \(key [0-9a-f]{12}\), after tokens\[pair=a\]:/);
    expect(dry.stderr).toMatch(/--partition=gpu --time=02:00:00 --account=study --qos=normal/);
    expect(dry.stderr).toMatch(/10 stale, not run/);
    expect(p.runs()).toEqual([]);
  });
});

describe.skipIf(!reachable)('EXECUTOR=slurm on a real cluster', () => {
  it('runs every cell as a Slurm job, with the bits of the local executor, and a second build submits nothing', async () => {
    const local = fresh();
    expect((await runCli(local.root, ['run', 'train', '--profile=smoke'])).code).toBe(0);
    const cluster = fresh();
    const first = await runCli(cluster.root, ['run', 'train', '--profile=smoke', '--executor=slurm']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr.match(/^submit /gm)).toHaveLength(10);
    expect(first.stderr).toMatch(/0 cached, 10 ran, 0 failed/);
    expect(cellResults(cluster, 'train')).toEqual(cellResults(local, 'train'));
    expect(blobs(cluster)).toEqual(blobs(local));
    const [folder] = folders(cluster, 'train');
    const manifest = JSON.parse(readFileSync(join(cluster.root, 'artifacts', 'train', folder!, 'manifest.json'), 'utf8'));
    expect(manifest.environment.slurm.jobId).toMatch(/^\d+$/);
    expect(manifest.environment.host).toBeTruthy();

    const second = await runCli(cluster.root, ['run', 'train', '--profile=smoke', '--executor=slurm']);
    expect(second.stderr).not.toMatch(/^submit /m);
    expect(second.stderr).toMatch(/10 cached, 0 ran/);
  });

  it('a job cancelled with scancel mid-run resumes from its checkpoint when resubmitted, ending as an uninterrupted run', async () => {
    const whole = fresh();
    expect((await runCli(whole.root, ['run', 'train', '--profile=paper'])).code).toBe(0);
    const cluster = fresh();
    const build = runCli(cluster.root, ['run', 'train', '--profile=paper', '--executor=slurm'], { TRAIN_STEP_MS: '40' });
    const store = join(cluster.root, 'artifacts', 'train');
    const jobFile = await waitFor('the train job to reach a checkpoint', () => {
      if (!existsSync(store)) return null;
      const scratch = readdirSync(store).find((e) => e.startsWith('.scratch-'));
      const job = readdirSync(store).find((e) => e.startsWith('.job-'));
      return scratch && job && existsSync(join(store, scratch, 'checkpoint.bin')) && join(store, job);
    });
    const id = JSON.parse(readFileSync(jobFile, 'utf8')).slurmJobId as string;
    execFileSync('scancel', [id]);
    const cancelled = await build;
    expect(cancelled.code, cancelled.stderr).toBe(1);
    expect(cancelled.stderr).toMatch(new RegExp(`(STOPPED|FAILED) train\\[system=x pair=a seed=1\\]: (terminated \\(SIGTERM\\)|Slurm job ${id} ended)`));
    expect(folders(cluster, 'train')).toEqual([]);

    const resumed = await runCli(cluster.root, ['run', 'train', '--profile=paper', '--executor=slurm']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/^submit train/m);
    const [folder] = folders(cluster, 'train');
    expect(readFileSync(join(store, folder!, 'run.log'), 'utf8')).toMatch(/resumed from step [1-9]/);
    expect(cellResults(cluster, 'train')).toEqual(cellResults(whole, 'train'));
    expect(blobs(cluster)).toEqual(blobs(whole));
  });
});
