/**
 * The image study's models on the training backend (wasm + the project's kernels) against PyTorch on
 * the CPU, and SS2D's four-direction scan as one stacked call against four separate calls. Every
 * ratio is measured in this one run:
 * - training and inference images/s of the local profile's models at its input shape (Fashion-MNIST
 *   padded to 32x32x1, 10 classes, batch 128): the small MedMamba and the ResNet baseline as the
 *   experiment builds them (modelConfigs: the width whose parameter count matches); one Adam step (loss read back) and one
 *   evaluation forward (logits read back). The same shapes in PyTorch (bench/peers/medmamba_peer.py,
 *   2 threads, its BLAS printed), whose selective scan is a plain PyTorch loop over the sequence:
 *   the MedMamba ratio compares our fused scan with that loop, not with mamba_ssm's CUDA kernel;
 * - SS2D's scan core (`ss2dScan`: projections, the scan, the merge of the four directions) at the
 *   shape of every stage of the small model, and at MedMamba-T's first stage on a 224x224 input, as
 *   'stacked' (one selectiveScan over the 4e channels, grouped B and C) and 'separate' (one call per
 *   direction): forward, and forward + backward (gradients of the input and every weight).
 * Times are medians of wall-clock time; CPU-time medians are recorded too, because this 2-core
 * machine is shared (the load average is recorded at start and end).
 * Run: npx tsx bench/medmamba.bench.ts   (writes build/bench/medmamba.json)
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { writeFileAtomic } from '../engine/files/fsx.ts';
import { setupBackend } from '../kernels/backend/index.ts';
import * as tf from '../kernels/tf.ts';
import type { ImageClassifier } from '../experiments/models/image-classifier.ts';
import { crossEntropy } from '../experiments/models/layers.ts';
import { MedMamba, MEDMAMBA_VARIANTS, ss2dDims, ss2dScan, type DirectionScan, type DirectionWeights } from '../experiments/models/medmamba.ts';
import { ResNet, resnetParams } from '../experiments/models/resnet.ts';
import imageExperiment, { modelConfigs } from '../experiments/image-classification/experiment.ts';
import { Rng } from '../experiments/models/rng.ts';
import { Adam, trainStep } from '../experiments/models/train.ts';
import { measure, type Timing } from './timing.ts';

const OUT_FILE = 'build/bench/medmamba.json';
const BATCH = 128; // the local profile's batch
const SIDE = 32; // Fashion-MNIST's 28 padded to a multiple of 32
const CLASSES = 10;
const IN_CHANS = 1;
const REPEATS = 3;
const PEER_WARMUP = 1;
const PEER_REPEATS = 3;
const PEER_THREADS = 2;

const loadBefore = loadavg()[0]!;
await setupBackend('wasm');

// The local profile's two models, as the experiment builds them (the ResNet's width fitted to MedMamba's count).
const localParams = imageExperiment.paramsSchema.parse(imageExperiment.profiles.local);
const { medmamba: mmConfig, resnet: resnetConfig } = modelConfigs(localParams, { inChans: IN_CHANS, numClasses: CLASSES });
const blocks = resnetConfig.blocks;

// ---------------------------------------------------------------------------------------------
// Training and inference

interface ModelTimes {
  params: number;
  train: Timing;
  infer: Timing;
}

function modelTimes(model: ImageClassifier): ModelTimes {
  const rng = new Rng(0);
  const x = tf.tidy(() => tf.tensor4d(Float32Array.from({ length: BATCH * SIDE * SIDE * IN_CHANS }, () => rng.uniform()), [BATCH, SIDE, SIDE, IN_CHANS]));
  const y = tf.tensor1d(Int32Array.from({ length: BATCH }, () => rng.int(CLASSES)), 'int32');
  const optimizer = new Adam();
  const vars = model.params.list();
  const mode = { training: true, rng: new Rng(1) };
  const train = measure(() => trainStep(optimizer, vars, () => crossEntropy(model.forward(x, mode), y), 1e-4), REPEATS, 1);
  const infer = measure(() => {
    const logits = model.forward(x);
    logits.dataSync();
    logits.dispose();
  }, REPEATS, 1);
  const params = model.params.count();
  tf.dispose([x, y]);
  optimizer.dispose();
  model.dispose();
  return { params, train, infer };
}

const ours = {
  medmamba: modelTimes(new MedMamba(mmConfig, 0)),
  resnet: modelTimes(new ResNet(resnetConfig, 0)),
};

// ---------------------------------------------------------------------------------------------
// SS2D: one stacked scan against four

interface ScanCase {
  name: string;
  b: number;
  side: number;
  /** The block width c: SS2D runs on m = c / 2 channels, e = 2m inside. */
  width: number;
}

const SCAN_CASES: ScanCase[] = [
  ...MEDMAMBA_VARIANTS.small.dims.map((width, i) => ({ name: `small stage ${i}`, b: BATCH, side: SIDE / 4 / 2 ** i, width })),
  { name: 'T stage 0 @224', b: 2, side: 56, width: 96 },
];

function scanWeights(e: number, n: number, r: number, rng: Rng): DirectionWeights {
  const rand = (shape: number[], scale: number) =>
    tf.tensor(Float32Array.from({ length: shape.reduce((a, c) => a * c, 1) }, () => (2 * rng.uniform() - 1) * scale), shape);
  return {
    xProj: rand([4, e, r + 2 * n], 1 / Math.sqrt(e)) as tf.Tensor3D,
    dtProjWeight: rand([4, r, e], r ** -0.5) as tf.Tensor3D,
    dtProjBias: rand([4, e], 1) as tf.Tensor2D,
    ALog: tf.log(tf.add(tf.tile(tf.range(0, n).reshape([1, n]), [4 * e, 1]), 1)) as tf.Tensor2D,
    D: tf.ones([4 * e]) as tf.Tensor1D,
  };
}

function scanTimes(c: ScanCase) {
  const { e, n, r } = ss2dDims(mmConfig, c.width);
  const rng = new Rng(3);
  const x = tf.tidy(() => tf.tensor4d(Float32Array.from({ length: c.b * c.side * c.side * e }, () => rng.uniform() - 0.5), [c.b, c.side, c.side, e]));
  const w = scanWeights(e, n, r, rng);
  const forward = (scan: DirectionScan) => () => tf.tidy(() => ss2dScan(x, w, { scan }).dataSync());
  const backward = (scan: DirectionScan) => () =>
    tf.tidy(() => {
      const grads = tf.grads((xi: tf.Tensor, xp: tf.Tensor, dw: tf.Tensor, db: tf.Tensor, al: tf.Tensor, d: tf.Tensor) =>
        tf.sum(ss2dScan(xi as tf.Tensor4D, { xProj: xp, dtProjWeight: dw, dtProjBias: db, ALog: al, D: d } as DirectionWeights, { scan })),
      )([x, w.xProj, w.dtProjWeight, w.dtProjBias, w.ALog, w.D]);
      for (const g of grads) g.dataSync();
    });
  const reps = c.b * c.side * c.side * e > 2e5 ? 3 : 5;
  const out = {
    ...c,
    channels: 4 * e,
    length: c.side * c.side,
    forward: { stacked: measure(forward('stacked'), reps, 1), separate: measure(forward('separate'), reps, 1) },
    forwardBackward: { stacked: measure(backward('stacked'), reps, 1), separate: measure(backward('separate'), reps, 1) },
  };
  tf.dispose([x, ...Object.values(w)]);
  return out;
}

const scans = SCAN_CASES.map(scanTimes);

// ---------------------------------------------------------------------------------------------
// PyTorch peer

interface PeerModel {
  train: { medianMs: number; cpuMs: number };
  infer: { medianMs: number; cpuMs: number };
  params: number;
}
interface PeerResult {
  torch: string;
  threads: number;
  blas: string;
  medmamba: PeerModel;
  resnet: PeerModel;
}

function pytorchPeer(): PeerResult | string {
  const python = '/usr/bin/python3';
  if (!existsSync(python)) return 'not available (no /usr/bin/python3)';
  const config = {
    batch: BATCH,
    side: SIDE,
    inChans: IN_CHANS,
    numClasses: CLASSES,
    medmamba: { depths: mmConfig.depths, dims: mmConfig.dims },
    resnet: { width: resnetConfig.width, blocks: resnetConfig.blocks, stemStride: resnetConfig.stemStride ?? 1 },
  };
  try {
    const raw = execFileSync(python, ['bench/peers/medmamba_peer.py', JSON.stringify(config), String(PEER_WARMUP), String(PEER_REPEATS), String(PEER_THREADS)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    return JSON.parse(raw.trim().split('\n').at(-1)!) as PeerResult;
  } catch (e) {
    const msg = (e as Error).message.split('\n').find((s) => s.includes('Error')) ?? 'python3 failed';
    return `not available (${msg})`;
  }
}

const peer = pytorchPeer();
const loadAfter = loadavg()[0]!;

// ---------------------------------------------------------------------------------------------
// Report

const perSecond = (ms: number) => (BATCH * 1000) / ms;
const fmt = (v: number | null, digits = 1) => (v == null ? '-' : v.toFixed(digits));
const x = (r: number | null) => (r == null ? '-' : `${r.toFixed(2)}x`);

console.log(`\nmedmamba bench (${cpus()[0]?.model ?? 'cpu'}, ${cpus().length} cores; load average ${loadBefore.toFixed(1)} -> ${loadAfter.toFixed(1)})`);
console.log(
  `models at ${SIDE}x${SIDE}x${IN_CHANS}, ${CLASSES} classes, batch ${BATCH}: MedMamba small (depths ${mmConfig.depths}, dims ${mmConfig.dims}, ` +
    `${ours.medmamba.params} weights) and ResNet width ${resnetConfig.width}, blocks ${blocks}, stem stride ${resnetConfig.stemStride ?? 1} (${resnetParams(resnetConfig)} weights)`,
);
console.log('\nimages/s (wall; CPU-time figure in brackets)   tfjs wasm            PyTorch              tfjs / PyTorch (wall, CPU)');
const ratios: Record<string, Record<string, number | null>> = {};
for (const name of ['medmamba', 'resnet'] as const) {
  for (const phase of ['train', 'infer'] as const) {
    const o = ours[name][phase];
    const p = typeof peer === 'string' ? null : peer[name][phase];
    const wall = p ? perSecond(o.wallMs) / perSecond(p.medianMs) : null;
    const cpu = p ? perSecond(o.cpuMs) / perSecond(p.cpuMs) : null;
    (ratios[name] ??= {})[phase] = wall;
    ratios[name]![`${phase}ByCpuTime`] = cpu;
    console.log(
      `  ${`${name} ${phase}`.padEnd(44)} ${fmt(perSecond(o.wallMs)).padStart(7)} (${fmt(perSecond(o.cpuMs)).padStart(7)})   ` +
        `${p ? fmt(perSecond(p.medianMs)).padStart(7) : '    n/a'} (${p ? fmt(perSecond(p.cpuMs)).padStart(7) : 'n/a'})   ${x(wall).padStart(8)} ${x(cpu).padStart(8)}`,
    );
  }
}
console.log('  (ratios above 1x: tfjs is faster. CPU time of PyTorch counts both of its threads; tfjs wasm runs the threaded convolutions and matmuls (kernels/backend/wasm) on worker threads, the other ops on one.)');
if (typeof peer === 'string') console.log(`  PyTorch: ${peer}`);
else console.log(`  PyTorch ${peer.torch}, ${peer.threads} threads, BLAS ${peer.blas}; its SS2D scan is a plain PyTorch loop over the sequence`);

console.log('\nSS2D scan core, ms (wall)           b  side  4e     l   fwd stacked  separate  speed-up (CPU) | fwd+bwd stacked  separate  speed-up (CPU)');
const speedUps: Record<string, Record<string, number>> = {};
for (const s of scans) {
  const f = s.forward.separate.wallMs / s.forward.stacked.wallMs;
  const fc = s.forward.separate.cpuMs / s.forward.stacked.cpuMs;
  const fb = s.forwardBackward.separate.wallMs / s.forwardBackward.stacked.wallMs;
  const fbc = s.forwardBackward.separate.cpuMs / s.forwardBackward.stacked.cpuMs;
  speedUps[s.name] = { forward: f, forwardByCpuTime: fc, forwardBackward: fb, forwardBackwardByCpuTime: fbc };
  console.log(
    `  ${s.name.padEnd(30)}${String(s.b).padStart(4)} ${String(s.side).padStart(5)} ${String(s.channels).padStart(4)} ${String(s.length).padStart(5)}` +
      `   ${fmt(s.forward.stacked.wallMs).padStart(10)} ${fmt(s.forward.separate.wallMs).padStart(9)} ${x(f).padStart(9)} (${x(fc)}) | ` +
      `${fmt(s.forwardBackward.stacked.wallMs).padStart(15)} ${fmt(s.forwardBackward.separate.wallMs).padStart(9)} ${x(fb).padStart(9)} (${x(fbc)})`,
  );
}
console.log('  (speed-up = separate / stacked: above 1x means the single stacked call is faster)');

writeFileAtomic(
  OUT_FILE,
  JSON.stringify(
    {
      machine: { cpu: cpus()[0]?.model ?? null, cores: cpus().length, node: process.version, tfjs: tf.version_core },
      loadAverage: { before: loadBefore, after: loadAfter },
      shapes: { batch: BATCH, side: SIDE, inChans: IN_CHANS, classes: CLASSES, medmamba: mmConfig, resnet: resnetConfig },
      ours,
      pytorch: peer,
      ratios,
      ss2dScan: scans,
      ss2dSpeedUps: speedUps,
    },
    null,
    2,
  ) + '\n',
);
console.log(`\nwrote ${OUT_FILE}`);
