/**
 * The scan-scaling-gpu experiment on its smoke profile, on whatever WebGPU adapter this host has (in CI
 * Mesa's llvmpipe through Dawn's OpenGL ES path); skipped, saying so, where there is none.
 */
import { JSDOM } from 'jsdom';
import * as Plot from '@observablehq/plot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../kernels/tf.ts';
import { adapterLabel, releaseWebGPU, setupWebGPU, type WebGPUDetails } from '../../kernels/webgpu/index.ts';
import experiment from '../../experiments/scan-scaling-gpu/experiment.ts';
import { figures, tables } from '../../experiments/scan-scaling-gpu/figures.ts';
import { runSmoke } from './run-smoke.ts';

let adapter: WebGPUDetails | null = null;
beforeAll(async () => {
  adapter = await setupWebGPU();
  if (!adapter) console.warn('scan-scaling-gpu: no WebGPU adapter on this host; skipped');
});
afterAll(() => releaseWebGPU());

describe('adapterLabel', () => {
  it('names NVIDIA devices as the vendor writes them, with the Dawn backend', () => {
    expect(adapterLabel({ vendor: 'nvidia', device: 'nvidia-h200', description: 'NVIDIA: 580.159.04 580.159.4.0', dawnBackend: 'vulkan' })).toBe('NVIDIA H200 (Vulkan)');
    expect(adapterLabel({ vendor: '', device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'OpenGL version OpenGL ES 3.2 Mesa 22.3.6', dawnBackend: 'opengles' })).toBe(
      'llvmpipe-llvm-15-0-6-256-bits- (OpenGL ES)',
    );
  });
});

describe('the scan-scaling-gpu experiment, smoke profile', () => {
  it('requires the webgpu backend', () => {
    expect(experiment.requiresBackend).toBe('webgpu');
  });

  it('times the fused scan and attention on the GPU, back-to-back calls per timing, and its figure and table render', async (ctx) => {
    if (!adapter) return ctx.skip();
    if (adapter.software) {
      // A CPU renderer (llvmpipe) is refused: its timings would be shown as a GPU's.
      await expect(runSmoke(experiment, 'webgpu')).rejects.toThrow(/is a CPU renderer: run it on a machine with a hardware GPU/);
      return;
    }
    const before = tf.memory().numTensors;
    const { results } = await runSmoke(experiment, 'webgpu');
    const { metrics } = results;
    expect(tf.getBackend()).toBe('webgpu');
    expect(tf.memory().numTensors).toBe(before);
    const timings = results.series('timings');
    expect(timings).toHaveLength(2 * (3 + 3));
    expect(new Set(timings.map((r) => r.impl))).toEqual(new Set(['fused', 'attention']));
    for (const r of timings) expect(r.usPerToken as number).toBeGreaterThan(0);
    // The smoke profile sweeps twice; every round's rows say how many calls each timing ran.
    const rounds = results.series('rounds');
    expect(rounds).toHaveLength(2 * timings.length);
    for (const r of rounds) expect(Number.isInteger(r.calls) && (r.calls as number) >= 1).toBe(true);
    expect(metrics.rounds).toBe(2);
    expect(metrics.adapter).toBe(adapterLabel(adapter));
    expect(metrics.minTimingMs).toBe(5); // the smoke profile's

    const { document } = new JSDOM('<!doctype html><body></body>').window;
    const svg = Plot.plot({ ...figures['scan-time-per-token-gpu'].plot(results, { width: 640 }), document }) as unknown as Element;
    expect(svg.querySelectorAll('path').length).toBeGreaterThan(0);
    const rows = tables['scan-crossover-gpu'].rows(results);
    expect(rows).toHaveLength(2);
    for (const row of rows) for (const column of tables['scan-crossover-gpu'].columns) expect(row[column.key], column.key).toBeDefined();
    for (const row of rows) expect(String(row.byRound).split(' · ')).toHaveLength(2);
  });
});
