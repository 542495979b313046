/**
 * Training throughput through WebGPU against PyTorch on the same GPU, in one run:
 * - Mamba language-model training tokens/s at four shapes (vocab 8000, tied head, loss on every
 *   position, Adam at 1e-3): d 64 x 2 layers (batch 8 x 128), d 256 x 4 (16 x 128), d 512 x 8 (32 x 256),
 *   d 768 x 24 (32 x 256);
 * - image training images/s of the image study's local-profile models (the small MedMamba and the
 *   ResNet fitted to its parameter count, 32x32x1, 10 classes, batch 128), Adam at 1e-4.
 * Ours is what the studies run: the project's models through the shared training loop
 * (experiments/training: AdamW with weight decay 0 = Adam, losses read asynchronously every 25 steps)
 * on the webgpu backend. The peer (bench/peers/gpu_training_peer.py) is PyTorch eager in fp32 with
 * the same shapes, its Mamba scan state-spaces/mamba's CUDA kernel when built (bench/peers/mamba-cuda,
 * MAMBA_CUDA_BUILD), reading the loss every step. Ratios are ours over PyTorch's throughput.
 * A software adapter (llvmpipe) is not a GPU: the bench says so and measures nothing, unless
 * GPU_TRAINING_QUICK=1, which runs the smallest shape for a few steps to check the path (no claims).
 * TFJS_FLAGS='NAME=value,...' sets tfjs environment flags after set-up (to try the backend's settings, e.g.
 * WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE); GPU_TRAINING_ONLY=mamba:0,1 measures only those Mamba shapes
 * (indices) and no images, without the peer.
 * Run on a GPU host: node --import tsx bench/gpu-training.bench.ts   (writes build/bench/gpu-training.json, or BENCH_OUT)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../engine/files/fsx.ts';
import { setupBackend } from '../kernels/backend/index.ts';
import * as tf from '../kernels/tf.ts';
import imageExperiment, { modelConfigs } from '../experiments/image-classification/experiment.ts';
import { crossEntropy } from '../experiments/models/layers.ts';
import { MambaLM, mambaConfig } from '../experiments/models/mamba.ts';
import { MedMamba } from '../experiments/models/medmamba.ts';
import { ResNet } from '../experiments/models/resnet.ts';
import { Rng } from '../experiments/models/rng.ts';
import { constant, train, type TrainableModel } from '../experiments/training/index.ts';
import { releaseWebGPU } from '../kernels/webgpu/setup.ts';
import { measureAsync } from './timing.ts';

const root = join(import.meta.dirname, '..');
const OUT_FILE = process.env.BENCH_OUT ?? join(root, 'build/bench/gpu-training.json');
const VOCAB = 8000;
const WARMUP_STEPS = 3;
const QUICK = process.env.GPU_TRAINING_QUICK === '1';
const REPEATS = QUICK ? 1 : 3;
/** The four shapes of the GPU issue's probe; `steps` per timed repeat. */
const ALL_MAMBA_SHAPES = [
  { name: 'd 64 x 2', dModel: 64, nLayer: 2, batch: 8, length: 128, steps: 20 },
  { name: 'd 256 x 4', dModel: 256, nLayer: 4, batch: 16, length: 128, steps: 20 },
  { name: 'd 512 x 8', dModel: 512, nLayer: 8, batch: 32, length: 256, steps: 10 },
  { name: 'd 768 x 24', dModel: 768, nLayer: 24, batch: 32, length: 256, steps: 5 },
];
const ONLY = onlyShapes(process.env.GPU_TRAINING_ONLY);
const MAMBA_SHAPES = (ONLY ?? (QUICK ? [0] : ALL_MAMBA_SHAPES.map((_, i) => i))).map((i) => ({ ...ALL_MAMBA_SHAPES[i]!, ...(QUICK ? { steps: 2 } : {}) }));
const IMAGES = { batch: QUICK ? 8 : 128, side: 32, inChans: 1, numClasses: 10, steps: QUICK ? 2 : 10 };
/** GPU_TRAINING_ONLY=mamba:<i>,<j>: indices into the Mamba shapes; anything else is an error naming the value. */
function onlyShapes(value: string | undefined): number[] | null {
  if (value === undefined || value === '') return null;
  const m = /^mamba:(\d+(?:,\d+)*)$/.exec(value);
  const idx = m ? m[1]!.split(',').map(Number) : [];
  if (!m || idx.some((i) => i >= ALL_MAMBA_SHAPES.length)) throw new Error(`GPU_TRAINING_ONLY=${JSON.stringify(value)}: expected mamba:<i>[,<j>...] with indices below ${ALL_MAMBA_SHAPES.length}`);
  return idx;
}
const info = await setupBackend('webgpu').catch((e: Error) => ({ error: e.message }));
const details = 'error' in info ? null : (info.details as { software?: boolean; device?: string; description?: string });
if (!details || (details.software && !QUICK)) {
  console.log(details ? `software adapter (${details.description || details.device}): not a GPU, nothing measured` : `no WebGPU adapter: ${'error' in info ? info.error : ''}`);
  releaseWebGPU();
  process.exit(0);
}

// After set-up: the backend registers its flags when it loads.
for (const pair of (process.env.TFJS_FLAGS ?? '').split(',').filter(Boolean)) {
  const [name, value] = pair.split('=') as [string, string | undefined];
  if (!name || value === undefined) throw new Error(`TFJS_FLAGS: '${pair}' is not NAME=value`);
  tf.env().set(name, value === 'true' ? true : value === 'false' ? false : Number(value));
  console.log(`tfjs flag ${name} = ${String(tf.env().get(name))}`);
}

/**
 * Median ms of one training step through the shared loop: `repeats` runs of `steps` steps each (a
 * fresh optimizer per run, as a study's cell has), after one run of WARMUP_STEPS that compiles the
 * pipelines. Each run ends with its losses read back, so the GPU has finished it.
 */
async function stepMs(model: TrainableModel, loss: (rng: Rng) => tf.Scalar, learningRate: number, steps: number): Promise<{ medianMs: number; minMs: number; maxMs: number }> {
  const run = (n: number) =>
    train<number>({ model, epochs: 1, batches: () => Array.from({ length: n }, (_, i) => i), loss: (_b, rng) => loss(rng), evaluate: async () => ({}), schedule: constant(learningRate), seed: 1 });
  await run(WARMUP_STEPS);
  const t = await measureAsync(async () => void (await run(steps)), REPEATS, 0);
  return { medianMs: t.wallMs / steps, minMs: t.minMs / steps, maxMs: t.maxMs / steps };
}

const rng = new Rng(0);
const ids = (n: number) => Int32Array.from({ length: n }, () => rng.int(VOCAB));

const mamba = [];
for (const s of MAMBA_SHAPES) {
  const model = new MambaLM(mambaConfig({ vocabSize: VOCAB, dModel: s.dModel, nLayer: s.nLayer, dState: 16, ssm: 'selective' }), 1);
  const tokens = tf.tensor2d(ids(s.batch * s.length), [s.batch, s.length], 'int32'); // (b, l)
  const targets = tf.tensor1d(ids(s.batch * s.length), 'int32'); // (b l)
  const loss = (r: Rng) => crossEntropy(tf.reshape(model.forward(tokens, { training: true, rng: r }), [s.batch * s.length, VOCAB]) as tf.Tensor2D, targets);
  const t = await stepMs(model, loss, 1e-3, s.steps);
  mamba.push({ ...s, params: model.params.count(), train: t, tokensPerSecond: (s.batch * s.length * 1000) / t.medianMs });
  console.log(`mamba ${s.name} (${(model.params.count() / 1e6).toFixed(2)}M, ${s.batch} x ${s.length}): ${t.medianMs.toFixed(1)} ms/step, ${Math.round(mamba.at(-1)!.tokensPerSecond)} tokens/s`);
  tf.dispose([tokens, targets]);
  model.dispose();
}

if (ONLY) {
  releaseWebGPU();
  process.exit(0);
}
const localParams = imageExperiment.paramsSchema.parse(imageExperiment.profiles.local);
const configs = modelConfigs(localParams, { inChans: IMAGES.inChans, numClasses: IMAGES.numClasses });
const images: Record<string, { params: number; train: { medianMs: number }; imagesPerSecond: number }> = {};
{
  const x = tf.tidy(() => tf.tensor4d(Float32Array.from({ length: IMAGES.batch * IMAGES.side ** 2 * IMAGES.inChans }, () => rng.uniform()), [IMAGES.batch, IMAGES.side, IMAGES.side, IMAGES.inChans]));
  const y = tf.tensor1d(Int32Array.from({ length: IMAGES.batch }, () => rng.int(IMAGES.numClasses)), 'int32');
  for (const [name, model] of [['resnet', new ResNet(configs.resnet, 0)], ['medmamba', new MedMamba(configs.medmamba, 0)]] as const) {
    const t = await stepMs(model, (r) => crossEntropy(model.forward(x, { training: true, rng: r }), y), 1e-4, IMAGES.steps);
    images[name] = { params: model.params.count(), train: t, imagesPerSecond: (IMAGES.batch * 1000) / t.medianMs };
    console.log(`${name} (${model.params.count()} weights, batch ${IMAGES.batch}): ${t.medianMs.toFixed(1)} ms/step, ${Math.round(images[name]!.imagesPerSecond)} images/s`);
    model.dispose();
  }
  tf.dispose([x, y]);
}

interface PeerOut {
  device: string;
  torch: string;
  mambaScan: string;
  mamba: { name: string; params: number; train: { medianMs: number } }[];
  images: Record<string, { params: number; train: { medianMs: number } }>;
}

function peer(): PeerOut | string {
  const python = process.env.PYTHON ?? 'python3';
  const build = process.env.MAMBA_CUDA_BUILD ?? join(root, 'build/peers/mamba-cuda');
  const config = {
    vocab: VOCAB,
    mamba: MAMBA_SHAPES,
    images: { ...IMAGES, medmamba: { depths: configs.medmamba.depths, dims: configs.medmamba.dims, dropPath: configs.medmamba.dropPathRate }, resnet: { width: configs.resnet.width, blocks: configs.resnet.blocks, stemStride: configs.resnet.stemStride ?? 1 } },
  };
  const r = spawnSync(python, [join(root, 'bench/peers/gpu_training_peer.py'), JSON.stringify(config), String(WARMUP_STEPS), String(REPEATS)], {
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, PYTHONPATH: [join(root, 'bench/peers'), existsSync(build) ? build : '', process.env.PYTHONPATH].filter(Boolean).join(':') },
  });
  if (r.error) return `not available (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})`;
  if (r.status === 3) return 'not available (no CUDA device for PyTorch)';
  if (r.status !== 0) return `failed (exit ${r.status}): ${(r.stderr ?? '').trim().split('\n').slice(-1)[0]}`;
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as PeerOut;
}

const p = peer();
console.log(`\nadapter: ${details.description || details.device}; peer: ${typeof p === 'string' ? p : `PyTorch ${p.torch} on ${p.device}, fp32 eager, Mamba scan: ${p.mambaScan}`}`);
const ratio = (ours: number, theirs: number | undefined) => (theirs ? `${(theirs / ours).toFixed(2)}x` : '-');
console.log('\n| model | ours ms/step | PyTorch ms/step | ours / PyTorch throughput |');
console.log('|---|---|---|---|');
for (const m of mamba) {
  const theirs = typeof p === 'string' ? undefined : p.mamba.find((x) => x.name === m.name)?.train.medianMs;
  console.log(`| Mamba LM ${m.name}, ${m.batch} x ${m.length} | ${m.train.medianMs.toFixed(1)} (${Math.round(m.tokensPerSecond)} tok/s) | ${theirs?.toFixed(1) ?? '-'}${theirs ? ` (${Math.round((m.batch * m.length * 1000) / theirs)} tok/s)` : ''} | ${ratio(m.train.medianMs, theirs)} |`);
}
for (const [name, m] of Object.entries(images)) {
  const theirs = typeof p === 'string' ? undefined : p.images[name]?.train.medianMs;
  console.log(`| ${name}, batch ${IMAGES.batch} | ${m.train.medianMs.toFixed(1)} (${Math.round(m.imagesPerSecond)} img/s) | ${theirs?.toFixed(1) ?? '-'}${theirs ? ` (${Math.round((IMAGES.batch * 1000) / theirs)} img/s)` : ''} | ${ratio(m.train.medianMs, theirs)} |`);
}
writeFileAtomic(OUT_FILE, JSON.stringify({ adapter: details, mamba, images, peer: p }, null, 2) + '\n');
releaseWebGPU();
