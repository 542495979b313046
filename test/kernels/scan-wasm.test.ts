import { afterAll, describe, expect, it } from 'vitest';
import { chunkCount, scanBackward, scanForward, type ScanProblem } from '../../kernels/scan/fused/core.ts';
import { startThreads } from '../../kernels/threads/pool.ts';
import {
  backwardParts, createWasmScan, defaultScanThreads, MAX_PARTS, partition, wasmScan, wasmScanBytes, type ScanEngine,
} from '../../kernels/scan/fused/wasm-scan.ts';
import { makeCase, normalisedError, seededRandom, type CaseSpec } from './scan-cases.ts';

/** The kernels' problem from a case, in float32 (what the SIMD scan runs) or float64 (the JS scan as oracle). */
function problem(spec: CaseSpec, chunk: number, type: Float32ArrayConstructor | Float64ArrayConstructor): ScanProblem {
  const c = makeCase(spec, 11);
  const groups = (layout: CaseSpec['bLayout']) => (layout === 'shared' ? 0 : layout === 'selective' ? 1 : layout);
  const copy = (name: string) => (c.values[name] ? type.from(c.values[name]!) : null);
  return {
    b: spec.b, d: spec.d, l: spec.l, n: spec.n, bGroups: groups(spec.bLayout), cGroups: groups(spec.cLayout),
    softplus: spec.softplus, chunk,
    u: copy('u')!, delta: copy('delta')!, A: copy('A')!, B: copy('B')!, C: copy('C')!, D: copy('D'), z: copy('z'), deltaBias: copy('deltaBias'),
  };
}

/** Forward outputs and every gradient of sum(W * y) + sum(V * lastState), in the problem's float type. */
function run(engine: ScanEngine, p: ScanProblem) {
  const { b, d, l, n } = p;
  const make = (size: number) => new (p.u.constructor as Float64ArrayConstructor)(size);
  const rand = seededRandom(5);
  const W = make(b * d * l).map(() => rand() * 2 - 1);
  const V = make(b * d * n).map(() => rand() * 2 - 1);
  const out = { y: make(b * d * l), lastState: make(b * d * n), checkpoints: make(b * d * chunkCount(l, p.chunk) * n) };
  engine.forward(p, out);
  const like = (x: ArrayLike<number> | null) => (x ? make(x.length) : null);
  const grads = { u: like(p.u)!, delta: like(p.delta)!, A: like(p.A)!, B: like(p.B)!, C: like(p.C)!, D: like(p.D), z: like(p.z), deltaBias: like(p.deltaBias) };
  engine.backward(p, out.checkpoints, W, V, grads);
  return { ...out, ...grads };
}

// Shapes the SIMD layout has to get right: n padded to a multiple of 4 (n = 1, 5, 7), the register-resident
// state (n <= 16) and the state in memory (n = 40, 64), d odd, l not a multiple of 4 or of the chunk, l = 1,
// and long rows (l = 20000) whose parts' sums of dB, D and bias are added up after the rows run.
const EDGE_CASES: (CaseSpec & { chunk: number })[] = [
  { name: 'n=5 d=5 l=13 chunk=4, selective B/C, everything on', b: 2, d: 5, l: 13, n: 5, bLayout: 'selective', cLayout: 'selective', D: true, z: true, bias: true, softplus: true, chunk: 4 },
  { name: 'n=7 grouped B (g=3), shared C, l=10 chunk=3', b: 2, d: 9, l: 10, n: 7, bLayout: 3, cLayout: 'shared', D: false, z: true, bias: false, softplus: false, chunk: 3 },
  { name: 'n=16 d=3 l=67 chunk=64, z and softplus', b: 1, d: 3, l: 67, n: 16, bLayout: 'selective', cLayout: 'selective', D: true, z: true, bias: true, softplus: true, chunk: 64 },
  { name: 'n=40 shared B, grouped C (g=1) l=21 chunk=8', b: 2, d: 3, l: 21, n: 40, bLayout: 'shared', cLayout: 1, D: true, z: false, bias: true, softplus: true, chunk: 8 },
  { name: 'n=64 d=1 l=1', b: 1, d: 1, l: 1, n: 64, bLayout: 'selective', cLayout: 'selective', D: true, z: true, bias: true, softplus: true, chunk: 64 },
  { name: 'long rows: b=2 d=4 l=20000, grouped B (g=2), D and bias summed over parts', b: 2, d: 4, l: 20000, n: 5, bLayout: 2, cLayout: 'selective', D: true, z: true, bias: true, softplus: true, chunk: 64 },
  { name: 'n=1 shared B/C, nothing optional, l=6', b: 3, d: 2, l: 6, n: 1, bLayout: 'shared', cLayout: 'shared', D: false, z: false, bias: false, softplus: false, chunk: 4 },
];

describe('SIMD scan (wasm/scan.c)', () => {
  it('loads here (Node has WebAssembly SIMD), so the kernels run it', () => {
    expect(wasmScan).not.toBeNull();
  });

  for (const spec of EDGE_CASES) {
    it(`matches the float64 JS scan: ${spec.name}`, () => {
      const got = run(wasmScan!, problem(spec, spec.chunk, Float32Array));
      const want = run({ forward: scanForward, backward: scanBackward }, problem(spec, spec.chunk, Float64Array));
      for (const name of Object.keys(want) as (keyof typeof want)[]) {
        if (!want[name]) continue;
        expect(normalisedError(got[name]!, want[name]!), name).toBeLessThan(1e-5);
      }
    });
  }

  it('keeps its results when a smaller problem follows a larger one (memory reuse)', () => {
    const large = EDGE_CASES[3]!;
    const small = EDGE_CASES[0]!;
    const first = run(wasmScan!, problem(small, small.chunk, Float32Array));
    run(wasmScan!, problem(large, large.chunk, Float32Array));
    const again = run(wasmScan!, problem(small, small.chunk, Float32Array));
    expect(again).toEqual(first);
  });
});

describe('SIMD scan on threads', () => {
  // threadedMinWork 0 sends even these small problems to the threads.
  const threaded = createWasmScan(wasmScanBytes(), { threads: 3, threadedMinWork: 0 })!;
  const single = createWasmScan(wasmScanBytes(), { threads: 1 })!;
  // waveFloats 1: every wave as small as it may be (one part per thread), so a call runs in many waves.
  const waved = createWasmScan(wasmScanBytes(), { threads: 2, threadedMinWork: 0, waveFloats: 1 })!;
  afterAll(() => Promise.all([threaded.close(), waved.close()]));

  // Part boundaries inside a group (d = 9, g = 3 over 4 or more parts), a shared projection, a single batch.
  const cases: CaseSpec[] = [
    { name: 'grouped B (g=3), shared C, b=3 d=9', b: 3, d: 9, l: 37, n: 7, bLayout: 3, cLayout: 'shared', D: true, z: true, bias: true, softplus: true },
    { name: 'selective B/C, b=1 d=40', b: 1, d: 40, l: 70, n: 16, bLayout: 'selective', cLayout: 'selective', D: true, z: false, bias: true, softplus: true },
    { name: 'shared B/C, b=2 d=33', b: 2, d: 33, l: 5, n: 3, bLayout: 'shared', cLayout: 'shared', D: false, z: true, bias: false, softplus: false },
  ];
  for (const spec of cases) {
    it(`gives the same bits as one thread and as many small waves, and matches the float64 JS scan: ${spec.name}`, () => {
      const got = run(threaded, problem(spec, 16, Float32Array));
      expect(got).toEqual(run(single, problem(spec, 16, Float32Array)));
      expect(run(waved, problem(spec, 16, Float32Array))).toEqual(got);
      const want = run({ forward: scanForward, backward: scanBackward }, problem(spec, 16, Float64Array));
      for (const name of Object.keys(want) as (keyof typeof want)[]) {
        if (want[name]) expect(normalisedError(got[name]!, want[name]!), name).toBeLessThan(1e-5);
      }
    });
  }

  it('splits rows into disjoint ranges that cover them, and bounds the backward parts by the projection rows', () => {
    for (const [rows, count] of [[1, 1], [7, 3], [512, 16], [20, 16]] as const) {
      const parts = partition(rows, count);
      expect(parts).toHaveLength(count);
      expect(parts[0]![0]).toBe(0);
      expect(parts.at(-1)![1]).toBe(rows);
      parts.slice(1).forEach(([r0], i) => expect(r0).toBe(parts[i]![1]));
      parts.forEach(([r0, r1]) => expect(r1).toBeGreaterThan(r0));
    }
    const shape = (b: number, d: number, bGroups: number, cGroups: number) => ({ b, d, bGroups, cGroups }) as ScanProblem;
    expect(backwardParts(shape(1, 64, 1, 1))).toBe(2);
    expect(backwardParts(shape(2, 256, 1, 4))).toBe(4);
    expect(backwardParts(shape(64, 256, 1, 1))).toBe(MAX_PARTS);
    expect(backwardParts(shape(1, 3, 0, 0))).toBe(3);
  });

  it('turns a part that traps into an error, not a hang, and refuses later calls', () => {
    const bytes = wasmScanBytes();
    const memory = new WebAssembly.Memory({ initial: 4, maximum: 65536, shared: true });
    const pool = startThreads('scan threads', new WebAssembly.Module(bytes), memory, [3 * 65536], 2, ['scan_forward', 'scan_backward']);
    // scan_forward over one row at an address far outside the memory: the load traps.
    const outside = 0x7ff00000;
    const args = [1, 1, 8, 4, 1, 1, 0, 4, 0, 1, outside, outside, outside, outside, outside, 0, 0, 0, outside, outside, outside, outside];
    expect(() => pool.run('scan_forward', [args, args])).toThrow(/scan_forward failed: RuntimeError: memory access out of bounds/);
    expect(() => pool.run('scan_forward', [args])).toThrow(/failed earlier/);
    return pool.close();
  });

  it('reads its thread count from KERNEL_THREADS, names a bad value, and refuses the old SCAN_THREADS', () => {
    expect(defaultScanThreads({ KERNEL_THREADS: '3' })).toBe(3);
    expect(defaultScanThreads({})).toBeGreaterThanOrEqual(1);
    for (const bad of ['0', '2.5', 'many', String(MAX_PARTS + 1)]) {
      expect(() => defaultScanThreads({ KERNEL_THREADS: bad })).toThrow(`KERNEL_THREADS="${bad}"`);
    }
    expect(() => defaultScanThreads({ SCAN_THREADS: '2' })).toThrow(/now KERNEL_THREADS/);
  });
});
