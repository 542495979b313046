/**
 * How the SIMD scan (kernels/scan/fused/wasm-scan.ts) scales with threads: forward and forward+backward at
 * Mamba's shapes (b=2, d=256, n=16, selective B/C, D, z, deltaBias, softplus, l=2048), on 1, 2, 4, ... threads
 * up to the core count, each as a speed-up over 1 thread measured in this run; and whether every thread count
 * gives the same bits as 1 thread (it must: the parts depend on the problem only). Then one large call
 * (b=4, d=1024, l=4096) in waves of at most 64 MB (the default) against one wave holding every row: the
 * module's peak memory and the time, forward and backward.
 * The engine is called directly on Float32Arrays, so tfjs's own overhead is not in these times.
 * Run: npx tsx bench/scan-threads.bench.ts   (writes build/bench/scan-threads.json)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { chunkCount, checkpointInterval, scratchTally, type ScanProblem } from '../kernels/scan/fused/core.ts';
import { createWasmScan, MAX_PARTS, wasmScanBytes, type WasmScan } from '../kernels/scan/fused/wasm-scan.ts';
import { measure, type Timing } from './timing.ts';

const SHAPE = { b: 2, d: 256, n: 16, l: 2048 };
const REPEATS = 9;
const OUT_DIR = 'build/bench';

/** Deterministic inputs in the ranges of bench/scan.bench.ts (A negative, delta before softplus in [-3, 1]). */
function makeProblem({ b, d, n, l } = SHAPE): ScanProblem {
  let state = 12345;
  const rand = (lo: number, hi: number) => lo + (hi - lo) * ((state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const array = (size: number, lo: number, hi: number) => Float32Array.from({ length: size }, () => rand(lo, hi));
  return {
    b, d, l, n, bGroups: 1, cGroups: 1, softplus: true, chunk: checkpointInterval(n),
    u: array(b * d * l, -1, 1), delta: array(b * d * l, -3, 1), A: array(d * n, -4.5, -0.4), B: array(b * n * l, -1, 1),
    C: array(b * n * l, -1, 1), D: array(d, -1, 1), z: array(b * d * l, -2, 2), deltaBias: array(d, -1, 0.5),
  };
}

function runOnce(engine: WasmScan, p: ScanProblem, dy: Float32Array) {
  const { b, d, l, n } = p;
  const out = { y: new Float32Array(b * d * l), lastState: new Float32Array(b * d * n), checkpoints: new Float32Array(b * d * chunkCount(l, p.chunk) * n) };
  engine.forward(p, out);
  const like = (x: Float32Array | Float64Array | null) => (x ? new Float32Array(x.length) : null);
  const grads = { u: like(p.u)!, delta: like(p.delta)!, A: like(p.A)!, B: like(p.B)!, C: like(p.C)!, D: like(p.D), z: like(p.z), deltaBias: like(p.deltaBias) };
  engine.backward(p, out.checkpoints, dy, new Float32Array(b * d * n), grads);
  return { ...out, ...grads };
}

const sameBits = (a: Record<string, Float32Array | null>, b: Record<string, Float32Array | null>) =>
  Object.keys(a).every((k) => a[k] === b[k] || (a[k] !== null && b[k] !== null && Buffer.from(a[k]!.buffer).equals(Buffer.from(b[k]!.buffer))));

mkdirSync(OUT_DIR, { recursive: true });
const cores = availableParallelism();
const counts = [...new Set([1, 2, 4, 8, 16, cores].filter((t) => t <= Math.min(cores, MAX_PARTS)))].sort((a, b) => a - b);
const p = makeProblem();
const dy = Float32Array.from({ length: p.b * p.d * p.l }, (_, i) => Math.sin(i));
const loadBefore = loadavg()[0]!;
const rows: { threads: number; forward: Timing; forwardBackward: Timing; sameBitsAsOne: boolean }[] = [];
let reference: ReturnType<typeof runOnce> | null = null;

console.log(`SIMD scan on threads, b=${SHAPE.b} d=${SHAPE.d} n=${SHAPE.n} l=${SHAPE.l}, ${cores} cores, medians of ${REPEATS}`);
console.log('| threads | forward ms | speed-up | forward+backward ms | speed-up | same bits as 1 thread |');
console.log('|---|---|---|---|---|---|');
for (const threads of counts) {
  const engine = createWasmScan(wasmScanBytes(), { threads })!;
  const result = runOnce(engine, p, dy);
  reference ??= result;
  const out = { y: new Float32Array(result.y.length), lastState: new Float32Array(result.lastState.length), checkpoints: new Float32Array(result.checkpoints.length) };
  const forward = measure(() => engine.forward(p, out), REPEATS);
  const forwardBackward = measure(() => void runOnce(engine, p, dy), REPEATS);
  const row = { threads, forward, forwardBackward, sameBitsAsOne: sameBits(result, reference) };
  rows.push(row);
  const one = rows[0]!;
  console.log(`| ${threads} | ${forward.wallMs.toFixed(1)} | ${(one.forward.wallMs / forward.wallMs).toFixed(2)}x | ${forwardBackward.wallMs.toFixed(1)} | ${(one.forwardBackward.wallMs / forwardBackward.wallMs).toFixed(2)}x | ${row.sameBitsAsOne ? 'yes' : 'NO'} |`);
  await engine.close();
}
// Waves: the module's memory for one large call, in waves (default) and in one wave.
const LARGE = { b: 4, d: 1024, n: 16, l: 4096 };
const large = makeProblem(LARGE);
const largeDy = new Float32Array(LARGE.b * LARGE.d * LARGE.l).fill(1);
const waveRows: { waves: string; peakMB: number; forwardBackwardMs: number; sameBits: boolean }[] = [];
let waveReference: ReturnType<typeof runOnce> | null = null;
console.log(`\none call at b=${LARGE.b} d=${LARGE.d} l=${LARGE.l}, ${Math.min(2, cores)} threads`);
console.log('| waves | module peak MB | forward+backward ms | same bits |');
console.log('|---|---|---|---|');
for (const [label, waveFloats] of [['at most 64 MB (default)', undefined], ['one wave', Infinity]] as const) {
  const engine = createWasmScan(wasmScanBytes(), { threads: Math.min(2, cores), waveFloats })!;
  scratchTally.wasmPeak = 0;
  const started = performance.now();
  const result = runOnce(engine, large, largeDy);
  const row = { waves: label, peakMB: scratchTally.wasmPeak / 2 ** 20, forwardBackwardMs: performance.now() - started, sameBits: sameBits(result, (waveReference ??= result)) };
  waveRows.push(row);
  console.log(`| ${label} | ${row.peakMB.toFixed(0)} | ${row.forwardBackwardMs.toFixed(0)} | ${row.sameBits ? 'yes' : 'NO'} |`);
  await engine.close();
}
const loadAfter = loadavg()[0]!;
console.log(`load average (1 min) before / after: ${loadBefore.toFixed(2)} / ${loadAfter.toFixed(2)}`);
writeFileSync(`${OUT_DIR}/scan-threads.json`, JSON.stringify({ shape: SHAPE, cores, repeats: REPEATS, rows, waves: { shape: LARGE, rows: waveRows }, loadAverage: { before: loadBefore, after: loadAfter } }, null, 2));
if (rows.some((r) => !r.sameBitsAsOne) || waveRows.some((r) => !r.sameBits)) {
  console.error('a thread count or the waves changed the results');
  process.exit(1);
}
