/**
 * The WGSL selective-scan kernels against the cpu fused kernels, on every case the cpu/wasm kernels
 * are tested on. In CI the adapter is Mesa's llvmpipe through Dawn's OpenGL ES path (needs the
 * Debian packages libegl1, libegl-mesa0, libgles2, libgl1-mesa-dri); without an adapter the suite
 * is skipped and says so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../kernels/tf.ts';
import { selectiveScan, type SelectiveScanInputs } from '../../kernels/index.ts';
import { releaseWebGPU, setupWebGPU, type WebGPUDetails } from '../../kernels/webgpu/setup.ts';
import { defaultForwardPath } from '../../kernels/webgpu/scan_kernels.ts';
import { QUAD_MIN_ROWS, quadSplit } from '../../kernels/webgpu/scan_forward_quad_wgsl.ts';
import { SCAN_CASES, makeCase, normalisedError, seededRandom, type CaseSpec } from './scan-cases.ts';

const INPUTS = ['u', 'delta', 'A', 'B', 'C', 'D', 'z', 'deltaBias'] as const;
/** float32 sums in a different order: far below this; a wrong index or a missed step: far above. */
const TOLERANCE = 1e-5;

let adapter: WebGPUDetails | null = null;

/** The forward kernel's outputs (y, lastState, checkpoints) for a case's tensors under kernel attrs `attrs` (path, chunking). */
async function runForward(ins: Record<string, tf.Tensor>, softplus: boolean, attrs: object): Promise<Float32Array[]> {
  const empty = tf.tensor1d([]);
  const given = Object.fromEntries(INPUTS.map((k) => [k, ins[k] ?? empty]));
  const outs = tf.engine().runKernel('SelectiveScan', given, { softplus, keepCheckpoints: true, ...attrs } as unknown as tf.NamedAttrMap) as tf.Tensor[];
  const data = await Promise.all(outs.map((o) => o.data() as Promise<Float32Array>));
  tf.dispose([...outs, empty]);
  return data;
}


beforeAll(async () => {
  adapter = await setupWebGPU();
  if (!adapter) console.warn('webgpu-scan: no WebGPU adapter on this host; kernel tests skipped');
});
afterAll(() => releaseWebGPU());

interface Outcome {
  y: Float32Array;
  lastState: Float32Array;
  grads: Record<string, Float32Array>;
}

/** Forward and every input gradient of sum(y * dy) + sum(lastState * dLast) through the kernels on `backend`. */
async function run(spec: CaseSpec, backend: string, seed: number): Promise<Outcome> {
  await tf.setBackend(backend);
  const c = makeCase(spec, seed);
  const rand = seededRandom(seed + 1);
  const { b, d, l, n } = spec;
  const dy = tf.tensor(Float32Array.from({ length: b * d * l }, () => 2 * rand() - 1), [b, d, l]);
  const dLast = tf.tensor(Float32Array.from({ length: b * d * n }, () => 2 * rand() - 1), [b, d, n]);
  const inputs = c.tensors() as unknown as Record<string, tf.Tensor>;
  const names = INPUTS.filter((k) => inputs[k]);
  const scan = (xs: tf.Tensor[]) => {
    const given = Object.fromEntries(names.map((k, i) => [k, xs[i]!]));
    return selectiveScan({ ...(given as unknown as SelectiveScanInputs), deltaSoftplus: spec.softplus, returnLastState: true }, { impl: 'fused' });
  };
  const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) => {
    const r = scan(xs);
    return tf.add(tf.sum(tf.mul(r.y, dy)), tf.sum(tf.mul(r.lastState!, dLast)));
  })(names.map((k) => inputs[k]!));
  const r = scan(names.map((k) => inputs[k]!));
  const out: Outcome = {
    y: (await r.y.data()) as Float32Array,
    lastState: (await r.lastState!.data()) as Float32Array,
    grads: Object.fromEntries(await Promise.all(names.map(async (k, i) => [k, (await grads[i]!.data()) as Float32Array]))),
  };
  tf.dispose([value, ...grads, r.y, r.lastState!, dy, dLast]);
  c.dispose();
  return out;
}

describe('webgpu fused selective scan', () => {
  for (const spec of SCAN_CASES) {
    it(`matches the cpu kernels: ${spec.name}`, async (ctx) => {
      if (!adapter) return ctx.skip();
      const want = await run(spec, 'cpu', 11);
      const got = await run(spec, 'webgpu', 11);
      expect(normalisedError(got.y, want.y)).toBeLessThan(TOLERANCE);
      expect(normalisedError(got.lastState, want.lastState)).toBeLessThan(TOLERANCE);
      for (const [name, g] of Object.entries(want.grads)) {
        expect(normalisedError(got.grads[name]!, g), `d${name}`).toBeLessThan(TOLERANCE);
      }
    });
  }

  // The default forward splits l into chunks only when b * d rows are too few for the GPU; force short
  // chunks here (and compare with the tiled forward) so the chunk carry is checked on the test sizes.
  const vec4Case: CaseSpec = { name: 'l=64 (vec4 rows), everything on', b: 2, d: 5, l: 64, n: 4, bLayout: 'selective', cLayout: 'selective', D: true, z: true, bias: true, softplus: true };
  for (const spec of [...SCAN_CASES.filter((s) => s.l > 16), vec4Case]) {
    it(`split into chunks of 16 steps, agrees with the tiled forward: ${spec.name}`, async (ctx) => {
      if (!adapter) return ctx.skip();
      await tf.setBackend('webgpu');
      const c = makeCase(spec, 3);
      const ins = c.tensors() as unknown as Record<string, tf.Tensor>;
      const forward = (attrs: object) => runForward(ins, spec.softplus, attrs);
      const chunked = await forward({ path: 'rows', chunkLength: 16 });
      const tiled = await forward({ path: 'workgroup' });
      for (const [i, name] of ['y', 'lastState', 'checkpoints'].entries()) {
        expect(normalisedError(chunked[i]!, tiled[i]!), name).toBeLessThan(TOLERANCE);
      }
      c.dispose();
    });
  }

  // The quad forward (states split over adjacent lanes, vec4 tiles, prefetch): explicit shapes, including
  // tiles that overrun l and a split that falls back when it does not divide n.
  const quadShapes = (spec: CaseSpec) => [{ channels: 32, split: 4, tile: 16 }, ...(spec.l > 16 ? [{ channels: 4, split: 2, tile: 8 }, { channels: 2, split: 4, tile: 32 }] : [])];
  for (const spec of [...SCAN_CASES, vec4Case]) {
    it(`quad forward agrees with the tiled forward: ${spec.name}`, async (ctx) => {
      if (!adapter) return ctx.skip();
      await tf.setBackend('webgpu');
      const c = makeCase(spec, 4);
      const ins = c.tensors() as unknown as Record<string, tf.Tensor>;
      const forward = (attrs: object) => runForward(ins, spec.softplus, attrs);
      const tiled = await forward({ path: 'workgroup' });
      for (const shape of quadShapes(spec)) {
        const quad = await forward({ path: 'quad', ...shape });
        for (const [i, name] of ['y', 'lastState', 'checkpoints'].entries()) {
          expect(normalisedError(quad[i]!, tiled[i]!), `${name} ${JSON.stringify(shape)}`).toBeLessThan(TOLERANCE);
        }
      }
      c.dispose();
    });
  }

  // The quad forward split along l: chunks run side by side, each carrying the ends of the earlier ones.
  for (const spec of [...SCAN_CASES.filter((s) => s.l > 16), vec4Case]) {
    it(`quad forward in chunks along l agrees with the tiled forward: ${spec.name}`, async (ctx) => {
      if (!adapter) return ctx.skip();
      await tf.setBackend('webgpu');
      const c = makeCase(spec, 8);
      const ins = c.tensors() as unknown as Record<string, tf.Tensor>;
      const forward = (attrs: object) => runForward(ins, spec.softplus, attrs);
      const tiled = await forward({ path: 'workgroup' });
      for (const shape of [{ chunks: 64 }, { channels: 4, split: 2, tile: 8, chunks: 3 }]) {
        const quad = await forward({ path: 'quad', ...shape });
        for (const [i, name] of ['y', 'lastState', 'checkpoints'].entries()) {
          expect(normalisedError(quad[i]!, tiled[i]!), `${name} ${JSON.stringify(shape)}`).toBeLessThan(TOLERANCE);
        }
      }
      c.dispose();
    });
  }

  // The backward split along l: each chunk starts from dLast carried over the later chunks' ends.
  for (const spec of [...SCAN_CASES.filter((s) => s.l > 16), vec4Case]) {
    it(`backward in chunks along l agrees with the unsplit backward: ${spec.name}`, async (ctx) => {
      if (!adapter) return ctx.skip();
      await tf.setBackend('webgpu');
      const c = makeCase(spec, 9);
      const ins = c.tensors() as unknown as Record<string, tf.Tensor>;
      const rand = seededRandom(10);
      const dy = tf.tensor(Float32Array.from({ length: spec.b * spec.d * spec.l }, () => 2 * rand() - 1), [spec.b, spec.d, spec.l]);
      const dLast = tf.tensor(Float32Array.from({ length: spec.b * spec.d * spec.n }, () => 2 * rand() - 1), [spec.b, spec.d, spec.n]);
      const empty = tf.tensor1d([]);
      const given = Object.fromEntries(INPUTS.map((k) => [k, ins[k] ?? empty]));
      const [y, last, checkpoints] = tf.engine().runKernel('SelectiveScan', given, { softplus: spec.softplus, keepCheckpoints: true } as unknown as tf.NamedAttrMap) as tf.Tensor[];
      const grads = async (chunks: number) => {
        const gs = tf.engine().runKernel('SelectiveScanGrad', { ...given, checkpoints: checkpoints!, dy, dLast }, { softplus: spec.softplus, chunks } as unknown as tf.NamedAttrMap) as tf.Tensor[];
        // Absent inputs' gradients are empty tensors with no GPU buffer to read.
        const data = await Promise.all(gs.map((g) => (g.size > 0 ? (g.data() as Promise<Float32Array>) : new Float32Array(0))));
        tf.dispose(gs);
        return data;
      };
      const whole = await grads(1);
      for (const chunks of [2, 64]) {
        const split = await grads(chunks);
        whole.forEach((g, i) => {
          if (g.length > 0) expect(normalisedError(split[i]!, g), `gradient ${INPUTS[i]} in ${chunks} chunks`).toBeLessThan(TOLERANCE);
        });
      }
      tf.dispose([y!, last!, checkpoints!, dy, dLast, empty]);
      c.dispose();
    });
  }

  it('takes the quad forward by default from QUAD_MIN_ROWS rows, with the split for that many rows', async (ctx) => {
    expect(defaultForwardPath(QUAD_MIN_ROWS - 1)).toBe('rows');
    expect(defaultForwardPath(QUAD_MIN_ROWS)).toBe('quad');
    expect([16384, 32768, 1 << 20].map(quadSplit)).toEqual([4, 2, 2]);
    if (!adapter) return ctx.skip();
    await tf.setBackend('webgpu');
    const spec: CaseSpec = { name: 'many rows', b: 2, d: QUAD_MIN_ROWS / 2, l: 12, n: 4, bLayout: 'selective', cLayout: 'selective', D: true, z: true, bias: true, softplus: true };
    const c = makeCase(spec, 6);
    const ins = c.tensors() as unknown as Record<string, tf.Tensor>;
    const forward = (attrs: object) => runForward(ins, true, attrs);
    const byDefault = await forward({});
    const rows = await forward({ path: 'rows' });
    for (const [i, name] of ['y', 'lastState', 'checkpoints'].entries()) {
      expect(normalisedError(byDefault[i]!, rows[i]!), name).toBeLessThan(TOLERANCE);
    }
    c.dispose();
  });

  it('keeps no checkpoints when no gradient is recorded', async (ctx) => {
    if (!adapter) return ctx.skip();
    await tf.setBackend('webgpu');
    const c = makeCase(SCAN_CASES[1]!, 5);
    const ins = c.tensors() as unknown as Record<string, tf.Tensor>;
    const empty = tf.tensor1d([]);
    const given = Object.fromEntries(INPUTS.map((k) => [k, ins[k] ?? empty]));
    const outs = tf.engine().runKernel('SelectiveScan', given, { softplus: true } as unknown as tf.NamedAttrMap) as tf.Tensor[];
    expect(outs[2]!.size).toBe(0);
    tf.dispose([...outs, empty]);
    c.dispose();
  });

  it('reports the adapter it ran on', (ctx) => {
    if (!adapter) return ctx.skip();
    expect(adapter.limits.maxComputeWorkgroupStorageSize).toBeGreaterThanOrEqual(16384);
    expect(adapter.description || adapter.device || adapter.vendor).not.toBe('');
  });

  it('keeps the contract: zero sizes shaped, overflow NaN throughout, a buffer over the device limit named', async (ctx) => {
    if (!adapter) return ctx.skip();
    await tf.setBackend('webgpu');
    const constant = (b: number, d: number, l: number, n: number, a: number, delta: number): SelectiveScanInputs =>
      ({ u: tf.ones([b, d, l]), delta: tf.fill([b, d, l], delta), A: tf.fill([d, n], a), B: tf.ones([d, n]), C: tf.ones([d, n]) });
    for (const [b, d, l, n] of [[0, 2, 3, 2], [1, 2, 0, 2], [1, 2, 3, 0]]) {
      const x = constant(b!, d!, l!, n!, -1, 0.1);
      const out = selectiveScan({ ...x, D: tf.ones([d!]), returnLastState: true }, { impl: 'fused' });
      expect(out.y.shape).toEqual([b, d, l]);
      expect(out.lastState!.shape).toEqual([b, d, n]);
      // n = 0 leaves the skip term only: y = u * D = 1.
      expect(Array.from(await out.y.data())).toEqual(new Array(b! * d! * l!).fill(1));
    }
    const overflow = selectiveScan({ ...constant(2, 3, 5, 4, 100, 10), returnLastState: true }, { impl: 'fused' });
    expect(Array.from(await overflow.y.data()).every(Number.isNaN)).toBe(true);
    expect(Array.from(await overflow.lastState!.data()).every(Number.isNaN)).toBe(true);
    const limit = (tf.backend() as unknown as { device: GPUDevice }).device.limits.maxStorageBufferBindingSize;
    const n = 2 ** 13;
    const b = Math.ceil(limit / (4 * n)) + 1; // lastState (b, 1, n) one row over the limit
    if (b * n > 2 ** 31 - 1) return; // the 2^31 - 1 element limit comes first (tested on cpu and wasm)
    const big = constant(b, 1, 1, n, -1, 0.1);
    expect(() => selectiveScan({ ...big, returnLastState: true }, { impl: 'fused' })).toThrow(
      new RegExp(`^selectiveScan: lastState \\(b, d, n\\) = \\[${b},1,${n}\\] would take ${4 * b * n} bytes, more than the ${limit} of the webgpu device's maxStorageBufferBindingSize$`),
    );
  });
});
