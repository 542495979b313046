/**
 * Where one training step of a study's local-profile model spends its time, kernel by kernel, on the
 * backend the studies train on (wasm with the project's kernels): the step as the shared training loop
 * runs it (loss, gradients, AdamW), timed by tf.profile after two warm-up steps.
 * - medmamba, resnet: the image study's models, batch 128 of 32x32x1 images, cross-entropy;
 * - transformer, mamba: the translation study's systems (vocabulary 2000, width 64, one layer for the
 *   Transformer, Mamba's layers matched to it in parameters), batch 64 pairs of 16 + 16 tokens, the
 *   label-smoothed loss on the target positions, gradients clipped as the study clips them.
 * Prints the step's wall time (median of seven), then the kernels by total time (calls beside them),
 * then the costliest kernel-and-input-shape pairs. A profile, not a benchmark: no peer, no ratio.
 * Run: node --import tsx bench/step-profile.ts medmamba|resnet|transformer|mamba [top]
 */
import { setupBackend } from '../kernels/backend/index.ts';
import * as tf from '../kernels/tf.ts';
import imageExperiment, { modelConfigs } from '../experiments/image-classification/experiment.ts';
import { crossEntropy } from '../experiments/models/layers.ts';
import { MedMamba } from '../experiments/models/medmamba.ts';
import { ResNet } from '../experiments/models/resnet.ts';
import { Rng } from '../experiments/models/rng.ts';
import { AdamW, clipByGlobalNorm } from '../experiments/training/index.ts';
import { buildSystem } from '../experiments/translation/systems.ts';
import type { EncodedPair } from '../experiments/translation/batches.ts';

const MODELS = ['medmamba', 'resnet', 'transformer', 'mamba'] as const;
type Which = (typeof MODELS)[number];
const [whichArg = 'medmamba', topArg = '15'] = process.argv.slice(2);
if (!(MODELS as readonly string[]).includes(whichArg)) throw new Error(`step-profile: model '${whichArg}': expected one of ${MODELS.join(', ')}`);
const which = whichArg as Which;
const top = Number(topArg);
if (!(Number.isInteger(top) && top > 0)) throw new Error(`step-profile: top '${topArg}': expected a positive whole number`);

await setupBackend('wasm');
const rng = new Rng(0);
const optimizer = new AdamW({ weightDecay: 1e-4 });

/** The model's weights, one training step (its loss read back), and what to free at the end. */
function setup(): { label: string; vars: tf.Variable[]; step: () => void; dispose: () => void } {
  if (which === 'medmamba' || which === 'resnet') {
    const BATCH = 128;
    const params = imageExperiment.paramsSchema.parse(imageExperiment.profiles.local);
    const configs = modelConfigs(params, { inChans: 1, numClasses: 10 });
    const model = which === 'medmamba' ? new MedMamba(configs.medmamba, 1) : new ResNet(configs.resnet, 1);
    const x = tf.tensor4d(Float32Array.from({ length: BATCH * 32 * 32 }, () => rng.uniform()), [BATCH, 32, 32, 1]); // (b, h, w, c)
    const y = tf.tensor1d(Int32Array.from({ length: BATCH }, () => rng.int(10)), 'int32'); // (b)
    const vars = model.params.list();
    const step = () => {
      const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward(x, { training: true, rng: new Rng(1) }), y), vars);
      optimizer.apply(vars, grads, 1e-3);
      value.dataSync();
      tf.dispose([value, grads]);
    };
    return { label: `batch ${BATCH}`, vars, step, dispose: () => (tf.dispose([x, y]), model.dispose()) };
  }
  const [VOCAB, BATCH, SRC, TGT] = [2000, 64, 16, 16];
  const system = buildSystem(which, { dModel: 64, layers: 1, nHead: 4, mlpRatio: 4 }, VOCAB, 0, 1);
  const ids = (n: number) => Array.from({ length: n }, () => 5 + rng.int(VOCAB - 5));
  const batch: EncodedPair[] = Array.from({ length: BATCH }, () => ({ src: ids(SRC), tgt: ids(TGT) }));
  const vars = system.params.list();
  const stepRng = new Rng(1);
  const step = () => {
    const { value, grads } = tf.variableGrads(() => system.loss(batch, stepRng, 0.1), vars);
    const clipped = clipByGlobalNorm(grads, 1);
    optimizer.apply(vars, clipped.grads, 1e-3);
    value.dataSync();
    tf.dispose([value, grads, clipped.grads, clipped.norm]);
  };
  return { label: `${system.layers} layer(s), batch ${BATCH} x (${SRC} + ${TGT}) tokens`, vars, step, dispose: () => system.dispose() };
}

const { label, vars, step, dispose } = setup();
const weights = vars.reduce((a, v) => a + v.size, 0);
step();
step();
const times = Array.from({ length: 7 }, () => {
  const started = performance.now();
  step();
  return performance.now() - started;
}).sort((a, b) => a - b);
console.log(
  `${which}: ${weights} weights, ${label}: one step ${times[3].toFixed(1)} ms ` +
    `(median of 7 unprofiled, ${times[0].toFixed(1)}-${times[6].toFixed(1)})`,
);

const info = await tf.profile(step);
const sum = (rows: Map<string, [number, number]>, key: string, ms: number) => {
  const r = rows.get(key) ?? [0, 0];
  rows.set(key, [r[0] + ms, r[1] + 1]);
};
const byKernel = new Map<string, [number, number]>();
const byShape = new Map<string, [number, number]>();
for (const k of info.kernels) {
  const ms = Number(k.kernelTimeMs);
  sum(byKernel, k.name, ms);
  sum(byShape, `${k.name} ${JSON.stringify(k.inputShapes)}`, ms);
}
const total = [...byKernel.values()].reduce((a, [ms]) => a + ms, 0);
const print = (title: string, rows: Map<string, [number, number]>) => {
  console.log(`\n${title}\n     ms  calls`);
  for (const [name, [ms, calls]] of [...rows].sort((a, b) => b[1][0] - a[1][0]).slice(0, top)) console.log(`${ms.toFixed(1).padStart(7)} ${String(calls).padStart(6)}  ${name.slice(0, 160)}`);
};
console.log(`profiled: ${info.kernels.length} kernel calls, ${total.toFixed(1)} ms in kernels`);
print('by kernel', byKernel);
print('by kernel and input shapes', byShape);
optimizer.dispose();
dispose();
