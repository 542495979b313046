import { afterEach, describe, expect, it } from 'vitest';
import { openSession } from '../../engine/commands/session.ts';
import { probeGpu } from '../../engine/plan/gpu-probe.ts';
import { makeProject, type FixtureProject } from './fixture.ts';

/** A stand-in for kernels/webgpu/probe.ts that answers `answer` and counts its runs in probes.txt. */
const fakeProbe = (answer: object) => `
import { appendFileSync } from 'node:fs';
appendFileSync('probes.txt', 'probe\\n');
console.log(${JSON.stringify(JSON.stringify(answer))});
`;

describe('BACKEND=auto and the GPU probe', () => {
  let project: FixtureProject;
  afterEach(() => project?.remove());

  it('means webgpu where the probe finds a hardware adapter, asking once per machine', async () => {
    project = makeProject();
    project.write('kernels/webgpu/probe.ts', fakeProbe({ adapter: 'NVIDIA H200 (Vulkan)', hardware: true }));
    expect((await openSession(project.root, 'auto')).backend).toBe('webgpu');
    expect((await openSession(project.root, 'auto')).backend).toBe('webgpu');
    expect(project.read('probes.txt').trim().split('\n')).toHaveLength(1);
    // An explicit backend is never overridden.
    expect((await openSession(project.root, 'wasm')).backend).toBe('wasm');
  });

  it("stays on the backend module's choice for a software renderer, and for a project without a probe", async () => {
    project = makeProject();
    expect(probeGpu(project.root)).toEqual({ adapter: null, hardware: false });
    expect((await openSession(project.root, 'auto')).backend).toBe('cpu'); // the fixture's auto
    project.write('kernels/webgpu/probe.ts', fakeProbe({ adapter: 'llvmpipe (OpenGL ES)', hardware: false }));
    expect((await openSession(project.root, 'auto')).backend).toBe('cpu');
  });

  it('treats a probe that gives no answer as no GPU, and asks again next time', async () => {
    project = makeProject();
    project.write('kernels/webgpu/probe.ts', `import { appendFileSync } from 'node:fs';\nappendFileSync('probes.txt', 'probe\\n');\nprocess.exit(3);\n`);
    expect(probeGpu(project.root).hardware).toBe(false);
    expect(probeGpu(project.root).hardware).toBe(false);
    expect(project.read('probes.txt').trim().split('\n')).toHaveLength(2);
  });
});
