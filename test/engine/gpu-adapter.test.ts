/**
 * The WebGPU adapter's class in the key of a webgpu result: 'gpu' or 'software' (llvmpipe), never
 * mixed up; absent from every other backend's key, whose keys are therefore unchanged. An experiment
 * that requires webgpu is a GPU series: on a software adapter the engine refuses to run it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSession, planInSession } from '../../engine/commands/session.ts';
import { cacheKey } from '../../engine/plan/key.ts';
import { requiredBackendMissing, webgpuAdapterClass } from '../../engine/plan/backend.ts';
import type { KeyComponents } from '../../engine/contract.ts';
import { makeProject, runCli, webgpuOnlyExperiment, type FixtureProject } from './fixture.ts';

const probe = (hardware: boolean) =>
  `console.log(${JSON.stringify(JSON.stringify({ adapter: hardware ? 'NVIDIA H200 (Vulkan)' : 'llvmpipe (OpenGL ES)', hardware }))});\n`;

const gpuExperiment = webgpuOnlyExperiment('ctx.results.metrics({ n: ctx.params.n });');

/** The planned key components of `id` under `backend` on the project, as the build would compute them. */
async function components(root: string, id: string, backend: 'wasm' | 'cpu' | 'webgpu'): Promise<{ key: string; components: KeyComponents }> {
  const session = await openSession(root, backend);
  const [entry] = await planInSession(session, [id], 'smoke');
  if (!entry || !('key' in entry) || !('components' in entry)) throw new Error(`no key planned for ${id}`);
  return { key: entry.key as string, components: entry.components as KeyComponents };
}

describe('the adapter class in webgpu keys', () => {
  let project: FixtureProject;
  afterEach(() => project?.remove());

  it('is absent from wasm and cpu keys, whatever the GPU probe says', async () => {
    project = makeProject();
    const before = await components(project.root, 'sum', 'wasm');
    const cpu = await components(project.root, 'sum', 'cpu');
    project.write('kernels/webgpu/probe.ts', probe(true));
    const after = await components(project.root, 'sum', 'wasm');
    for (const c of [before, cpu, after]) {
      expect('adapter' in c.components).toBe(false);
      expect(c.key).toBe(cacheKey(c.components));
    }
    expect(after.key).toBe(before.key);
  });

  it("is 'software' on llvmpipe and 'gpu' on a hardware adapter, so one never stands for the other", async () => {
    project = makeProject();
    project.write('kernels/webgpu/probe.ts', probe(false));
    const software = await components(project.root, 'sum', 'webgpu');
    expect(software.components.adapter).toBe('software');
    project.remove();
    project = makeProject();
    project.write('kernels/webgpu/probe.ts', probe(true));
    const gpu = await components(project.root, 'sum', 'webgpu');
    expect(gpu.components.adapter).toBe('gpu');
    expect(gpu.key).not.toBe(software.key);
    const { adapter: _a, ...restGpu } = gpu.components;
    const { adapter: _b, ...restSoftware } = software.components;
    expect(restGpu).toEqual(restSoftware);
  });

  it("keys a GPU-only experiment 'gpu' everywhere, and refuses to run it on a software adapter, saying why", async () => {
    expect(webgpuAdapterClass('webgpu', 'software')).toBe('gpu');
    expect(webgpuAdapterClass(null, undefined)).toBe('software');
    expect(requiredBackendMissing('webgpu', ['wasm', 'cpu', 'webgpu'], 'software')).toBe(true);
    expect(requiredBackendMissing('webgpu', ['wasm', 'cpu', 'webgpu'], 'gpu')).toBe(false);
    expect(requiredBackendMissing(null, ['wasm'], 'software')).toBe(false);
    project = makeProject();
    project.write('experiments/gpu/experiment.ts', gpuExperiment);
    project.write('kernels/webgpu/probe.ts', probe(false));
    const onWasm = await components(project.root, 'gpu', 'wasm');
    expect(onWasm.components.adapter).toBe('gpu');
    const refused = await runCli(project.root, ['run', 'gpu', '--profile', 'smoke', '--backend', 'webgpu']);
    expect(refused.stderr).toContain('note   gpu: needs webgpu on a GPU to refresh');
    expect(refused.stderr).toMatch(/0 ran, 0 failed, 1 stale, not run/);
    expect(project.runs().filter((l) => l.startsWith('gpu '))).toHaveLength(0);

    project.write('kernels/webgpu/probe.ts', probe(true) + '// a GPU now\n');
    const ran = await runCli(project.root, ['run', 'gpu', '--profile', 'smoke', '--backend', 'webgpu']);
    expect(ran.code).toBe(0);
    const dir = join(project.root, 'artifacts', 'gpu');
    const [key] = readdirSync(dir).filter((f) => !f.startsWith('.'));
    const manifest = JSON.parse(readFileSync(join(dir, key!, 'manifest.json'), 'utf8'));
    expect(manifest.components.adapter).toBe('gpu');
    expect(manifest.key).toBe(onWasm.key);
  });
});
