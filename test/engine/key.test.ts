/**
 * The cache key follows exactly what an experiment depends on: its transitive project imports, the
 * packages they import, params, data, seeds, the cacheVersion salt; not figures.ts, unrelated files,
 * comments or formatting.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendName } from '../../engine/contract.ts';
import { explainChange } from '../../engine/plan/explain.ts';
import { planExperiments, type PlanEntry } from '../../engine/plan/plan.ts';
import { openSession } from '../../engine/commands/session.ts';
import { makeProject, type FixtureProject } from './fixture.ts';

let project: FixtureProject;
beforeAll(() => {
  project = makeProject();
});
afterAll(() => project.remove());

async function plan(id = 'sum', profile: 'smoke' | 'local' = 'smoke', backend?: BackendName): Promise<Extract<PlanEntry, { key: string }>> {
  const session = await openSession(project.root, 'auto');
  const [entry] = await planExperiments(session.root, session.index, [id], { profile, backend: backend ?? session.backend, fingerprints: session.fingerprints });
  session.fingerprints.save();
  if (entry!.status !== 'miss' && entry!.status !== 'hit') throw new Error(`unexpected plan ${JSON.stringify(entry)}`);
  return entry as Extract<PlanEntry, { key: string }>;
}

function edit(file: string, change: (text: string) => string): void {
  const path = join(project.root, file);
  const before = readFileSync(path, 'utf8');
  const after = change(before);
  expect(after).not.toBe(before);
  writeFileSync(path, after);
}

describe('cache key', () => {
  it('lists the transitive project imports and the packages they import', async () => {
    const entry = await plan();
    expect(Object.keys(entry.components.files)).toEqual([
      'engine/contract.ts',
      'experiments/lib/math.ts',
      'experiments/lib/runs.ts',
      'experiments/sum/experiment.ts',
      'kernels/backend/index.ts',
    ]);
    expect(entry.components.packages).toEqual({ 'fixture-dep': '1.0.0', zod: expect.any(String) });
    expect(entry.components.data).toEqual({ numbers: { 'inputs/numbers.txt': expect.stringMatching(/^[0-9a-f]{64}$/) } });
  });

  it('is stable when nothing changes, and ignores figures.ts, unrelated files, comments and formatting', async () => {
    const before = await plan();
    expect((await plan()).key).toBe(before.key);
    edit('experiments/sum/figures.ts', (t) => t.replace("'Cumulative sum'", "'Running total'"));
    edit('experiments/lib/unrelated.ts', (t) => t.replace('unused = 1', 'unused = 2'));
    edit('experiments/lib/math.ts', (t) => t.replace('export function total', '// a comment only\nexport   function total'));
    expect((await plan()).key).toBe(before.key);
  });

  it('changes when a transitively imported project file changes, and explain names the file', async () => {
    const before = await plan();
    edit('experiments/lib/math.ts', (t) => t.replace('* scale', '* scale + 0'));
    const after = await plan();
    expect(after.key).not.toBe(before.key);
    expect(explainChange(before.components, after.components)).toEqual(['file experiments/lib/math.ts changed']);
  });

  it('follows files loaded by a URL relative to the module (a .wasm binary, a worker script) and what those load', async () => {
    project.write('experiments/lib/table.bin', 'one');
    project.write('experiments/lib/helper.mjs', "export const t = new URL('./table.bin', import.meta.url);\n");
    edit('experiments/lib/math.ts', (t) => `${t}export const helper = new URL('./helper.mjs', import.meta.url);\n`);
    const before = await plan();
    expect(Object.keys(before.components.files)).toEqual(expect.arrayContaining(['experiments/lib/helper.mjs', 'experiments/lib/table.bin']));
    project.write('experiments/lib/table.bin', 'two');
    const after = await plan();
    expect(after.key).not.toBe(before.key);
    expect(explainChange(before.components, after.components)).toEqual(['file experiments/lib/table.bin changed']);
  });

  it('changes with a param', async () => {
    const before = await plan();
    edit('experiments/sum/experiment.ts', (t) => t.replace('smoke: { offset: 0 }', 'smoke: { offset: 5 }'));
    const after = await plan();
    expect(after.key).not.toBe(before.key);
    expect(explainChange(before.components, after.components)).toEqual(['file experiments/sum/experiment.ts changed', 'param offset changed: 0 -> 5']);
  });

  it('changes with the profile (its params), with the same sources', async () => {
    const smoke = await plan('sum', 'smoke');
    const local = await plan('sum', 'local');
    expect(local.key).not.toBe(smoke.key);
    expect(explainChange(smoke.components, local.components)).toEqual(['profile smoke -> local', 'param offset changed: 5 -> 1']);
  });

  it('changes with a data fingerprint', async () => {
    const before = await plan();
    edit('inputs/numbers.txt', (t) => t + '6\n');
    const after = await plan();
    expect(after.key).not.toBe(before.key);
    expect(explainChange(before.components, after.components)).toEqual(['data numbers/inputs/numbers.txt changed']);
  });

  it('changes with the version of an imported package', async () => {
    const before = await plan();
    edit('node_modules/fixture-dep/package.json', (t) => t.replace('"1.0.0"', '"1.0.1"'));
    const after = await plan();
    expect(after.key).not.toBe(before.key);
    expect(explainChange(before.components, after.components)).toEqual(['package fixture-dep 1.0.0 -> 1.0.1']);
  });

  it('changes with the cacheVersion salt and the seeds', async () => {
    const before = await plan();
    edit('experiments/sum/experiment.ts', (t) => t.replace('seeds: [7],', "seeds: [8],\n  cacheVersion: 'fix-1',"));
    const after = await plan();
    expect(after.key).not.toBe(before.key);
    expect(explainChange(before.components, after.components)).toEqual([
      'file experiments/sum/experiment.ts changed',
      'seeds [7] -> [8]',
      'cacheVersion null -> "fix-1"',
    ]);
  });

  it("takes the graph of the run's backend setup module (kernels/backend/setup/<name>.ts), and no other backend's", async () => {
    project.write('kernels/backend/setup/cpu.ts', "import { cpuThing } from '../cpu-thing.ts';\nexport const setup = () => cpuThing;\n");
    project.write('kernels/backend/cpu-thing.ts', 'export const cpuThing = 1;\n');
    project.write('kernels/backend/setup/webgpu.ts', "import { gpuThing } from '../gpu-thing.ts';\nexport const setup = () => gpuThing;\n");
    project.write('kernels/backend/gpu-thing.ts', 'export const gpuThing = 1;\n');
    const cpu = await plan('sum', 'smoke', 'cpu');
    const webgpu = await plan('sum', 'smoke', 'webgpu');
    expect(Object.keys(cpu.components.files)).toEqual(expect.arrayContaining(['kernels/backend/setup/cpu.ts', 'kernels/backend/cpu-thing.ts']));
    expect(Object.keys(cpu.components.files).filter((f) => f.includes('gpu'))).toEqual([]);
    expect(Object.keys(webgpu.components.files)).toEqual(expect.arrayContaining(['kernels/backend/setup/webgpu.ts', 'kernels/backend/gpu-thing.ts']));
    project.write('kernels/backend/gpu-thing.ts', 'export const gpuThing = 2;\n');
    expect((await plan('sum', 'smoke', 'cpu')).key).toBe(cpu.key);
    const webgpuAfter = await plan('sum', 'smoke', 'webgpu');
    expect(explainChange(webgpu.components, webgpuAfter.components)).toEqual(['file kernels/backend/gpu-thing.ts changed']);
  });

  it('is the same for an experiment that does not import the edited file', async () => {
    const before = await plan('sleeper');
    edit('experiments/lib/math.ts', (t) => t.replace('a + b', 'b + a'));
    expect((await plan('sleeper')).key).toBe(before.key);
  });

  it('refuses a figure id defined by two experiments, naming both files', async () => {
    project.write(
      'experiments/sleeper/figures.ts',
      "import { defineFigure } from '../../engine/contract.ts';\nexport const figures = { 'sum-line': defineFigure({ title: 'x', caption: '', alt: '', plot: () => ({}) }) };\n",
    );
    const session = await openSession(project.root, 'auto');
    expect(session.index.errors).toEqual(["figure id 'sum-line' is defined twice: in experiments/sleeper/figures.ts and in experiments/sum/figures.ts"]);
  });
});
