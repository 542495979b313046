/**
 * The report commands end to end on the fixture project (its report/index.md uses a value, a figure, a
 * table of experiment `sum` and an experiments box of `sleeper`): a no-op build runs and renders
 * nothing, `make check` fails on a stale figure and passes after a rebuild, FROZEN=1 marks stale
 * output, `make figure` reruns only the experiments behind a figure, unknown ids name file:line:col.
 */
import { execFile } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../engine/commands/project.ts';
import { makeProject, runCli, type FixtureProject } from './fixture.ts';

let project: FixtureProject;
beforeAll(() => {
  project = makeProject();
});
afterAll(() => project.remove());

const smoke = ['--profile', 'smoke'];
const runsOf = (id: string) => project.runs().filter((l) => l.startsWith(`${id} `)).length;
const html = () => readFileSync(join(project.root, 'build', 'report.html'), 'utf8');

async function make(target: string, vars: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = ['-s', '-C', REPO_ROOT, target, `ROOT=${project.root}`, 'PROFILE=smoke', ...Object.entries(vars).map(([k, v]) => `${k}=${v}`)];
  try {
    const { stdout, stderr } = await promisify(execFile)('make', args);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function editMath(): void {
  const file = join(project.root, 'experiments', 'lib', 'math.ts');
  writeFileSync(file, readFileSync(file, 'utf8').replace('* scale', '* scale + 0'));
}

describe('report commands', () => {
  it('builds the report, and a second build runs nothing and leaves the output as it was', async () => {
    const first = await runCli(project.root, ['report', ...smoke]);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/experiments: 0 cached, 2 ran, 0 failed/);
    expect(html()).toContain('Engine fixture report');
    const written = statSync(join(project.root, 'build', 'report.html')).mtimeMs;

    const second = await runCli(project.root, ['report', ...smoke]);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/experiments: 2 cached, 0 ran, 0 failed/);
    expect(second.stderr).toMatch(/build\/report.html is current/);
    expect(statSync(join(project.root, 'build', 'report.html')).mtimeMs).toBe(written);
    expect(project.runs()).toHaveLength(2);
  });

  it('make check fails on a stale figure, naming where the report uses it and why', async () => {
    expect((await make('check')).code).toBe(0);
    editMath();
    const check = await make('check');
    expect(check.code).not.toBe(0);
    expect(check.stdout).toMatch(/^report\/index\.md:5:\d+: value sum\.total: stale: .*file experiments\/lib\/math\.ts changed/m);
    expect(check.stdout).toMatch(/^report\/index\.md:7:1: figure sum-line \(experiment sum\): stale/m);
    expect(check.stdout).toMatch(/^report\/index\.md:10:1: table sum-table \(experiment sum\): stale/m);
    expect(check.stdout).not.toMatch(/sleeper/);
    const explain = await make('explain', { FIG: 'sum-line' });
    expect(explain.stdout).toMatch(/changed since then:\n {2}file experiments\/lib\/math\.ts changed\n/);
  });

  it('FROZEN=1 runs nothing and marks the stale figure in the report', async () => {
    const frozen = await make('report', { FROZEN: '1' });
    expect(frozen.code).toBe(0);
    expect(frozen.stderr).toMatch(/1 stale, not run/);
    expect(runsOf('sum')).toBe(1);
    expect(html()).toMatch(/class="item figure is-stale"/);
  });

  it('a rebuild reruns exactly the experiment that imports the edited file, and make check passes', async () => {
    const rebuild = await make('report');
    expect(rebuild.code).toBe(0);
    expect([runsOf('sum'), runsOf('sleeper')]).toEqual([2, 1]);
    expect(html()).not.toMatch(/class="item figure is-stale"/);
    expect(html()).toMatch(/class="item figure"/);
    expect((await make('check')).code).toBe(0);
  });

  it('make figure reruns the experiment behind a figure even when cached, and only it', async () => {
    const figure = await make('figure', { FIG: 'sum-table' });
    expect(figure.code).toBe(0);
    expect(figure.stderr).toMatch(/experiments: 1 cached, 1 ran, 0 failed/);
    expect([runsOf('sum'), runsOf('sleeper')]).toEqual([3, 1]);
  });

  it('an unknown figure id is an error at its file:line:col, before anything runs', async () => {
    writeFileSync(join(project.root, 'report', '01-more.md'), '# More\n\n::: figure sum-lines\n:::\n');
    const result = await runCli(project.root, ['report', ...smoke]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/report\/01-more\.md:3:1: unknown figure 'sum-lines'/);
  });
});
