/**
 * An experiment that requires a backend (`requiresBackend: 'webgpu'`) on the fixture project: its key
 * uses that backend whatever BACKEND says; where the backend is not available the engine never runs it,
 * the report shows its placeholder or stale artifact, and `check` warns instead of failing, while a
 * stale experiment that can run here still fails check.
 */
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, runCli, webgpuOnlyExperiment, type FixtureProject } from './fixture.ts';

let project: FixtureProject;
const smoke = ['--profile', 'smoke'];
const runsOf = (id: string) => project.runs().filter((l) => l.startsWith(`${id} `)).length;
const html = () => readFileSync(join(project.root, 'build', 'report.html'), 'utf8');
const refresh = 'needs webgpu on a GPU to refresh: node --import tsx engine/cli.ts run gpu --profile smoke --backend webgpu';

const experiment = (factor: number) =>
  webgpuOnlyExperiment(`ctx.results.series('points', [{ x: 1, y: ${factor} * ctx.params.n }]);
    ctx.results.metrics({ backend: ctx.backend });`);

beforeAll(() => {
  project = makeProject();
  project.write('experiments/gpu/experiment.ts', experiment(1));
  project.write(
    'experiments/gpu/figures.ts',
    `import { defineFigure } from '../../engine/contract.ts';
export const figures = {
  'gpu-line': defineFigure({ title: 'GPU', caption: 'A point.', alt: 'A point.', plot: (r) => ({ marks: [{ type: 'dot', data: r.series('points') }] }) }),
};
`,
  );
  project.write('report/index.md', project.read('report/index.md') + '\n::: figure gpu-line\n:::\n');
});
afterAll(() => project.remove());

describe('requiresBackend', () => {
  it('is never run where its backend is not available: the report shows a placeholder, check only warns', async () => {
    const report = await runCli(project.root, ['report', ...smoke]);
    expect(report.code).toBe(0);
    expect(report.stderr).toContain(`note   gpu: ${refresh}`);
    expect(report.stderr).toMatch(/experiments: 0 cached, 2 ran, 0 failed, 1 stale, not run/);
    expect(runsOf('gpu')).toBe(0);
    expect(html()).toContain(refresh);

    const check = await runCli(project.root, ['check', ...smoke]);
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/^warning: report\/index\.md:\d+:1: figure gpu-line \(experiment gpu\): missing: never built with profile smoke; needs webgpu on a GPU/m);
  });

  it('asked for by name where its backend is not available, it is an error and still does not run', async () => {
    const figure = await runCli(project.root, ['figure', 'gpu-line', ...smoke]);
    expect(figure.code).toBe(1);
    expect(figure.stderr).toContain(`ERROR  gpu: ${refresh}`);
    expect(runsOf('gpu')).toBe(0);
  });

  it('runs on the required backend when BACKEND names it, and its key then holds under any BACKEND', async () => {
    // This machine's WebGPU adapter, as the GPU probe answers, is a hardware GPU for this run (a software one never counts).
    project.write('kernels/webgpu/probe.ts', `console.log(${JSON.stringify(JSON.stringify({ adapter: 'NVIDIA H200 (Vulkan)', hardware: true }))});\n`);
    const run = await runCli(project.root, ['run', 'gpu', ...smoke, '--backend', 'webgpu']);

    rmSync(join(project.root, 'kernels/webgpu/probe.ts'));
    expect(run.code).toBe(0);
    expect(runsOf('gpu')).toBe(1);
    const dir = join(project.root, 'artifacts', 'gpu');
    const [key] = readdirSync(dir).filter((f) => !f.startsWith('.'));
    const manifest = JSON.parse(readFileSync(join(dir, key!, 'manifest.json'), 'utf8'));
    expect(manifest.components.backend).toBe('webgpu');
    expect(manifest.environment.backend.name).toBe('webgpu');

    const check = await runCli(project.root, ['check', ...smoke]);
    expect(check.code).toBe(0);
    expect(check.stdout).not.toMatch(/warning/);
    const cpu = await runCli(project.root, ['report', ...smoke, '--backend', 'cpu']);
    expect(cpu.stderr).toMatch(/experiments: 3 cached, 0 ran/);
  });

  it('stale: a warning for it, a failure for a stale experiment that can run here; AVAILABLE_BACKENDS makes it a failure', async () => {
    project.write('experiments/gpu/experiment.ts', experiment(2));
    const warned = await runCli(project.root, ['check', ...smoke]);
    expect(warned.code).toBe(0);
    expect(warned.stdout).toMatch(/^warning: .*figure gpu-line \(experiment gpu\): stale: .*experiments\/gpu\/experiment\.ts changed.*needs webgpu on a GPU to refresh/m);

    const frozenReport = await runCli(project.root, ['report', ...smoke]);
    expect(frozenReport.code).toBe(0);
    expect(runsOf('gpu')).toBe(1);
    expect(html()).toMatch(/class="item figure is-stale"/);

    // (webgpu counts as available only with a hardware adapter, as the GPU probe answers.)
    project.write('kernels/webgpu/probe.ts', `console.log(${JSON.stringify(JSON.stringify({ adapter: 'NVIDIA H200 (Vulkan)', hardware: true }))});\n`);
    const available = await runCli(project.root, ['check', ...smoke], { AVAILABLE_BACKENDS: 'webgpu' });
    rmSync(join(project.root, 'kernels/webgpu/probe.ts'));
    expect(available.code).toBe(1);
    expect(available.stdout).toMatch(/^report\/index\.md:\d+:1: figure gpu-line \(experiment gpu\): stale/m);

    const math = join('experiments', 'lib', 'math.ts');
    project.write(math, project.read(math).replace('* scale', '* scale + 0'));
    const failed = await runCli(project.root, ['check', ...smoke]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/^report\/index\.md:\d+:\d+: value sum\.total: stale/m);
    expect(failed.stdout).toMatch(/^warning: .*gpu-line/m);
  });
});
