/**
 * The training backend: the wasm backend with this project's kernels (kernels/backend/wasm/) against
 * the cpu backend, against the wasm backend as the package ships it ("wasm plain"), and against
 * PyTorch on the CPU. Every ratio is measured in this one run:
 * - matmul 1024^3 and 8 x 256^3, all four transpose combinations, wasm plain vs wasm + fast path
 *   (cpu backend: the untransposed 1024^3 only, it takes seconds);
 * - the conv2d filter gradient, im2col + XNNPACK matmul (what Conv2DBackpropFilter does) vs a direct
 *   JS loop over the wasm heap (the alternative it was chosen over);
 * - one Adam training step, batch 64, seeded random data, for (a) a small convnet
 *   conv3x3(16)-pool-conv3x3(32)-pool-dense(10) on 32x32x3 and (b) an MLP 784-1024-1024-10,
 *   on cpu, wasm plain (the convnet cannot train there: a kernel is missing) and wasm + kernels;
 *   and the same models in PyTorch (bench/peers/backend_peer.py) where /usr/bin/python3 has torch;
 * - the same step for (c) a CIFAR-size CNN, Keras' cifar10_cnn without its dropout
 *   (conv32-conv32-pool-conv64-conv64-pool-dense512-dense10 on 32x32x3), on wasm + kernels with
 *   KERNEL_THREADS = 1 and = one per core (each in a fresh process: the thread count is read once),
 *   against PyTorch on every core;
 * - where the convnet's and the CIFAR CNN's step time goes on wasm + kernels (tf.profile, per kernel).
 * Times are wall-clock medians; CPU-time medians are recorded too, because this 2-core machine is
 * shared (the load average is recorded at start and end).
 * Run: npx tsx bench/backend.bench.ts   (writes build/bench/backend.json)
 *      npx tsx bench/backend.bench.ts --cifar-step   (only the CIFAR CNN step here, as JSON: the child
 *      processes of the full run)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { measure, type Timing } from './timing.ts';
import { setupBackend } from '../kernels/backend/index.ts';
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from '../kernels/backend/wasm/index.ts';
import * as tf from '../kernels/tf.ts';
import { kernelThreads } from '../kernels/threads/count.ts';

const OUT_DIR = 'build/bench';
const BATCH = 64;
const PEER_WARMUP = 3;
const PEER_REPEATS = 10;

type Outcome = Timing | { error: string };

function attempt(f: () => Timing): Outcome {
  try {
    return f();
  } catch (e) {
    return { error: (e as Error).message.split('\n')[0]! };
  }
}

const ms = (o: Outcome | undefined) => (o == null ? '-' : 'error' in o ? 'fails' : o.wallMs.toFixed(1));
const ratio = (slow: Outcome | undefined, fast: Outcome | undefined) =>
  slow == null || fast == null || 'error' in slow || 'error' in fast ? null : slow.wallMs / fast.wallMs;
const fmtRatio = (r: number | null) => (r == null ? '-' : r >= 10 ? `${r.toFixed(0)}x` : `${r.toFixed(2)}x`);

// ---------------------------------------------------------------------------------------------
// Matmul

const TRANSPOSES = [
  ['NN', false, false],
  ['NT', false, true],
  ['TN', true, false],
  ['TT', true, true],
] as const;

/** One matmul on the current backend per transpose case: a and b stored so the product is (batch, m, n). */
function matmulTimes(batch: number, m: number, cases: readonly (typeof TRANSPOSES)[number][], repeats: (t: boolean) => number) {
  const out: Record<string, Timing> = {};
  for (const [name, ta, tb] of cases) {
    const a = tf.randomNormal(batch === 1 ? [m, m] : [batch, m, m], 0, 1, 'float32', 1);
    const b = tf.randomNormal(batch === 1 ? [m, m] : [batch, m, m], 0, 1, 'float32', 2);
    const slow = ta || tb;
    out[name] = measure(() => tf.matMul(a, b, ta, tb).dispose(), repeats(slow), slow ? 0 : 1);
    tf.dispose([a, b]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Conv2d filter gradient: the kernel vs a direct loop on the heap

/** dW (3, 3, ci, co) of a stride-1 'same' 3x3 convolution, as a direct loop (the alternative). */
function directFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D): tf.Tensor {
  const [n, h, w, ci] = x.shape;
  const co = dy.shape[3];
  const xs = x.dataSync();
  const dys = dy.dataSync();
  const acc = new Float32Array(9 * ci * co);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      for (let xo = 0; xo < w; xo++) {
        const dyBase = ((b * h + y) * w + xo) * co;
        for (let i = 0; i < 3; i++) {
          const iy = y + i - 1;
          if (iy < 0 || iy >= h) continue;
          for (let j = 0; j < 3; j++) {
            const ix = xo + j - 1;
            if (ix < 0 || ix >= w) continue;
            const xBase = ((b * h + iy) * w + ix) * ci;
            for (let c = 0; c < ci; c++) {
              const xv = xs[xBase + c]!;
              const o = ((i * 3 + j) * ci + c) * co;
              for (let k = 0; k < co; k++) acc[o + k]! += xv * dys[dyBase + k]!;
            }
          }
        }
      }
    }
  }
  return tf.tensor4d(acc, [3, 3, ci, co]);
}

function filterGradTimes(shape: [number, number, number, number], co: number) {
  const x = tf.randomNormal(shape, 0, 1, 'float32', 3) as tf.Tensor4D;
  const dy = tf.randomNormal([shape[0], shape[1], shape[2], co], 0, 1, 'float32', 4) as tf.Tensor4D;
  const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, shape[3], co] } as unknown as tf.NamedAttrMap;
  const kernel = () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs) as tf.Tensor;
  const a = kernel();
  const b = directFilterGrad(x, dy);
  const maxAbsDiff = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;
  const scale = tf.max(tf.abs(b)).dataSync()[0]!;
  tf.dispose([a, b]);
  const result = {
    x: shape,
    co,
    im2colMatmul: measure(() => kernel().dispose(), 5),
    directLoop: measure(() => directFilterGrad(x, dy).dispose(), 3),
    relativeDifference: maxAbsDiff / scale,
  };
  tf.dispose([x, dy]);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Training steps

interface Model {
  vars: tf.Variable[];
  logits(x: tf.Tensor): tf.Tensor2D;
}

/** He-normal weights, seeded: identical values on every backend. */
const weight = (shape: number[], fanIn: number, seed: number) =>
  tf.variable(tf.mul(tf.randomNormal(shape, 0, 1, 'float32', seed), Math.sqrt(2 / fanIn)));

/** conv3x3(3->16) relu pool2 conv3x3(16->32) relu pool2 dense(2048->10), input (b, 32, 32, 3). */
function convnet(): Model {
  const w1 = weight([3, 3, 3, 16], 27, 11);
  const b1 = tf.variable(tf.zeros([16]));
  const w2 = weight([3, 3, 16, 32], 144, 12);
  const b2 = tf.variable(tf.zeros([32]));
  const w3 = weight([8 * 8 * 32, 10], 2048, 13);
  const b3 = tf.variable(tf.zeros([10]));
  return {
    vars: [w1, b1, w2, b2, w3, b3],
    logits: (x) => {
      let h = tf.relu(tf.add(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 1, 'same'), b1)); // (b, 32, 32, 16)
      h = tf.maxPool(h as tf.Tensor4D, 2, 2, 'valid'); // (b, 16, 16, 16)
      h = tf.relu(tf.add(tf.conv2d(h as tf.Tensor4D, w2 as tf.Tensor4D, 1, 'same'), b2)); // (b, 16, 16, 32)
      h = tf.maxPool(h as tf.Tensor4D, 2, 2, 'valid'); // (b, 8, 8, 32)
      return tf.add(tf.matMul(tf.reshape(h, [-1, 8 * 8 * 32]), w3), b3) as tf.Tensor2D; // (b, 10)
    },
  };
}

/** dense 784-1024 relu, 1024-1024 relu, 1024-10, input (b, 784). */
function mlp(): Model {
  const w1 = weight([784, 1024], 784, 21);
  const b1 = tf.variable(tf.zeros([1024]));
  const w2 = weight([1024, 1024], 1024, 22);
  const b2 = tf.variable(tf.zeros([1024]));
  const w3 = weight([1024, 10], 1024, 23);
  const b3 = tf.variable(tf.zeros([10]));
  return {
    vars: [w1, b1, w2, b2, w3, b3],
    logits: (x) => {
      const h1 = tf.relu(tf.add(tf.matMul(x, w1), b1)); // (b, 1024)
      const h2 = tf.relu(tf.add(tf.matMul(h1, w2), b2)); // (b, 1024)
      return tf.add(tf.matMul(h2, w3), b3) as tf.Tensor2D; // (b, 10)
    },
  };
}

/**
 * Keras' cifar10_cnn without its dropout, input (b, 32, 32, 3): conv3x3(3->32, same) relu, conv3x3(32->32,
 * valid) relu, maxpool2, conv3x3(32->64, same) relu, conv3x3(64->64, valid) relu, maxpool2,
 * dense(2304->512) relu, dense(512->10). Written with tf.fused ops as tfjs-layers' Conv2D and Dense are.
 */
function cifar(): Model {
  const convs = ([[3, 32], [32, 32], [32, 64], [64, 64]] as const).map(([ci, co], i) => ({
    w: weight([3, 3, ci, co], 9 * ci, 31 + i),
    b: tf.variable(tf.zeros([co])),
  }));
  const d1 = weight([6 * 6 * 64, 512], 6 * 6 * 64, 35);
  const b1 = tf.variable(tf.zeros([512]));
  const d2 = weight([512, 10], 512, 36);
  const b2 = tf.variable(tf.zeros([10]));
  const conv = (x: tf.Tensor4D, i: number, pad: 'same' | 'valid') =>
    tf.fused.conv2d({ x, filter: convs[i]!.w as tf.Tensor4D, strides: 1, pad, bias: convs[i]!.b, activation: 'relu' });
  return {
    vars: [...convs.flatMap((c) => [c.w, c.b]), d1, b1, d2, b2],
    logits: (x) => {
      let h = conv(x as tf.Tensor4D, 0, 'same'); // (b, 32, 32, 32)
      h = tf.maxPool(conv(h, 1, 'valid'), 2, 2, 'valid'); // (b, 15, 15, 32)
      h = conv(h, 2, 'same'); // (b, 15, 15, 64)
      h = tf.maxPool(conv(h, 3, 'valid'), 2, 2, 'valid'); // (b, 6, 6, 64)
      const f = tf.fused.matMul({ a: tf.reshape(h, [-1, 6 * 6 * 64]) as tf.Tensor2D, b: d1 as tf.Tensor2D, bias: b1, activation: 'relu' }); // (b, 512)
      return tf.fused.matMul({ a: f, b: d2 as tf.Tensor2D, bias: b2 }) as tf.Tensor2D; // (b, 10)
    },
  };
}

const MODELS = {
  convnet: { build: convnet, input: [BATCH, 32, 32, 3] },
  mlp: { build: mlp, input: [BATCH, 784] },
  cifar: { build: cifar, input: [BATCH, 32, 32, 3] },
} as const;
type ModelName = keyof typeof MODELS;

/** Median time of one Adam step of `name` on the current backend (the loss is read back each step). */
function trainingStep(name: ModelName, repeats: number, warmup: number): Timing {
  const model = MODELS[name].build();
  const x = tf.randomNormal([...MODELS[name].input], 0, 1, 'float32', 5);
  const y = tf.oneHot(tf.randomUniformInt([BATCH], 0, 10, 6), 10);
  const optimizer = tf.train.adam(1e-3);
  const step = () => {
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.logits(x)), true, model.vars)!;
    loss.dataSync();
    loss.dispose();
  };
  try {
    return measure(step, repeats, warmup);
  } finally {
    tf.dispose([x, y, ...model.vars]);
    optimizer.dispose();
  }
}

/** Milliseconds per kernel (summed over calls) in one warmed-up training step, largest first. */
async function kernelProfile(name: ModelName): Promise<Array<{ kernel: string; ms: number; calls: number }>> {
  const model = MODELS[name].build();
  const x = tf.randomNormal([...MODELS[name].input], 0, 1, 'float32', 5);
  const y = tf.oneHot(tf.randomUniformInt([BATCH], 0, 10, 6), 10);
  const optimizer = tf.train.adam(1e-3);
  const step = () => optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.logits(x)), true, model.vars)!.dispose();
  step();
  const info = await tf.profile(step);
  tf.dispose([x, y, ...model.vars]);
  optimizer.dispose();
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    entry.ms += Number(await k.kernelTimeMs);
    entry.calls += 1;
    byKernel.set(k.name, entry);
  }
  return [...byKernel].map(([kernel, e]) => ({ kernel, ...e })).sort((a, b) => b.ms - a.ms);
}

// ---------------------------------------------------------------------------------------------
// PyTorch peer

interface PeerResult {
  torch: string;
  threads: number;
  blas: string;
  convnet: { medianMs: number; cpuMs: number };
  cifar: { medianMs: number; cpuMs: number };
  mlp: { medianMs: number; cpuMs: number };
  matmul1024Ms: number;
}

function pytorchPeer(): PeerResult | string {
  const python = '/usr/bin/python3';
  if (!existsSync(python)) return 'not available (no /usr/bin/python3)';
  try {
    const raw = execFileSync(python, ['bench/peers/backend_peer.py', String(PEER_WARMUP), String(PEER_REPEATS)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return JSON.parse(raw.trim().split('\n').at(-1)!) as PeerResult;
  } catch (e) {
    const msg = (e as Error).message.split('\n').find((s) => s.includes('Error')) ?? 'python3 failed';
    return `not available (${msg})`;
  }
}

// ---------------------------------------------------------------------------------------------
// The CIFAR CNN step at a given KERNEL_THREADS, in a child process

const CIFAR_REPEATS = 10;
const CIFAR_WARMUP = 3;

interface CifarStep {
  threads: number;
  step: Timing;
  kernels: Array<{ kernel: string; ms: number; calls: number }>;
}

if (process.argv.includes('--cifar-step')) {
  await setupBackend('wasm');
  const result: CifarStep = { threads: kernelThreads(), step: trainingStep('cifar', CIFAR_REPEATS, CIFAR_WARMUP), kernels: await kernelProfile('cifar') };
  console.log(JSON.stringify(result));
  process.exit(0);
}

function cifarStep(threads: number): CifarStep | string {
  try {
    const raw = execFileSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--cifar-step'], {
      encoding: 'utf8',
      env: { ...process.env, KERNEL_THREADS: String(threads) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return JSON.parse(raw.trim().split('\n').at(-1)!) as CifarStep;
  } catch (e) {
    return `failed (${(e as Error).message.split('\n')[0]})`;
  }
}

// ---------------------------------------------------------------------------------------------

const loadBefore = loadavg()[0]!;
const gflops = (n: number, t: Outcome | undefined) => (t == null || 'error' in t ? null : (2 * n ** 3) / (t.wallMs * 1e6));

await setupBackend('cpu');
const cpuMatmul = matmulTimes(1, 1024, [TRANSPOSES[0]], () => 1);
const cpuTrain = {
  // One unwarmed step: the cpu backend's convnet step takes tens of seconds (it has no compilation
  // or allocation warm-up worth a second step).
  convnet: attempt(() => trainingStep('convnet', 1, 0)),
  mlp: attempt(() => trainingStep('mlp', 3, 1)),
};

await setupBackend('wasm');
unregisterWasmTrainingKernels();
const plainMatmul = { '1024': matmulTimes(1, 1024, TRANSPOSES, (slow) => (slow ? 1 : 5)), '8x256': matmulTimes(8, 256, TRANSPOSES, () => 3) };
const plainTrain = {
  convnet: attempt(() => trainingStep('convnet', 5, 2)),
  mlp: attempt(() => trainingStep('mlp', 5, 2)),
};

registerWasmTrainingKernels();
const fastMatmul = { '1024': matmulTimes(1, 1024, TRANSPOSES, () => 5), '8x256': matmulTimes(8, 256, TRANSPOSES, () => 5) };
const fastTrain = {
  convnet: attempt(() => trainingStep('convnet', 10, 3)),
  mlp: attempt(() => trainingStep('mlp', 10, 3)),
};
const filterGrad = [filterGradTimes([BATCH, 32, 32, 3], 16), filterGradTimes([BATCH, 16, 16, 16], 32)];
const convnetKernels = await kernelProfile('convnet');

const cores = Math.min(availableParallelism(), 16);
const cifarOne = cifarStep(1);
const cifarAll = cifarStep(cores);
const peer = pytorchPeer();
const loadAfter = loadavg()[0]!;

// ---------------------------------------------------------------------------------------------
// Report

console.log(`\nbackend bench (${cpus()[0]?.model ?? 'cpu'}, ${cpus().length} cores; load average ${loadBefore.toFixed(1)} -> ${loadAfter.toFixed(1)})`);

console.log('\nmatmul (ms, median)         wasm plain   wasm+fast   speed-up');
for (const size of ['1024', '8x256'] as const) {
  for (const [name] of TRANSPOSES) {
    const p = plainMatmul[size][name];
    const f = fastMatmul[size][name];
    console.log(`  ${size.padEnd(6)} ${name}              ${ms(p).padStart(10)} ${ms(f).padStart(11)} ${fmtRatio(ratio(p, f)).padStart(10)}`);
  }
}
console.log(
  `  1024 NN GFLOP/s: cpu ${gflops(1024, cpuMatmul.NN)?.toFixed(2)}, wasm plain ${gflops(1024, plainMatmul['1024'].NN)?.toFixed(1)}, ` +
    `wasm+fast ${gflops(1024, fastMatmul['1024'].NN)?.toFixed(1)}` +
    (typeof peer === 'string' ? '' : `, PyTorch ${((2 * 1024 ** 3) / (peer.matmul1024Ms * 1e6)).toFixed(1)} (${peer.threads} thread(s))`),
);

console.log('\nconv2d 3x3 filter gradient (ms)     kernel          direct loop   speed-up   rel. diff');
for (const g of filterGrad) {
  console.log(
    `  x [${g.x}] -> ${g.co}`.padEnd(36) +
      `${ms(g.im2colMatmul).padStart(13)} ${ms(g.directLoop).padStart(13)} ${fmtRatio(ratio(g.directLoop, g.im2colMatmul)).padStart(10)}   ${g.relativeDifference.toExponential(1)}`,
  );
}

console.log('\nconvnet step on wasm+kernels, time per kernel (ms, one step, summed over calls)');
for (const k of convnetKernels.slice(0, 8)) console.log(`  ${k.kernel.padEnd(34)}${k.ms.toFixed(1).padStart(8)}  (${k.calls} calls)`);

const peerMs = (name: ModelName) => (typeof peer === 'string' ? undefined : ({ wallMs: peer[name].medianMs } as Timing));
const peerCpuMs = (name: ModelName) => (typeof peer === 'string' ? undefined : ({ wallMs: peer[name].cpuMs } as Timing));
/** The same outcome with its CPU-time median in place of the wall one. */
const byCpu = (o: Outcome | undefined): Outcome | undefined => (o == null || 'error' in o ? o : { ...o, wallMs: o.cpuMs });
console.log('\ntraining step, Adam, batch 64 (ms)  cpu        wasm plain  wasm+kernels  PyTorch   | wasm+k vs cpu  vs plain  vs PyTorch');
const ratios: Record<string, Record<string, number | null>> = {};
for (const name of ['convnet', 'mlp'] as const) {
  const r = {
    vsCpu: ratio(cpuTrain[name], fastTrain[name]),
    vsWasmPlain: ratio(plainTrain[name], fastTrain[name]),
    vsPytorch: ratio(peerMs(name), fastTrain[name]),
    vsCpuByCpuTime: ratio(byCpu(cpuTrain[name]), byCpu(fastTrain[name])),
    vsWasmPlainByCpuTime: ratio(byCpu(plainTrain[name]), byCpu(fastTrain[name])),
    vsPytorchByCpuTime: ratio(peerCpuMs(name), byCpu(fastTrain[name])),
  };
  ratios[name] = r;
  console.log(
    `  ${name.padEnd(34)}${ms(cpuTrain[name]).padStart(9)} ${ms(plainTrain[name]).padStart(11)} ${ms(fastTrain[name]).padStart(13)} ` +
      `${(typeof peer === 'string' ? 'n/a' : peer[name].medianMs.toFixed(1)).padStart(9)}   | ` +
      `${fmtRatio(r.vsCpu).padStart(13)} ${fmtRatio(r.vsWasmPlain).padStart(9)} ${fmtRatio(r.vsPytorch).padStart(11)}`,
  );
}
console.log('  by CPU time (ms):');
for (const name of ['convnet', 'mlp'] as const) {
  const c = (o: Outcome | undefined) => ms(byCpu(o));
  console.log(
    `  ${name.padEnd(34)}${c(cpuTrain[name]).padStart(9)} ${c(plainTrain[name]).padStart(11)} ${c(fastTrain[name]).padStart(13)} ` +
      `${(typeof peer === 'string' ? 'n/a' : peer[name].cpuMs.toFixed(1)).padStart(9)}   | ` +
      `${fmtRatio(ratios[name]!.vsCpuByCpuTime ?? null).padStart(13)} ${fmtRatio(ratios[name]!.vsWasmPlainByCpuTime ?? null).padStart(9)} ${fmtRatio(ratios[name]!.vsPytorchByCpuTime ?? null).padStart(11)}`,
  );
}
console.log('  (ratios are time / wasm+kernels time: above 1x means wasm+kernels is faster; vs PyTorch below 1x means PyTorch is faster)');
if ('error' in plainTrain.convnet) console.log(`  wasm plain convnet: ${plainTrain.convnet.error}`);
if (typeof peer === 'string') console.log(`  PyTorch: ${peer}`);
else console.log(`  PyTorch ${peer.torch}, ${peer.threads} thread(s), BLAS ${peer.blas}; wasm+kernels: convolutions and matmuls on KERNEL_THREADS=${kernelThreads()}, the rest of tfjs wasm on one thread`);

const cifarMs = (o: CifarStep | string) => (typeof o === 'string' ? undefined : o.step);
const cifarRatios = {
  threads1VsAll: ratio(cifarMs(cifarOne), cifarMs(cifarAll)),
  threads1VsAllByCpuTime: ratio(byCpu(cifarMs(cifarOne)), byCpu(cifarMs(cifarAll))),
  pytorchVsOurs: ratio(peerMs('cifar'), cifarMs(cifarAll)),
  pytorchVsOursByCpuTime: ratio(peerCpuMs('cifar'), byCpu(cifarMs(cifarAll))),
};
console.log(`\nCIFAR CNN (Keras cifar10_cnn size, no dropout) training step, Adam, batch ${BATCH} (ms, median of ${CIFAR_REPEATS})`);
const cifarLine = (label: string, o: CifarStep | string) =>
  console.log(`  ${label.padEnd(48)}${typeof o === 'string' ? o : `${ms(o.step).padStart(9)}  (CPU ${o.step.cpuMs.toFixed(1)})`}`);
cifarLine('wasm+kernels, KERNEL_THREADS=1', cifarOne);
cifarLine(`wasm+kernels, KERNEL_THREADS=${cores}`, cifarAll);
console.log(
  `  ${(typeof peer === 'string' ? 'PyTorch' : `PyTorch ${peer.torch}, ${peer.threads} thread(s), ${peer.blas}`).padEnd(48)}` +
    (typeof peer === 'string' ? peer : `${peer.cifar.medianMs.toFixed(1).padStart(9)}  (CPU ${peer.cifar.cpuMs.toFixed(1)})`),
);
console.log(`  1 thread vs ${cores}: ${fmtRatio(cifarRatios.threads1VsAll)} (wall time at 1 / at ${cores}; CPU time ${fmtRatio(cifarRatios.threads1VsAllByCpuTime)})`);
console.log(
  `  PyTorch vs ours at ${cores} threads: ${fmtRatio(cifarRatios.pytorchVsOurs)} by wall time, ${fmtRatio(cifarRatios.pytorchVsOursByCpuTime)} by CPU time ` +
    '(PyTorch time / ours: 1x or more means ours is at least as fast, the target)',
);
if (typeof cifarAll !== 'string') {
  console.log(`  time per kernel at ${cores} threads (ms, one step, summed over calls):`);
  for (const k of cifarAll.kernels.slice(0, 10)) console.log(`    ${k.kernel.padEnd(32)}${k.ms.toFixed(1).padStart(8)}  (${k.calls} calls)`);
}

mkdirSync(OUT_DIR, { recursive: true });
writeFileSync(
  `${OUT_DIR}/backend.json`,
  JSON.stringify(
    {
      machine: { cpu: cpus()[0]?.model ?? null, cores: cpus().length, node: process.version, tfjs: tf.version_core },
      loadAverage: { before: loadBefore, after: loadAfter },
      matmul: { cpu: { '1024': cpuMatmul }, wasmPlain: plainMatmul, wasmFast: fastMatmul },
      conv2dFilterGradient: filterGrad,
      training: { batch: BATCH, optimizer: 'adam', cpu: cpuTrain, wasmPlain: plainTrain, wasm: fastTrain },
      cifar: { threads1: cifarOne, [`threads${cores}`]: cifarAll, ratios: cifarRatios },
      convnetKernelProfileMs: convnetKernels,
      pytorch: peer,
      ratios,
    },
    null,
    2,
  ) + '\n',
);
console.log(`\nwrote ${OUT_DIR}/backend.json`);
