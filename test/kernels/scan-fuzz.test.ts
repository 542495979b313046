/**
 * A property-based fuzzer for selectiveScan: random small shapes (zero sizes included), every B/C layout,
 * the optional inputs on and off, and values from three regimes (Mamba's decaying A, a mild growth, an
 * overflowing decay), run through every implementation on cpu and wasm (and webgpu where an adapter exists)
 * and held to the float64 oracle, or, where the oracle overflows, to the contract's NaN throughout
 * (kernels/README.md, "The contract"). Seeded and bounded: FUZZ_SEED and FUZZ_RUNS change them; fast-check
 * prints the seed and the shrunk counterexample of a failure.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../kernels/tf.ts';
import { selectiveScan, type ScanImpl, type SelectiveScanInputs } from '../../kernels/index.ts';
import { releaseWebGPU, setupWebGPU } from '../../kernels/webgpu/setup.ts';
import { normalisedError, seededRandom, type ScanCase } from './scan-cases.ts';
import { runImpl } from './scan-grad-check.ts';
import { oracleScan, type OracleInputs } from './scan-oracle.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261203);
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const TOLERANCE = 1e-4;
/** Cases run so far, by suite: the test prints them. */
const fuzzCounts: Record<string, number> = {};

type Regime = 'decay' | 'growth' | 'overflow';

interface Problem {
  b: number; d: number; l: number; n: number;
  /** 0: (d, n); 1: (b, n, l); g > 1: (b, g, n, l) with g dividing d. */
  bGroups: number; cGroups: number; bFourD: boolean;
  D: boolean; z: boolean; bias: boolean; softplus: boolean; lastState: boolean;
  regime: Regime;
  seed: number;
}

const groupsOf = (d: number) => fc.constantFrom(0, 1, ...Array.from({ length: d }, (_, i) => i + 1).filter((g) => d % g === 0 && g > 1));

// l sometimes past the 64- and 128-step chunk edges of the fused and chunked scans.
const problem: fc.Arbitrary<Problem> = fc
  .record({ b: fc.integer({ min: 0, max: 3 }), d: fc.integer({ min: 0, max: 7 }), l: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 0, max: 70 }) }, { weight: 1, arbitrary: fc.integer({ min: 120, max: 200 }) }), n: fc.integer({ min: 0, max: 9 }) })
  .chain((dims) =>
    fc.record({
      b: fc.constant(dims.b), d: fc.constant(dims.d), l: fc.constant(dims.l), n: fc.constant(dims.n),
      bGroups: dims.d > 0 ? groupsOf(dims.d) : fc.constantFrom(0, 1), cGroups: dims.d > 0 ? groupsOf(dims.d) : fc.constantFrom(0, 1),
      bFourD: fc.boolean(), D: fc.boolean(), z: fc.boolean(), bias: fc.boolean(), softplus: fc.boolean(), lastState: fc.boolean(),
      regime: fc.constantFrom<Regime>('decay', 'decay', 'growth', 'overflow'),
      seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    }),
  );

interface Built {
  values: Record<string, Float32Array>;
  shapes: Record<string, number[]>;
  oracle: OracleInputs;
}

function build(p: Problem): Built {
  const rand = seededRandom(p.seed);
  const { b, d, l, n } = p;
  const uniform = (size: number, lo: number, hi: number) => Float32Array.from({ length: size }, () => lo + (hi - lo) * rand());
  const projShape = (g: number, fourD: boolean) => (g === 0 ? [d, n] : g === 1 && !fourD ? [b, n, l] : [b, g, n, l]);
  const shapes: Record<string, number[]> = { u: [b, d, l], delta: [b, d, l], A: [d, n], B: projShape(p.bGroups, p.bFourD), C: projShape(p.cGroups, !p.bFourD) };
  const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
  // decay: Mamba's A = -exp(.) with positive steps; growth: small positive A over few steps, states stay far
  // inside float32; overflow: some decay exp(delta * A) beyond float32 (delta * A >= 90).
  const A = p.regime === 'decay' ? uniform(d * n, -1, 1.5).map((x) => -Math.exp(x)) : p.regime === 'growth' ? uniform(d * n, 0, 0.3) : uniform(d * n, 90, 200);
  const delta = p.regime === 'overflow' ? uniform(b * d * l, 1, 2) : p.softplus ? uniform(b * d * l, -3, 1) : uniform(b * d * l, 0.01, 0.5);
  const values: Record<string, Float32Array> = { u: uniform(b * d * l, -1, 1), delta, A, B: uniform(size(shapes.B!), -1, 1), C: uniform(size(shapes.C!), -1, 1) };
  if (p.D) (values.D = uniform(d, -1, 1)), (shapes.D = [d]);
  if (p.z) (values.z = uniform(b * d * l, -2, 2)), (shapes.z = [b, d, l]);
  // In the overflow regime a bias must not pull delta * A back under the limit.
  if (p.bias) (values.deltaBias = p.regime === 'overflow' ? uniform(d, 0, 0.5) : uniform(d, -0.5, 0.2)), (shapes.deltaBias = [d]);
  const f64 = (name: string) => (values[name] ? Float64Array.from(values[name]!) : undefined);
  return {
    values,
    shapes,
    oracle: {
      dims: { b, d, l, n }, u: f64('u')!, delta: f64('delta')!, A: f64('A')!, B: f64('B')!, C: f64('C')!,
      D: f64('D'), z: f64('z'), deltaBias: f64('deltaBias'), bGroups: p.bGroups, cGroups: p.cGroups, deltaSoftplus: p.softplus,
    },
  };
}

/** Where the oracle overflows the contract asks for NaN everywhere; elsewhere the oracle's values. */
function overflows(p: Problem, want: { y: Float64Array; lastState: Float64Array }): boolean {
  if (p.b * p.d * p.l * p.n === 0) return false;
  const past = (x: number) => !Number.isFinite(x) || Math.abs(x) > 3.4e38;
  return p.regime === 'overflow' || want.y.some(past) || want.lastState.some(past);
}

async function check(p: Problem, impl: ScanImpl): Promise<void> {
  const built = build(p);
  const want = oracleScan(built.oracle);
  const start = tf.memory().numTensors;
  const inputs = Object.fromEntries(Object.entries(built.values).map(([k, v]) => [k, tf.tensor(v, built.shapes[k], 'float32')]));
  const out = selectiveScan({ ...(inputs as unknown as SelectiveScanInputs), deltaSoftplus: p.softplus, returnLastState: p.lastState }, { impl });
  // data(), not dataSync(): the webgpu backend reads back asynchronously.
  const y = (await out.y.data()) as Float32Array;
  const last = out.lastState ? ((await out.lastState.data()) as Float32Array) : undefined;
  expect(out.y.shape, 'y shape').toEqual([p.b, p.d, p.l]);
  expect(out.lastState === undefined, 'lastState present as asked').toBe(!p.lastState);
  if (last) expect(out.lastState!.shape, 'lastState shape').toEqual([p.b, p.d, p.n]);
  if (overflows(p, want)) {
    expect(Array.from(y).every(Number.isNaN), 'y all NaN on overflow').toBe(true);
    if (last) expect(Array.from(last).every(Number.isNaN), 'lastState all NaN on overflow').toBe(true);
  } else {
    expect(normalisedError(y, want.y), 'y against the oracle').toBeLessThan(TOLERANCE);
    if (last) expect(normalisedError(last, want.lastState), 'lastState against the oracle').toBeLessThan(TOLERANCE);
  }
  tf.dispose([...Object.values(inputs), out.y, ...(out.lastState ? [out.lastState] : [])]);
  expect(tf.memory().numTensors - start, 'tensors leaked').toBe(0);
}

async function fuzz(label: string, backend: string, impls: ScanImpl[], runs: number): Promise<void> {
  fuzzCounts[label] = 0;
  await fc.assert(
    fc.asyncProperty(problem, async (p) => {
      fuzzCounts[label]!++;
      for (const impl of impls) await check(p, impl);
    }),
    { seed: SEED, numRuns: runs, endOnFailure: false },
  );
  console.log(`scan fuzz ${label} on ${backend}: ${fuzzCounts[label]} cases (seed ${SEED}) x ${impls.join(', ')}`);
}

/** A fuzzed problem in the form the gradient comparison (scan-grad-check.ts) takes. */
function asCase(p: Problem): ScanCase {
  const built = build(p);
  const live: tf.Tensor[] = [];
  return {
    spec: { name: 'fuzz', b: p.b, d: p.d, l: p.l, n: p.n, bLayout: 'shared', cLayout: 'shared', D: p.D, z: p.z, bias: p.bias, softplus: p.softplus },
    values: built.values,
    shapes: built.shapes,
    tensors: () => Object.fromEntries(Object.entries(built.values).map(([k, v]) => [k, live[live.push(tf.tensor(v, built.shapes[k], 'float32')) - 1]!])) as unknown as SelectiveScanInputs,
    oracle: built.oracle,
    dispose: () => tf.dispose(live.splice(0)),
  };
}

/** Every input gradient of chunked and fused against the reference's (tfjs autodiff of the op loop), or all NaN. */
async function fuzzGradients(backend: string, runs: number): Promise<number> {
  let cases = 0;
  await fc.assert(
    fc.asyncProperty(problem, async (p) => {
      cases++;
      const want = runImpl(asCase(p), 'reference');
      const nan = overflows(p, oracleScan(build(p).oracle));
      if (nan) for (const [name, g] of Object.entries(want.grads)) expect(Array.from(g).every(Number.isNaN), `reference d${name} all NaN`).toBe(true);
      for (const impl of ['chunked', 'fused'] as const) {
        const got = runImpl(asCase(p), impl);
        for (const [name, g] of Object.entries(want.grads)) {
          if (nan) expect(Array.from(got.grads[name]!).every(Number.isNaN), `${impl} d${name} all NaN`).toBe(true);
          else expect(normalisedError(got.grads[name]!, g), `${impl} d${name}`).toBeLessThan(TOLERANCE);
        }
      }
    }),
    { seed: SEED + 1, numRuns: runs },
  );
  console.log(`scan fuzz gradients on ${backend}: ${cases} cases (seed ${SEED + 1}) x chunked, fused against reference`);
  return cases;
}

describe('selectiveScan fuzzer', () => {
  it.each(['cpu', 'wasm'])('every input gradient on %s agrees with the reference, or is NaN on overflow', async (backend) => {
    await tf.setBackend(backend);
    await fuzzGradients(backend, Math.ceil(RUNS / 2));
  }, 120_000);

  it.each(['cpu', 'wasm'])('every implementation on %s agrees with the float64 oracle or the documented NaN', async (backend) => {
    await tf.setBackend(backend);
    await fuzz(backend, backend, ['reference', 'chunked', 'fused'], RUNS);
  }, 120_000);

  describe('webgpu', () => {
    let adapter = false;
    beforeAll(async () => {
      adapter = (await setupWebGPU()) !== null;
    });
    afterAll(() => releaseWebGPU());
    it('the WGSL kernels agree with the float64 oracle or the documented NaN', async (ctx) => {
      if (!adapter) {
        console.warn('scan fuzz: no WebGPU adapter on this host; the webgpu implementation is not fuzzed here');
        return ctx.skip();
      }
      await tf.setBackend('webgpu');
      await fuzz('webgpu', 'webgpu', ['fused'], Math.ceil(RUNS / 3));
    }, 120_000);
  });
});
