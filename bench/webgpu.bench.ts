/**
 * The fused selective scan on a WebGPU adapter (kernels/webgpu), measured against the device's own
 * memory bandwidth (a WGSL copy kernel, same run), PyTorch's sequential reference scan on the same GPU
 * (bench/peers/scan_torch_gpu.py, where python3 with CUDA torch exists), and softmax attention of the
 * same width on the same backend, over sequence lengths up to 256K.
 *
 * Runs only on a real GPU: on a CPU renderer (llvmpipe) it says so and stops, unless
 * WEBGPU_BENCH_SOFTWARE=1 (tiny sizes, to exercise the code). Writes build/bench/webgpu.json.
 */
/// <reference types="@webgpu/types" />
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '../kernels/tf.ts';
import { adapterLabel, releaseWebGPU, setupWebGPU, webgpuDevice, type WebGPUDetails } from '../kernels/webgpu/setup.ts';
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

/** Median seconds per call of `step` (which records GPU work), `reps` calls per trial after one warm-up. */
async function timeGpu(step: () => void, flush: Flush, reps: number, trials = 3): Promise<number> {
  step();
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
}

function forwardStep(x: Record<string, tf.Tensor>, shape: Shape = {}, keepCheckpoints = false) {
  return () => {
    const outs = tf.engine().runKernel('SelectiveScan', x, { softplus: true, ...shape, keepCheckpoints } as unknown as tf.NamedAttrMap) as tf.Tensor[];
    tf.dispose(outs);
  };
}

/** Forward with checkpoints, then every gradient: one training step of the scan. */
function trainStep(x: Record<string, tf.Tensor>, dy: tf.Tensor, dLast: tf.Tensor) {
  return () => {
    const [y, last, ck] = tf.engine().runKernel('SelectiveScan', x, { softplus: true, keepCheckpoints: true } as unknown as tf.NamedAttrMap) as tf.Tensor[];
    const grads = tf.engine().runKernel('SelectiveScanGrad', { ...x, checkpoints: ck!, dy, dLast }, { softplus: true } as unknown as tf.NamedAttrMap) as tf.Tensor[];
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

  // 2. Forward throughput against the copy bandwidth, for each state split.
  const maxBinding = details.limits.maxStorageBufferBindingSize!;
  // Halve the batch until one (b, d, l) tensor fits a storage binding.
  const fit = (s: ScanSize): ScanSize => (4 * s.b * s.d * s.l > maxBinding && s.b > 1 ? fit({ ...s, b: s.b / 2 }) : s);
  const fwdSizes: ScanSize[] = (small
    ? [{ b: 1, d: 64, l: 256, n: 16 }]
    : [{ b: 8, d: 4096, l: 2048, n: 16 }, { b: 8, d: 4096, l: 8192, n: 16 }, { b: 4, d: 4096, l: 16384, n: 16 }, { b: 1, d: 512, l: 65536, n: 16 }]).map(fit);
  const forward: Record<string, unknown>[] = [];
  // Kernels compared: the default, the rows forward with its default chunking and with l in 2 chunks,
  // the tiled forward at its best measured shape (split 2, tile 8), and the quad forward over channels
  // per workgroup, state lanes per channel and tile length.
  const quadShapes: Shape[] = [[32, 4, 16], [16, 4, 16], [64, 4, 16], [32, 4, 32], [64, 2, 16], [32, 2, 8], [32, 2, 16], [16, 2, 32], [64, 1, 16]]
    .map(([channels, split, tile]) => ({ path: 'quad', channels, split, tile }));
  const shapesFor = (s: ScanSize): Shape[] => [
    {},
    { path: 'rows' },
    { path: 'rows', chunkLength: s.l / 2 },
    { path: 'workgroup', split: 2, tile: 8, unroll: 1 },
    ...(s.b * s.d >= 8192 ? quadShapes : quadShapes.slice(0, 4)),
  ];
  const describe = (shape: Shape) =>
    shape.path === undefined ? 'default' : shape.path === 'rows' ? `rows, ${shape.chunkLength ? `chunk ${shape.chunkLength}` : 'auto chunks'}` : shape.path === 'subgroup' ? 'subgroup'
      : shape.path === 'quad' ? `quad, ${shape.channels} ch split ${shape.split} tile ${shape.tile}` : `tiled, split ${shape.split} tile ${shape.tile}`;
  console.log('\nforward (z, D, delta bias, softplus; n = 16)\n  b     d      l  kernel                        ms     GB/s  of copy');
  for (const s of fwdSizes) {
    const x = inputs(s);
    for (const shape of shapesFor(s)) {
      const sec = await timeGpu(forwardStep(x, shape), flush, small ? 2 : 5);
      const gbps = forwardBytes(s) / sec / 1e9;
      const row = { ...s, ...shape, seconds: sec, gbps, ofCopy: gbps / copyGBps };
      forward.push(row);
      const verdict = s.l >= 8192 ? ` ${gbps / copyGBps >= TARGET_GOAL ? 'PASS (target 60%)' : gbps / copyGBps >= TARGET_MIN ? 'PASS (min 30%)' : 'MISS'}` : '';
      console.log(`  ${s.b} ${String(s.d).padStart(5)} ${String(s.l).padStart(6)}  ${describe(shape).padEnd(26)}  ${fmt(sec * 1e3).padStart(7)} ${fmt(gbps, 0).padStart(6)}  ${fmt(100 * row.ofCopy, 1)}%${verdict}`);
    }
    tf.dispose(Object.values(x));
  }
  result.forward = forward;
  if (!software) {
    // The two forward paths must agree (outputs, and the checkpoints the backward starts from).
    const s = { b: 2, d: 256, l: 1000, n: 16 };
    const x = inputs(s);
    const dy = tf.randomUniform([s.b, s.d, s.l], -1, 1, 'float32', 4);
    const dLast = tf.randomUniform([s.b, s.d, s.n], -1, 1, 'float32', 5);
    const run = async (path: string, shape: Shape = {}) => {
      const [y, last, ck] = tf.engine().runKernel('SelectiveScan', x, { softplus: true, path, ...shape, keepCheckpoints: true } as unknown as tf.NamedAttrMap) as tf.Tensor[];
      const g = tf.engine().runKernel('SelectiveScanGrad', { ...x, checkpoints: ck!, dy, dLast }, { softplus: true } as unknown as tf.NamedAttrMap) as tf.Tensor[];
      const out = [await y!.data(), await last!.data(), await g[1]!.data(), await g[3]!.data()];
      tf.dispose([y!, last!, ck!, ...g]);
      return out;
    };
    const a = await run('rows');
    const w = await run('workgroup');
    const q = await run('quad');
    const rel = (p: ArrayLike<number>, q: ArrayLike<number>) => {
      let e = 0, m = 0;
      for (let i = 0; i < q.length; i++) { e = Math.max(e, Math.abs(p[i]! - q[i]!)); m = Math.max(m, Math.abs(q[i]!)); }
      return e / m;
    };
    const agree = (p: ArrayLike<number>[]) => ({ y: rel(p[0]!, w[0]!), lastState: rel(p[1]!, w[1]!), ddelta: rel(p[2]!, w[2]!), dB: rel(p[3]!, w[3]!) });
    const agreement: Record<string, Record<string, number>> = { rows: agree(a), quad: agree(q) };
    for (const shape of quadShapes) agreement[describe(shape)] = agree(await run('quad', shape));
    result.pathAgreement = agreement;
    for (const [path, e] of Object.entries(agreement)) {
      console.log(`${path} vs tiled forward, max error / max value: ${Object.entries(e).map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', ')}`);
    }
    tf.dispose([dy, dLast, ...Object.values(x)]);
  }

  // WEBGPU_BENCH_ONLY=forward: the forward comparison alone (a sweep of kernel shapes).
  if (process.env.WEBGPU_BENCH_ONLY === 'forward') {
    write(result);
    releaseWebGPU();
    return;
  }

  // 3. Forward + backward at l = 65536: time and GPU memory, against the (b, d, l, n) tensor it avoids.
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

  // 4. Scaling with l: fused scan (forward, forward + backward) against attention of the same width.
  const width = small ? 32 : 512;
  const lengths = small ? [256, 1024] : [1024, 4096, 16384, 65536, 262144];
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

  // 5. PyTorch's sequential scan on the same GPU.
  const peerSizes = small ? [] : fwdSizes.slice(0, 2);
  const peer = small ? 'not run on a software adapter' : torchPeer({ copy_bytes: copyBytes, scans: peerSizes });
  result.torch = peer;
  if (typeof peer === 'string') console.log(`\nPyTorch peer: ${peer}`);
  else {
    console.log(`\nPyTorch ${peer.torch} on ${peer.device}: copy ${fmt(peer.copy_gbps as number, 0)} GB/s`);
    for (const p of peer.scans as (ScanSize & { seconds: number })[]) {
      const ours = forward.filter((f) => f.l === p.l && f.b === p.b && f.d === p.d).map((f) => f.seconds as number);
      const best = Math.min(...ours);
      console.log(`  sequential reference scan l=${p.l}: ${fmt(p.seconds * 1e3, 1)} ms; fused WGSL ${fmt(best * 1e3, 2)} ms: ${fmt(p.seconds / best, 0)}x`);
    }
  }
  write(result);
  releaseWebGPU();
}

await main();
