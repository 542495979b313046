/**
 * Where one training step of the image study's local-profile models spends its time, kernel by kernel,
 * on the backend the study trains on (wasm with the project's kernels): the step as the shared training
 * loop runs it (loss, gradients, Adam), batch 128 of 32x32x1 images, timed by tf.profile after two
 * warm-up steps. Prints the step's wall time (median of seven), then the kernels by total time (calls beside them), then
 * the costliest kernel-and-input-shape pairs. A profile, not a benchmark: no peer, no ratio.
 * Run: node --import tsx bench/step-profile.ts medmamba|resnet [top]
 */
import { setupBackend } from '../kernels/backend/index.ts';
import * as tf from '../kernels/tf.ts';
import imageExperiment, { modelConfigs } from '../experiments/image-classification/experiment.ts';
import { crossEntropy } from '../experiments/models/layers.ts';
import { MedMamba } from '../experiments/models/medmamba.ts';
import { ResNet } from '../experiments/models/resnet.ts';
import { Rng } from '../experiments/models/rng.ts';
import { AdamW } from '../experiments/training/index.ts';

const [which = 'medmamba', topArg = '15'] = process.argv.slice(2);
if (which !== 'medmamba' && which !== 'resnet') throw new Error(`step-profile: model '${which}': expected medmamba or resnet`);
const top = Number(topArg);
if (!(Number.isInteger(top) && top > 0)) throw new Error(`step-profile: top '${topArg}': expected a positive whole number`);
const BATCH = 128;

await setupBackend('wasm');
const params = imageExperiment.paramsSchema.parse(imageExperiment.profiles.local);
const configs = modelConfigs(params, { inChans: 1, numClasses: 10 });
const model = which === 'medmamba' ? new MedMamba(configs.medmamba, 1) : new ResNet(configs.resnet, 1);
const rng = new Rng(0);
const x = tf.tensor4d(Float32Array.from({ length: BATCH * 32 * 32 }, () => rng.uniform()), [BATCH, 32, 32, 1]); // (b, h, w, c)
const y = tf.tensor1d(Int32Array.from({ length: BATCH }, () => rng.int(10)), 'int32'); // (b)
const optimizer = new AdamW();
const vars = model.params.list();
const step = () => {
  const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward(x, { training: true, rng: new Rng(1) }), y), vars);
  optimizer.apply(vars, grads, 1e-3);
  value.dataSync();
  tf.dispose([value, grads]);
};
step();
step();
const times = Array.from({ length: 7 }, () => {
  const started = performance.now();
  step();
  return performance.now() - started;
}).sort((a, b) => a - b);
console.log(
  `${which}: ${model.params.count()} weights, batch ${BATCH}: one step ${times[3].toFixed(1)} ms ` +
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
tf.dispose([x, y]);
optimizer.dispose();
model.dispose();
