/**
 * The fused selective scan on a WebGPU adapter (kernels/webgpu), measured against the device's own
 * memory bandwidth (a WGSL copy kernel, same run), the official Mamba CUDA scan on the same GPU in the
 * same run (bench/peers/mamba-cuda, at its five shapes, forward and forward+backward, as ratios),
 * PyTorch's sequential reference scan (bench/peers/scan_torch_gpu.py, where python3 with CUDA torch
 * exists), and softmax attention of the same width on the same backend, over lengths up to 256K.
 * The default rows are the adapter's measured table (kernels/webgpu/scan_tuning.ts), tuned first for
 * every shape timed here if the cache lacks it; each size says whether the default is within 10% of
 * the best row.
 *
 * Runs only on a real GPU: on a CPU renderer (llvmpipe) it says so and stops, unless
 * WEBGPU_BENCH_SOFTWARE=1 (tiny sizes, to exercise the code). Writes build/bench/webgpu.json.
 */
/// <reference types="@webgpu/types" />
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '../kernels/tf.ts';
import { adapterLabel, ensureScanTuned, releaseWebGPU, setupWebGPU, webgpuDevice, type WebGPUDetails } from '../kernels/webgpu/setup.ts';
import { activeScanTable, chooseBackward, chooseForward, describeBackward, describeForward, tableEntry, type ForwardChoice } from '../kernels/webgpu/scan_choice.ts';
import { forwardCandidates } from '../kernels/webgpu/scan_tuning.ts';
import { quadSplit } from '../kernels/webgpu/scan_forward_quad_wgsl.ts';
import { copyBandwidth } from '../kernels/webgpu/bandwidth.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outFile = process.env.BENCH_OUT ?? join(root, 'build/bench/webgpu.json');
/** The issue's targets for the forward at l >= 8192, as a share of the measured copy bandwidth. */
const TARGET_MIN = 0.3;
const TARGET_GOAL = 0.6;

type Flush = () => Promise<void>;

/** Submits whatever the tfjs backend has recorded and waits for the GPU to finish. */
function flusher(device: GPUDevice): Flush {
  return async () => {
    const backend = tf.backend() as unknown as { endComputePassEncoder(): void; submitQueue(): void; commandEncoder: unknown };
    if (backend.commandEncoder) {
      backend.endComputePassEncoder();
      backend.submitQueue();
    }
    await device.queue.onSubmittedWorkDone();
  };
}

/**
 * Median seconds per call of `step` (which records GPU work), `reps` calls per trial after a warm-up
 * trial of as many calls: the first calls at a size pay for new buffers (the pool grows to what `reps`
 * calls in flight hold), which made the first kernel timed at each size read slow.
 */
async function timeGpu(step: () => void, flush: Flush, reps: number, trials = 3): Promise<number> {
  for (let i = 0; i < reps; i++) step();
  await flush();
  const per: number[] = [];
  for (let t = 0; t < trials; t++) {
    const start = performance.now();
    for (let i = 0; i < reps; i++) step();
    await flush();
    per.push((performance.now() - start) / 1e3 / reps);
  }
  return per.sort((a, b) => a - b)[Math.floor(per.length / 2)]!;
}

interface ScanSize {
  b: number;
  d: number;
  l: number;
  n: number;
}

/** Random-looking inputs made on the GPU (a small random block tiled), so no gigabyte crosses the bus. */
function inputs(s: ScanSize) {
  const { b, d, l, n } = s;
  const block = (shape: number[], lo: number, hi: number) => {
    const small = tf.randomUniform([1, Math.min(shape[1]!, 64), Math.min(shape[2]!, 1024)], lo, hi, 'float32', 3);
    const reps = [shape[0]!, Math.ceil(shape[1]! / small.shape[1]!), Math.ceil(shape[2]! / small.shape[2]!)];
    const tiled = tf.tile(small, reps);
    const out = tf.slice(tiled, [0, 0, 0], shape);
    tf.dispose([small, tiled]);
    return out;
  };
  return {
    u: block([b, d, l], -1, 1),
    delta: block([b, d, l], -3, 1),
    z: block([b, d, l], -2, 2),
    B: block([b, n, l], -1, 1),
    C: block([b, n, l], -1, 1),
    A: tf.neg(tf.exp(tf.randomUniform([d, n], -1, 1.5, 'float32', 5))),
    D: tf.randomUniform([d], -1, 1, 'float32', 6),
    deltaBias: tf.randomUniform([d], -1, 0.5, 'float32', 7),
  };
}

/** Bytes the forward must move at least: u, delta, z read, y written, B and C read. */
const forwardBytes = (s: ScanSize) => 4 * (4 * s.b * s.d * s.l + 2 * s.b * s.n * s.l);

interface Shape {
  path?: 'rows' | 'subgroup' | 'workgroup' | 'quad';
  channels?: number;
  split?: number;
  tile?: number;
  unroll?: number;
  chunkLength?: number;
  chunks?: number;
}

/** The official kernel's five shapes (b, d, l), as its build-and-time script runs them. */
const PEER_SHAPES: [number, number, number][] = [[8, 4096, 2048], [8, 4096, 8192], [4, 4096, 16384], [1, 512, 65536], [1, 2048, 65536]];

interface PeerResult {
  device: string;
  torch: string;
  copyGBps: number;
  shapes: (ScanSize & { forwardSeconds: number; forwardBackwardSeconds: number })[];
}

/**
 * The official Mamba CUDA selective scan (bench/peers/mamba-cuda), timed in this run: built from
 * MAMBA_CUDA_SRC (state-spaces/mamba's csrc/selective_scan) into MAMBA_CUDA_BUILD (default
 * build/peers/mamba-cuda) unless already there, on a host with nvcc and CUDA PyTorch (PYTHON).
 * MAMBA_CUDA_WAIT=<seconds>: another process is building it (bench/device-bench.sh); wait for the
 * module that long, or until that build writes its exit status to build.rc.
 */
async function officialPeer(sizes: ScanSize[]): Promise<PeerResult | string> {
  const dir = process.env.MAMBA_CUDA_BUILD ?? join(root, 'build/peers/mamba-cuda');
  const built = () => existsSync(dir) && readdirSync(dir).some((f) => f.startsWith('selective_scan_cuda') && f.endsWith('.so'));
  const waitUntil = Date.now() + 1e3 * Number(process.env.MAMBA_CUDA_WAIT ?? 0);
  // A build in the background writes its exit status to build.rc when it ends.
  const ended = () => existsSync(join(dir, 'build.rc'));
  while (!built() && !ended() && Date.now() < waitUntil) await new Promise((r) => setTimeout(r, 2000));
  if (!built() && ended()) return `not available: its build failed (exit ${readFileSync(join(dir, 'build.rc'), 'utf8').trim()})`;
  if (!built()) {
    if (!process.env.MAMBA_CUDA_SRC) return 'not available: set MAMBA_CUDA_SRC to state-spaces/mamba\'s csrc/selective_scan (needs nvcc and CUDA PyTorch) to build and time it here';
    console.log(`\nbuilding the official CUDA scan from ${process.env.MAMBA_CUDA_SRC} (a few minutes)`);
    const b = spawnSync('bash', [join(root, 'bench/peers/mamba-cuda/build.sh'), dir], { encoding: 'utf8', stdio: ['ignore', 'inherit', 'inherit'] });
    if (b.status !== 0) return `not available: its build failed (exit ${b.status})`;
  }
  const r = spawnSync(process.env.PYTHON ?? 'python3', [join(root, 'bench/peers/mamba-cuda/time_peer.py'), JSON.stringify(sizes.map((s) => [s.b, s.d, s.l])), String(sizes[0]?.n ?? 16)], {
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, PYTHONPATH: [dir, process.env.PYTHONPATH].filter(Boolean).join(':') },
  });
  if (r.status === 3) return 'not available (no CUDA PyTorch, or the module does not load)';
  if (r.status !== 0) return `failed (exit ${r.status}): ${(r.stderr ?? '').trim().split('\n').slice(-1)[0]}`;
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as PeerResult;
}

function forwardStep(x: Record<string, tf.Tensor>, shape: Shape = {}, keepCheckpoints = false) {
  return () => {
    const outs = tf.engine().runKernel('SelectiveScan', x, { softplus: true, ...shape, keepCheckpoints } as unknown as tf.NamedAttrMap) as tf.Tensor[];
    tf.dispose(outs);
  };
}

/** Forward with checkpoints, then every gradient: one training step of the scan. */
function trainStep(x: Record<string, tf.Tensor>, dy: tf.Tensor, dLast: tf.Tensor, chunks?: number) {
  return () => {
    const [y, last, ck] = tf.engine().runKernel('SelectiveScan', x, { softplus: true, keepCheckpoints: true } as unknown as tf.NamedAttrMap) as tf.Tensor[];
    const grads = tf.engine().runKernel('SelectiveScanGrad', { ...x, checkpoints: ck!, dy, dLast }, { softplus: true, ...(chunks ? { chunks } : {}) } as unknown as tf.NamedAttrMap) as tf.Tensor[];
    tf.dispose([y!, last!, ck!, ...grads]);
  };
}

/** Softmax attention, one head of width d: softmax(Q K^T / sqrt(d)) V, Q, K, V (b, l, d). */
function attentionStep(q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D) {
  return () => {
    const out = tf.tidy(() => tf.matMul(tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(q.shape[2]))), v));
    out.dispose();
  };
}

function torchPeer(spec: object): Record<string, unknown> | string {
  const script = join(root, 'bench/peers/scan_torch_gpu.py');
  const r = spawnSync(process.env.PYTHON ?? 'python3', [script, JSON.stringify(spec)], { encoding: 'utf8', timeout: 300_000 });
  if (r.error) return `not available (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})`;
  if (r.status === 3) return 'not available (no torch with CUDA)';
  if (r.status !== 0) return `failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-1)[0]}`;
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

const fmt = (x: number, digits = 2) => x.toFixed(digits);

async function main(): Promise<void> {
  const details = await setupWebGPU();
  const write = (result: Record<string, unknown>) => {
    mkdirSync(dirname(outFile), { recursive: true });
    writeFileSync(outFile, JSON.stringify(result, null, 2) + '\n');
    console.log(`wrote ${outFile}`);
  };
  if (!details) {
    console.log('webgpu: no WebGPU adapter on this host: not available');
    write({ available: false });
    return;
  }
  const software = details.software;
  if (software && process.env.WEBGPU_BENCH_SOFTWARE !== '1') {
    console.log(`webgpu: ${adapterLabel(details)} is a CPU renderer; GPU benchmarks skipped (WEBGPU_BENCH_SOFTWARE=1 runs tiny sizes)`);
    write({ available: true, skipped: 'software adapter', adapter: details });
    releaseWebGPU();
    return;
  }
  const device = webgpuDevice();
  const flush = flusher(device);
  const small = software;
  console.log(`adapter: ${adapterLabel(details)}`);
  const result: Record<string, unknown> = { available: true, adapter: details as WebGPUDetails, software };

  // 1. Memory bandwidth.
  const copyBytes = small ? 16 << 20 : 1 << 30;
  const copyGBps = await copyBandwidth(device, copyBytes);
  result.copy = { bytes: copyBytes, gbps: copyGBps };
  console.log(`copy bandwidth (read + write, ${copyBytes >> 20} MiB): ${fmt(copyGBps, 0)} GB/s`);

  // 2. The scan's measured table for every shape this bench times (measured once per adapter, cached).
  const maxBinding = details.limits.maxStorageBufferBindingSize!;
  // Halve the batch until one (b, d, l) tensor fits a storage binding.
  const fit = (s: ScanSize): ScanSize => (4 * s.b * s.d * s.l > maxBinding && s.b > 1 ? fit({ ...s, b: s.b / 2 }) : s);
  const peerSizes: ScanSize[] = (small ? [{ b: 1, d: 64, l: 256, n: 16 }, { b: 1, d: 16, l: 1024, n: 16 }] : PEER_SHAPES.map(([b, d, l]) => ({ b, d, l, n: 16 }))).map(fit);
  const width = small ? 32 : 512;
  const lengths = small ? [256, 1024] : [1024, 4096, 16384, 65536, 262144];
  const tuneStart = performance.now();
  const tunedNow = await ensureScanTuned([...peerSizes, ...lengths.map((l) => ({ b: 1, d: width, l, n: 16 }))], (line) => console.log(`  ${line}`), small);
  const tuneSeconds = (performance.now() - tuneStart) / 1e3;
  const table = activeScanTable();
  result.scanTable = table as unknown as Record<string, unknown>;
  console.log(`scan table: ${tunedNow.length} bucket(s) measured now (${fmt(tuneSeconds, 1)} s), ${Object.keys(table?.entries ?? {}).length} in the table`);

  // 3. Forward throughput against the copy bandwidth: the default (the table's choice) against the
  // table's next-best candidates, the unsplit quad forward and the rows forward, re-timed here.
  const forward: Record<string, unknown>[] = [];
  console.log('\nforward (z, D, delta bias, softplus; n = 16)\n  b     d      l  kernel                        ms     GB/s  of copy');
  for (const s of peerSizes) {
    const x = inputs(s);
    const entry = table ? tableEntry(table, s)?.entry : undefined;
    const ranked = entry ? Object.entries(entry.forwardCandidates).sort((a, b) => a[1] - b[1]).map(([label]) => label) : [];
    const byLabel = new Map(forwardCandidates(s).map((c) => [describeForward(c), c]));
    const alternatives: Shape[] = [...new Set([...ranked.slice(0, 3), describeForward({ path: 'quad', channels: 32, split: quadSplit(s.b * s.d), tile: 16, chunks: 1 }), 'rows'])]
      .map((label) => byLabel.get(label))
      .filter((c): c is NonNullable<typeof c> => c !== undefined);
    const rows: { label: string; sec: number }[] = [];
    for (const shape of [{} as Shape, ...alternatives]) {
      const sec = await timeGpu(forwardStep(x, shape), flush, small ? 2 : 5);
      const gbps = forwardBytes(s) / sec / 1e9;
      const label = shape.path === undefined ? `default (${describeForward(chooseForward(table, s).choice)})` : describeForward(shape as ForwardChoice);
      rows.push({ label, sec });
      forward.push({ ...s, ...shape, label, seconds: sec, gbps, ofCopy: gbps / copyGBps });
      const verdict = s.l >= 8192 && shape.path === undefined ? ` ${gbps / copyGBps >= TARGET_GOAL ? 'PASS (target 60%)' : gbps / copyGBps >= TARGET_MIN ? 'PASS (min 30%)' : 'MISS (target 60%)'}` : '';
      console.log(`  ${s.b} ${String(s.d).padStart(5)} ${String(s.l).padStart(6)}  ${label.padEnd(30)}  ${fmt(sec * 1e3).padStart(7)} ${fmt(gbps, 0).padStart(6)}  ${fmt(100 * gbps / copyGBps, 1)}%${verdict}`);
    }
    const best = Math.min(...rows.map((r) => r.sec));
    const within = rows[0]!.sec / best;
    console.log(`  default / best row: ${fmt(within, 3)} ${within <= 1.1 ? 'PASS' : 'MISS'} (within 10%)`);
    forward.push({ ...s, defaultOverBest: within });
    tf.dispose(Object.values(x));
  }
  result.forward = forward;

  // On the GPU itself: the split-along-l forward and backward agree with the unsplit ones.
  {
    const s = { b: 1, d: 256, l: 4096, n: 16 };
    const x = inputs(s);
    const dy = tf.randomUniform([s.b, s.d, s.l], -1, 1, 'float32', 4);
    const dLast = tf.randomUniform([s.b, s.d, s.n], -1, 1, 'float32', 5);
    const run = async (fwd: object, chunks: number) => {
      const [y, last, ck] = tf.engine().runKernel('SelectiveScan', x, { softplus: true, ...fwd, keepCheckpoints: true } as unknown as tf.NamedAttrMap) as tf.Tensor[];
      const g = tf.engine().runKernel('SelectiveScanGrad', { ...x, checkpoints: ck!, dy, dLast }, { softplus: true, chunks } as unknown as tf.NamedAttrMap) as tf.Tensor[];
      const out = [await y!.data(), await last!.data(), await ck!.data(), await g[0]!.data(), await g[1]!.data(), await g[2]!.data(), await g[3]!.data()];
      tf.dispose([y!, last!, ck!, ...g]);
      return out;
    };
    const rel = (p: ArrayLike<number>, q: ArrayLike<number>) => {
      let e = 0, m = 0;
      for (let i = 0; i < q.length; i++) { e = Math.max(e, Math.abs(p[i]! - q[i]!)); m = Math.max(m, Math.abs(q[i]!)); }
      return e / m;
    };
    const whole = await run({ path: 'workgroup' }, 1);
    const split = await run({ path: 'quad', chunks: 16 }, 16);
    const names = ['y', 'lastState', 'checkpoints', 'du', 'ddelta', 'dA', 'dB'];
    const agreement = Object.fromEntries(names.map((name, i) => [name, rel(split[i]!, whole[i]!)]));
    result.splitAgreement = agreement;
    console.log(`split along l (16 chunks) vs unsplit, max error / max value: ${names.map((n) => `${n} ${agreement[n]!.toExponential(1)}`).join(', ')}`);
    tf.dispose([dy, dLast, ...Object.values(x)]);
  }

  // 4. Forward + backward (checkpoints kept, every gradient) at the same shapes: the default against the
  // unsplit backward.
  const train: Record<string, unknown>[] = [];
  console.log('\nforward + backward (n = 16)\n  b     d      l  backward                      ms');
  for (const s of peerSizes) {
    const x = inputs(s);
    const dy = tf.randomUniform([s.b, s.d, s.l], -1, 1, 'float32', 4);
    const dLast = tf.zeros([s.b, s.d, s.n]);
    const chosen = chooseBackward(table, s).choice;
    for (const chunks of [undefined, ...(chosen.chunks === 1 && !chosen.split ? [] : [1])]) {
      const sec = await timeGpu(trainStep(x, dy, dLast, chunks), flush, small ? 1 : 3);
      const label = chunks === undefined ? `default (${describeBackward(chosen)})` : `unsplit (x${chunks})`;
      train.push({ ...s, label, chunks: chunks ?? chosen.chunks, split: chunks ? null : chosen.split ?? null, seconds: sec });
      console.log(`  ${s.b} ${String(s.d).padStart(5)} ${String(s.l).padStart(6)}  ${label.padEnd(28)}  ${fmt(sec * 1e3).padStart(7)}`);
    }
    tf.dispose([dy, dLast, ...Object.values(x)]);
  }
  result.forwardBackward = train;

  // 5. The official CUDA kernel on the same GPU, same shapes, in this run.
  const peer = small ? 'not run on a software adapter' : await officialPeer(peerSizes);
  result.officialPeer = peer;
  if (typeof peer === 'string') console.log(`\nofficial CUDA selective scan: ${peer}`);
  else {
    console.log(`\nofficial CUDA selective scan (state-spaces/mamba selective_scan_cuda, fp32; torch ${peer.torch}, ${peer.device}, copy ${fmt(peer.copyGBps, 0)} GB/s)`);
    console.log('  b     d      l   peer fwd ms  ours fwd ms  peer/ours   peer fwd+bwd ms  ours fwd+bwd ms  peer/ours');
    const ratios: Record<string, unknown>[] = [];
    for (const p of peer.shapes) {
      const same = (r: Record<string, unknown>) => r.b === p.b && r.d === p.d && r.l === p.l && typeof r.label === 'string' && r.label.startsWith('default');
      const ours = forward.find(same)?.seconds as number | undefined;
      const oursTrain = train.find(same)?.seconds as number | undefined;
      if (ours === undefined || oursTrain === undefined) continue;
      const fr = p.forwardSeconds / ours;
      const tr = p.forwardBackwardSeconds / oursTrain;
      ratios.push({ b: p.b, d: p.d, l: p.l, peerForward: p.forwardSeconds, oursForward: ours, forwardRatio: fr, peerForwardBackward: p.forwardBackwardSeconds, oursForwardBackward: oursTrain, forwardBackwardRatio: tr });
      console.log(`  ${p.b} ${String(p.d).padStart(5)} ${String(p.l).padStart(6)}  ${fmt(p.forwardSeconds * 1e3).padStart(10)}  ${fmt(ours * 1e3).padStart(11)}  ${fmt(fr).padStart(8)}x  ${fmt(p.forwardBackwardSeconds * 1e3).padStart(15)}  ${fmt(oursTrain * 1e3).padStart(15)}  ${fmt(tr).padStart(8)}x`);
    }
    result.peerRatios = ratios;
    const worst = Math.min(...ratios.flatMap((r) => [r.forwardRatio as number, r.forwardBackwardRatio as number]));
    console.log(`  slowest ratio: ${fmt(worst)}x (${worst >= 1.5 ? 'PASS, target 1.5x' : worst >= 1 ? 'faster, below the 1.5x target' : 'MISS: the peer is faster'})`);
  }
  if (process.env.WEBGPU_BENCH_ONLY === 'peer') {
    write(result);
    releaseWebGPU();
    return;
  }

  // 6. Forward + backward at l = 65536: GPU memory, against the (b, d, l, n) tensor it avoids.
  const big: ScanSize = small ? { b: 1, d: 32, l: 4096, n: 16 } : { b: 1, d: 2048, l: 65536, n: 16 };
  {
    const x = inputs(big);
    const dy = tf.randomUniform([big.b, big.d, big.l], -1, 1, 'float32', 9);
    const dLast = tf.zeros([big.b, big.d, big.n]);
    const before = tf.memory() as unknown as { numBytesInGPUAllocated?: number; numBytes: number };
    const fwdSec = await timeGpu(forwardStep(x, {}, true), flush, 2);
    const trainSec = await timeGpu(trainStep(x, dy, dLast), flush, 2);
    // Peak: one step's tensors alive at once.
    const [y, last, ck] = tf.engine().runKernel('SelectiveScan', x, { softplus: true, keepCheckpoints: true } as unknown as tf.NamedAttrMap) as tf.Tensor[];
    const grads = tf.engine().runKernel('SelectiveScanGrad', { ...x, checkpoints: ck!, dy, dLast }, { softplus: true } as unknown as tf.NamedAttrMap) as tf.Tensor[];
    await flush();
    const during = tf.memory() as unknown as { numBytesInGPUAllocated?: number; numBytes: number };
    const finite = Number.isFinite((await tf.sum(grads[1]!).data())[0]);
    tf.dispose([y!, last!, ck!, ...grads, dy, dLast, ...Object.values(x)]);
    const stateTensorBytes = 4 * big.b * big.d * big.l * big.n;
    const longRun = {
      ...big,
      forwardSeconds: fwdSec,
      forwardBackwardSeconds: trainSec,
      gpuBytesAllocated: during.numBytesInGPUAllocated ?? null,
      tensorBytesLive: during.numBytes,
      tensorBytesBefore: before.numBytes,
      stateTensorBytes,
      gradientsFinite: finite,
    };
    result.long = longRun;
    console.log(`\nl = ${big.l} (b ${big.b}, d ${big.d}, n ${big.n}): forward ${fmt(fwdSec * 1e3)} ms, forward + backward ${fmt(trainSec * 1e3)} ms`);
    console.log(`  live tensors during the step: ${fmt(during.numBytes / 2 ** 30)} GiB; a (b, d, l, n) float32 tensor would be ${fmt(stateTensorBytes / 2 ** 30)} GiB; gradients finite: ${finite}`);
  }

  // 7. Scaling with l: fused scan (forward, forward + backward) against attention of the same width.
  const scaling: Record<string, unknown>[] = [];
  console.log(`\nscaling (b 1, d ${width}, n 16)\n       l   scan fwd ms  scan fwd+bwd ms  attention ms`);
  for (const l of lengths) {
    const s = { b: 1, d: width, l, n: 16 };
    const x = inputs(s);
    const dy = tf.randomUniform([1, width, l], -1, 1, 'float32', 9);
    const dLast = tf.zeros([1, width, 16]);
    const fwd = await timeGpu(forwardStep(x), flush, 3);
    const train = await timeGpu(trainStep(x, dy, dLast), flush, 2);
    tf.dispose([dy, dLast, ...Object.values(x)]);
    let attention: number | null = null;
    let attentionNote = '';
    if (4 * l * l > maxBinding) attentionNote = `scores (${l}x${l}) exceed the ${fmt(maxBinding / 2 ** 30)} GiB binding limit`;
    else {
      const q = tf.randomUniform([1, l, width], -1, 1, 'float32', 1) as tf.Tensor3D;
      const k = tf.randomUniform([1, l, width], -1, 1, 'float32', 2) as tf.Tensor3D;
      const v = tf.randomUniform([1, l, width], -1, 1, 'float32', 3) as tf.Tensor3D;
      attention = await timeGpu(attentionStep(q, k, v), flush, 2);
      tf.dispose([q, k, v]);
    }
    scaling.push({ l, d: width, n: 16, scanForwardSeconds: fwd, scanTrainSeconds: train, attentionSeconds: attention, attentionNote });
    console.log(`  ${String(l).padStart(6)}   ${fmt(fwd * 1e3, 3).padStart(10)}  ${fmt(train * 1e3, 3).padStart(14)}  ${attention === null ? attentionNote : fmt(attention * 1e3, 3).padStart(11)}`);
  }
  result.scaling = scaling;

  // 8. PyTorch's sequential scan on the same GPU (WEBGPU_BENCH_TORCH=0 skips it: it takes a while).
  const torchSizes = small || process.env.WEBGPU_BENCH_TORCH === '0' ? [] : peerSizes.slice(0, 2);
  const torch = torchSizes.length === 0 ? 'not run' : torchPeer({ copy_bytes: copyBytes, scans: torchSizes });
  result.torch = torch;
  if (typeof torch === 'string') console.log(`\nPyTorch sequential scan: ${torch}`);
  else {
    console.log(`\nPyTorch ${torch.torch} on ${torch.device}: copy ${fmt(torch.copy_gbps as number, 0)} GB/s`);
    for (const p of torch.scans as (ScanSize & { seconds: number })[]) {
      const ours = forward.filter((f) => f.l === p.l && f.b === p.b && f.d === p.d && typeof f.seconds === 'number').map((f) => f.seconds as number);
      const best = Math.min(...ours);
      console.log(`  sequential reference scan l=${p.l}: ${fmt(p.seconds * 1e3, 1)} ms; fused WGSL ${fmt(best * 1e3, 2)} ms: ${fmt(p.seconds / best, 0)}x`);
    }
  }
  write(result);
  releaseWebGPU();
}

await main();
