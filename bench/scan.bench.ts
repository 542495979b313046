/**
 * Selective scan speed and memory on the wasm backend, Mamba's shapes (b=2, d=256, n=16, selective B/C,
 * D, z, deltaBias, softplus), l from 256 to 8192. Every ratio is measured in this one run:
 * - fused vs reference (the tfjs op loop over time), forward and forward+backward;
 * - fused forward vs a plain Float32Array loop doing the same arithmetic (the JS limit);
 * - fused forward vs the same loop in C, gcc -O3 (the machine limit; reported, not asserted);
 * - fused vs Mamba's sequential reference scan in PyTorch on the CPU (Debian python3-torch), where installed;
 * - forward+backward peak memory of the fused scan against b*d*l + b*n*l and b*d*l*n.
 * Times are wall-clock medians; CPU-time medians are recorded too, because this 2-core machine is shared.
 * The fused scan runs on KERNEL_THREADS threads (default one per core); everything else here on one.
 * Run: npx tsx bench/scan.bench.ts   (writes build/bench/scan.json)
 * SCAN_BENCH_TORCH_BWD_MAX_L caps PyTorch's forward+backward lengths (default 512). SCAN_BENCH_REF_MAX_L caps the reference op loop's lengths (default 2048: on wasm its time grows
 * faster than l, since every per-step slice copies its whole input); SCAN_BENCH_LENGTHS (comma-separated)
 * replaces the list of lengths.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { measureAsync as measure, median, type Timing } from './timing.ts';
import * as tf from '../kernels/tf.ts';
import { setupBackend } from '../kernels/backend/index.ts';
import { fusedScanThreads, selectiveScan, type ScanImpl, type SelectiveScanInputs } from '../kernels/index.ts';
import { scratchTally } from '../kernels/scan/fused/core.ts';

const SHAPE = { b: 2, d: 256, n: 16 };
const LENGTHS = (process.env.SCAN_BENCH_LENGTHS ?? '256,512,1024,2048,4096,8192').split(',').map(Number);
const REF_MAX_L = Number(process.env.SCAN_BENCH_REF_MAX_L ?? 2048);
const REPEATS = 3;
/** PyTorch's reference backward grows as l^2 (each per-step index of a (b, d, l, n) tensor back-propagates a full-size zero tensor): over 10 minutes at l = 1024 here. */
const TORCH_BWD_MAX_L = Number(process.env.SCAN_BENCH_TORCH_BWD_MAX_L ?? 512);
const TARGET_L = 2048;
const OUT_DIR = 'build/bench';

/** Inputs with the distributions of bench/peers/scan_loop.c (not its exact values). */
function makeInputs(l: number, n = SHAPE.n): SelectiveScanInputs {
  const { b, d } = SHAPE;
  const u = (shape: number[], lo: number, hi: number, seed: number) => tf.randomUniform(shape, lo, hi, 'float32', seed);
  return {
    u: u([b, d, l], -1, 1, 1), delta: u([b, d, l], -3, 1, 2), z: u([b, d, l], -2, 2, 3),
    A: tf.tidy(() => tf.neg(tf.exp(u([d, n], -1, 1.5, 4)))),
    B: u([b, n, l], -1, 1, 5), C: u([b, n, l], -1, 1, 6), D: u([d], -1, 1, 7), deltaBias: u([d], -1, 0.5, 8),
    deltaSoftplus: true,
  };
}

const tensorsOf = (x: SelectiveScanInputs) => [x.u, x.delta, x.A, x.B, x.C, x.D!, x.z!, x.deltaBias!];

async function forward(x: SelectiveScanInputs, impl: ScanImpl): Promise<void> {
  const { y } = selectiveScan(x, { impl });
  await y.data();
  y.dispose();
}

async function forwardBackward(x: SelectiveScanInputs, impl: ScanImpl): Promise<void> {
  const grads = tf.grads((u, delta, A, B, C, D, z, deltaBias) =>
    tf.sum(selectiveScan({ u, delta, A, B, C, D, z, deltaBias, deltaSoftplus: true }, { impl }).y),
  )(tensorsOf(x));
  await Promise.all(grads.map((g) => g.data()));
  tf.dispose(grads);
}

/**
 * The forward scan as the plainest Float32Array loop: selective (b, n, l) B and C read in place, softplus,
 * D, z gate. The same arithmetic as the fused kernel and as scan_loop.c.
 */
function plainLoop(a: Record<string, Float32Array>, l: number): Float32Array {
  const { b, d, n } = SHAPE;
  const { u, delta, A, B, C, D, z, deltaBias } = a as Record<string, Float32Array>;
  const y = new Float32Array(b * d * l);
  const h = new Float32Array(n);
  for (let bi = 0; bi < b; bi++)
    for (let di = 0; di < d; di++) {
      const row = (bi * d + di) * l;
      h.fill(0);
      for (let t = 0; t < l; t++) {
        const raw = delta![row + t]! + deltaBias![di]!;
        const dt = raw > 20 ? raw : Math.log1p(Math.exp(raw));
        const ut = u![row + t]!;
        let acc = 0;
        for (let k = 0; k < n; k++) {
          h[k] = Math.exp(dt * A![di * n + k]!) * h[k]! + dt * ut * B![(bi * n + k) * l + t]!;
          acc += h[k]! * C![(bi * n + k) * l + t]!;
        }
        const zt = z![row + t]!;
        y[row + t] = ((acc + D![di]! * ut) * zt) / (1 + Math.exp(-zt));
      }
    }
  return y;
}

/** The C loop, compiled here with gcc -O3 when a compiler exists. */
function cLoop(l: number): Timing | string {
  const binary = `${OUT_DIR}/scan_loop`;
  try {
    execFileSync('gcc', ['-O3', '-march=native', '-o', binary, 'bench/peers/scan_loop.c', '-lm'], { stdio: 'pipe' });
  } catch (e) {
    return `not available (${(e as Error).message.split('\n')[0]})`;
  }
  const out = JSON.parse(execFileSync(binary, [SHAPE.b, SHAPE.d, SHAPE.n, l, REPEATS].map(String), { encoding: 'utf8' })) as { ms: number[] };
  return { wallMs: median(out.ms), cpuMs: median(out.ms), minMs: Math.min(...out.ms), maxMs: Math.max(...out.ms), repeats: out.ms.length };
}

interface TorchResult {
  torch: string;
  threads: number;
  forward: Timing;
  forwardBackward: Timing | null;
}

function torchPeer(l: number): TorchResult | string {
  const python = '/usr/bin/python3';
  if (!existsSync(python)) return 'not available (no /usr/bin/python3)';
  try {
    const raw = execFileSync(python, ['bench/peers/scan_peer.py', ...[SHAPE.b, SHAPE.d, SHAPE.n, l, REPEATS, l <= TORCH_BWD_MAX_L ? 1 : 0].map(String)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const r = JSON.parse(raw) as { torch: string; threads: number; forwardMs: number[]; forwardBackwardMs: number[] | null };
    const t = (ms: number[]): Timing => ({ wallMs: median(ms), cpuMs: NaN, minMs: Math.min(...ms), maxMs: Math.max(...ms), repeats: ms.length });
    return { torch: r.torch, threads: r.threads, forward: t(r.forwardMs), forwardBackward: r.forwardBackwardMs ? t(r.forwardBackwardMs) : null };
  } catch (e) {
    return `not available (${(e as Error).message.split('\n').find((s) => s.includes('Error')) ?? 'python3 failed'})`;
  }
}

/** Peak bytes the fused forward+backward adds: tensors (tf.profile) plus the kernel's scratch arrays. */
async function fusedPeakBytes(l: number, n: number): Promise<number> {
  const x = makeInputs(l, n);
  const start = tf.memory().numBytes;
  scratchTally.bytes = 0;
  const profile = await tf.profile(() => forwardBackward(x, 'fused'));
  tf.dispose(tensorsOf(x));
  return profile.peakBytes - start + scratchTally.bytes;
}

// ---------------------------------------------------------------------------------------------

mkdirSync(OUT_DIR, { recursive: true });
const backend = await setupBackend('wasm');
const loadBefore = loadavg()[0]!;
const rows: Record<string, unknown>[] = [];
const fmtMs = (t: Timing | undefined) => (t ? t.wallMs.toFixed(1) : '-');
const ratio = (slow: Timing | undefined, fast: Timing | undefined) => (slow && fast ? slow.wallMs / fast.wallMs : null);

const threads = fusedScanThreads(backend.name);
console.log(`selective scan, ${backend.name} backend (tfjs ${backend.version}), b=${SHAPE.b} d=${SHAPE.d} n=${SHAPE.n}, medians of ${REPEATS}; fused scan on ${threads} thread(s) (KERNEL_THREADS), tfjs ops on 1`);
console.log('| l | fused fwd ms | fused fwd+bwd ms | reference fwd ms | reference fwd+bwd ms | plain JS loop ms | C -O3 loop ms | torch fwd ms | torch fwd+bwd ms |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const l of LENGTHS) {
  const x = makeInputs(l);
  const fusedFwd = await measure(() => forward(x, 'fused'), REPEATS);
  const fusedFb = await measure(() => forwardBackward(x, 'fused'), REPEATS);
  let refFwd: Timing | undefined;
  let refFb: Timing | undefined;
  if (l <= REF_MAX_L) {
    // The reference op loop takes tens of seconds at l = 2048: one measured run, no warm-up, past l = 512.
    const reps = l <= 512 ? REPEATS : 1;
    refFwd = await measure(() => forward(x, 'reference'), reps, l <= 512 ? 1 : 0);
    refFb = await measure(() => forwardBackward(x, 'reference'), reps, l <= 512 ? 1 : 0);
  }
  const arrays = Object.fromEntries(
    Object.entries({ u: x.u, delta: x.delta, A: x.A, B: x.B, C: x.C, D: x.D!, z: x.z!, deltaBias: x.deltaBias! }).map(([k, t]) => [k, t.dataSync() as Float32Array]),
  );
  const plain = await measure(() => void plainLoop(arrays, l), REPEATS);
  const c = cLoop(l);
  const torch = torchPeer(l);
  tf.dispose(tensorsOf(x));
  const cT = typeof c === 'string' ? undefined : c;
  const torchT = typeof torch === 'string' ? undefined : torch;
  rows.push({
    l, fusedForward: fusedFwd, fusedForwardBackward: fusedFb, referenceForward: refFwd ?? null, referenceForwardBackward: refFb ?? null,
    plainLoopForward: plain, cLoopForward: cT ?? c, torch: torchT ?? torch,
    ratios: {
      fusedVsReferenceForward: ratio(refFwd, fusedFwd), fusedVsReferenceForwardBackward: ratio(refFb, fusedFb),
      fusedForwardOverPlainLoop: fusedFwd.wallMs / plain.wallMs, fusedForwardOverC: cT ? fusedFwd.wallMs / cT.wallMs : null,
      torchOverFusedForward: ratio(torchT?.forward, fusedFwd), torchOverFusedForwardBackward: ratio(torchT?.forwardBackward ?? undefined, fusedFb),
      fusedVsReferenceForwardCpuTime: refFwd ? refFwd.cpuMs / fusedFwd.cpuMs : null,
      fusedVsReferenceForwardBackwardCpuTime: refFb ? refFb.cpuMs / fusedFb.cpuMs : null,
    },
  });
  console.log(`| ${l} | ${fmtMs(fusedFwd)} | ${fmtMs(fusedFb)} | ${fmtMs(refFwd)} | ${fmtMs(refFb)} | ${fmtMs(plain)} | ${cT ? fmtMs(cT) : 'n/a'} | ${torchT ? fmtMs(torchT.forward) : 'n/a'} | ${torchT ? fmtMs(torchT.forwardBackward ?? undefined) : 'n/a'} |`);
}

// Memory: the same l at n = 16 and n = 64, and the same n at two lengths.
const memory = [
  { l: 1024, n: 16 }, { l: 1024, n: 64 }, { l: 2048, n: 16 },
].map((m) => ({ ...m }));
const memoryRows: Record<string, number>[] = [];
for (const m of memory) {
  const bytes = await fusedPeakBytes(m.l, m.n);
  const { b, d } = SHAPE;
  memoryRows.push({ ...m, peakBytes: bytes, perBdlPlusBnl: bytes / (4 * (b * d * m.l + b * m.n * m.l)), perBdln: bytes / (4 * b * d * m.l * m.n) });
}

const at = rows.find((r) => r.l === TARGET_L) as { ratios: Record<string, number | null> } | undefined;
const verdict = (ok: boolean | null) => (ok === null ? 'n/a' : ok ? 'PASS' : 'MISS');
const r = at?.ratios ?? {};
const torchFaster = rows.map((row) => (row as { ratios: Record<string, number | null> }).ratios.torchOverFusedForward).filter((v): v is number => v !== null);
console.log('');
console.log('| measurement | value | target |');
console.log('|---|---|---|');
const line = (name: string, v: number | null | undefined, target: string, ok: boolean | null) =>
  console.log(`| ${name} | ${v === null || v === undefined ? 'not measured' : `${v.toFixed(2)}x`} | ${target} ${verdict(ok)} |`);
line(`fused vs reference forward, l=${TARGET_L} (wall)`, r.fusedVsReferenceForward, '>= 100x', r.fusedVsReferenceForward == null ? null : r.fusedVsReferenceForward >= 100);
line(`fused vs reference forward, l=${TARGET_L} (CPU time)`, r.fusedVsReferenceForwardCpuTime, '(info)', null);
line(`fused vs reference forward+backward, l=${TARGET_L} (wall)`, r.fusedVsReferenceForwardBackward, '>= 30x', r.fusedVsReferenceForwardBackward == null ? null : r.fusedVsReferenceForwardBackward >= 30);
line(`fused vs reference forward+backward, l=${TARGET_L} (CPU time)`, r.fusedVsReferenceForwardBackwardCpuTime, '(info)', null);
line(`fused forward / plain Float32Array loop, l=${TARGET_L}`, r.fusedForwardOverPlainLoop, '<= 2x', r.fusedForwardOverPlainLoop == null ? null : r.fusedForwardOverPlainLoop <= 2);
line(`fused forward / C -O3 loop, l=${TARGET_L}`, r.fusedForwardOverC, '(reported)', null);
line(`PyTorch reference forward / fused forward, l=${TARGET_L}`, r.torchOverFusedForward, '> 1x', r.torchOverFusedForward == null ? null : r.torchOverFusedForward > 1);
line(`PyTorch reference forward / fused forward, slowest l`, torchFaster.length ? Math.min(...torchFaster) : null, '> 1x at every l', torchFaster.length ? Math.min(...torchFaster) > 1 : null);
const torchFb = rows.map((row) => (row as { l: number; ratios: Record<string, number | null> })).filter((row) => row.ratios.torchOverFusedForwardBackward !== null);
for (const row of torchFb) line(`PyTorch reference fwd+bwd / fused fwd+bwd, l=${row.l}`, row.ratios.torchOverFusedForwardBackward, '(reported)', null);
console.log('');
console.log('| fused fwd+bwd memory | peak bytes | / 4(bdl+bnl) | / 4bdln |');
console.log('|---|---|---|---|');
for (const m of memoryRows) console.log(`| l=${m.l} n=${m.n} | ${m.peakBytes} | ${m.perBdlPlusBnl!.toFixed(2)} | ${m.perBdln!.toFixed(3)} |`);
const m16 = memoryRows[0]!.peakBytes!, m64 = memoryRows[1]!.peakBytes!;
console.log(`memory n=64 / n=16 at l=1024: ${(m64 / m16).toFixed(2)}x (a b*d*l*n term would give ~4x) ${verdict(m64 / m16 < 2.5)}`);
const loadAfter = loadavg()[0]!;
console.log(`load average (1 min) before / after: ${loadBefore.toFixed(2)} / ${loadAfter.toFixed(2)}`);

writeFileSync(`${OUT_DIR}/scan.json`, JSON.stringify({
  backend, fusedThreads: threads, shape: SHAPE, lengths: LENGTHS, referenceMaxLength: REF_MAX_L, repeats: REPEATS, rows, memory: memoryRows,
  loadAverage: { before: loadBefore, after: loadAfter },
}, null, 2));
