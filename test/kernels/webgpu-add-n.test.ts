/**
 * AddN over more tensors than the adapter's storage buffers per shader stage (kernels/webgpu/add_n.ts):
 * the grouping, and on a WebGPU adapter (llvmpipe in CI) a sum of 40 tensors against the cpu backend.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../kernels/tf.ts';
import { addNGroups, addNInputLimit } from '../../kernels/webgpu/add_n.ts';
import { releaseWebGPU, setupWebGPU, type WebGPUDetails } from '../../kernels/webgpu/setup.ts';

describe('addNGroups', () => {
  it('splits a sum into consecutive groups of at most maxInputs', () => {
    expect(addNGroups(5, 15)).toEqual([[0, 5]]);
    expect(addNGroups(22, 15)).toEqual([[0, 15], [15, 22]]);
    expect(addNGroups(31, 15)).toEqual([[0, 15], [15, 30], [30, 31]]);
    expect(addNGroups(0, 4)).toEqual([]);
    expect(() => addNGroups(4, 1)).toThrow(/maxInputs must be an integer >= 2, got 1/);
  });
  it('leaves one storage buffer for the output', () => {
    expect(addNInputLimit(16)).toBe(15);
    expect(addNInputLimit(2)).toBe(2);
  });
});

describe('AddN on webgpu', () => {
  let adapter: WebGPUDetails | null = null;
  beforeAll(async () => {
    adapter = await setupWebGPU();
    if (!adapter) console.warn('webgpu-add-n: no WebGPU adapter on this host; skipped');
  });
  afterAll(() => releaseWebGPU());

  it('sums more tensors than one shader stage can bind, equal to the cpu backend, and frees its partial sums', async (ctx) => {
    if (!adapter) return ctx.skip();
    const count = 40;
    expect(count).toBeGreaterThan(adapter.limits.maxStorageBuffersPerShaderStage!);
    const values = Array.from({ length: count }, (_, i) => Float32Array.from({ length: 37 }, (_, j) => Math.sin(i * 37 + j)));
    const sumOn = async (backend: string) => {
      await tf.setBackend(backend);
      const inputs = values.map((v) => tf.tensor1d(v));
      const before = tf.memory().numTensors;
      const out = tf.addN(inputs);
      const data = (await out.data()) as Float32Array;
      expect(tf.memory().numTensors).toBe(before + 1);
      tf.dispose([out, ...inputs]);
      return data;
    };
    const gpu = await sumOn('webgpu');
    const cpu = await sumOn('cpu');
    for (let j = 0; j < cpu.length; j++) expect(gpu[j]).toBeCloseTo(cpu[j]!, 4);
    expect(gpu.some((v) => Number.isNaN(v))).toBe(false);
  });
});
