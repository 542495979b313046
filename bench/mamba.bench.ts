/**
 * Mamba LM throughput on the wasm backend:
 * - training tokens/s of one Adam step of a Mamba LM with the fused selective scan against the same
 *   step with the reference scan (a loop of tfjs ops over time, the "standard scan" of the Mamba
 *   paper's section 4.5), and their ratio;
 * - recurrent decoding tokens/s (MambaLM.step: constant work per token, no cache that grows).
 * Run: npx tsx bench/mamba.bench.ts   (writes build/bench/mamba.json)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as tf from '../kernels/tf.ts';
import { setupBackend } from '../kernels/backend/index.ts';
import type { ScanImpl } from '../kernels/index.ts';
import { tailLoss } from '../experiments/models/language-model.ts';
import { disposeState, MambaLM, mambaConfig } from '../experiments/models/mamba.ts';
import { Adam, trainStep } from '../experiments/models/train.ts';
import { median } from './timing.ts';

const LM = { vocabSize: 256, dModel: 64, nLayer: 2 };
const TRAIN = { batch: 8, length: 128, warmup: 2, repeats: 5 };
const DECODE = { tokens: 64, batches: [1, 8] };


function tokens(b: number, l: number): tf.Tensor2D {
  return tf.tensor2d(Array.from({ length: b * l }, (_, i) => (i * 31 + 7) % LM.vocabSize), [b, l], 'int32');
}

/** Median seconds of one training step (forward, backward, Adam) with scan implementation `impl`. */
function trainStepSeconds(impl: ScanImpl): number {
  const model = new MambaLM(mambaConfig({ ...LM, scanImpl: impl }), 0);
  const optimizer = new Adam();
  const inputs = tokens(TRAIN.batch, TRAIN.length);
  const targets = tokens(TRAIN.batch, TRAIN.length);
  const step = () => trainStep(optimizer, model.params.list(), () => tailLoss(model.forward(inputs), targets), 1e-3);
  for (let i = 0; i < TRAIN.warmup; i++) step();
  const times: number[] = [];
  for (let i = 0; i < TRAIN.repeats; i++) {
    const t = performance.now();
    step();
    times.push((performance.now() - t) / 1000);
  }
  tf.dispose([inputs, targets]);
  optimizer.dispose();
  model.dispose();
  return median(times);
}

/** Tokens per second of recurrent decoding, `batch` sequences at once, from an empty state. */
function decodeTokensPerSecond(batch: number): number {
  const model = new MambaLM(mambaConfig(LM), 0);
  const run = (n: number) => {
    let state = model.initialState(batch);
    let next = tf.tensor1d(Array.from({ length: batch }, (_, i) => i), 'int32');
    for (let t = 0; t < n; t++) {
      const out = model.step(next, state);
      disposeState(state);
      next.dispose();
      state = out.state;
      next = tf.tidy(() => tf.cast(tf.argMax(out.logits, -1), 'int32')) as tf.Tensor1D; // greedy
      out.logits.dispose();
    }
    next.dataSync(); // wait for the last step
    next.dispose();
    disposeState(state);
  };
  run(4);
  const t = performance.now();
  run(DECODE.tokens);
  const seconds = (performance.now() - t) / 1000;
  model.dispose();
  return (batch * DECODE.tokens) / seconds;
}

/** Training seconds per step, or null when the implementation is not available on this backend. */
function tryTrain(impl: ScanImpl): { seconds: number | null; error?: string } {
  try {
    return { seconds: trainStepSeconds(impl) };
  } catch (error) {
    return { seconds: null, error: (error as Error).message };
  }
}

const backend = await setupBackend('wasm');
const tokensPerStep = TRAIN.batch * TRAIN.length;
const fused = tryTrain('fused');
const reference = tryTrain('reference');
const rate = (s: number | null) => (s === null ? null : tokensPerStep / s);
const fusedRate = rate(fused.seconds);
const referenceRate = rate(reference.seconds);
const ratio = fusedRate !== null && referenceRate !== null ? fusedRate / referenceRate : null;
const decode = DECODE.batches.map((batch) => ({ batch, tokensPerSecond: decodeTokensPerSecond(batch) }));

const fmt = (x: number | null, digits = 0) => (x === null ? 'not available' : x.toFixed(digits));
console.log(`Mamba LM, wasm backend: vocab ${LM.vocabSize}, d_model ${LM.dModel}, ${LM.nLayer} layers, d_state 16, expand 2`);
console.log(`training step: batch ${TRAIN.batch} x length ${TRAIN.length} (median of ${TRAIN.repeats})`);
console.log('| measurement | value |');
console.log('|---|---|');
console.log(`| training tokens/s, fused scan | ${fmt(fusedRate)} |`);
console.log(`| training tokens/s, reference scan | ${fmt(referenceRate)} |`);
console.log(`| fused vs reference training step, l=${TRAIN.length} | ${ratio === null ? 'not available' : `${ratio.toFixed(1)}x`} |`);
for (const d of decode) console.log(`| recurrent decoding tokens/s, batch ${d.batch} | ${fmt(d.tokensPerSecond)} |`);
for (const [name, r] of Object.entries({ fused, reference })) if (r.error) console.log(`${name}: ${r.error}`);

mkdirSync('build/bench', { recursive: true });
writeFileSync(
  'build/bench/mamba.json',
  JSON.stringify(
    {
      backend,
      model: LM,
      train: { ...TRAIN, fusedSecondsPerStep: fused.seconds, referenceSecondsPerStep: reference.seconds, fusedTokensPerSecond: fusedRate, referenceTokensPerSecond: referenceRate, fusedVsReference: ratio },
      decode,
    },
    null,
    2,
  ) + '\n',
);
