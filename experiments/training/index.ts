/**
 * The project's one training loop, shared by the image study and the translation study.
 *
 *     import { train, constant, warmupInverseSqrt, labelSmoothedCrossEntropy } from '../training/index.ts';
 *
 *     const result = await train({
 *       model,                                  // { params: ParamStore, buffers?: ParamStore }
 *       epochs: 20,
 *       batches: (epoch) => epochBatches(trainIdx, 64, new Rng(seed * 1000 + epoch)), // order = f(epoch) only
 *       loss: (batch, rng) => labelSmoothedCrossEntropy(model.forward(x(batch), { training: true, rng }), y(batch), 0.1),
 *       evaluate: async (epoch) => ({ valAccuracy: ..., testAccuracy: ... }),   // read with await t.data()
 *       schedule: warmupInverseSqrt(5e-4, 4000), // or constant(1e-4); a function of the 1-based step
 *       optimizer: { weightDecay: 0.01 },       // AdamW; weightDecay 0 (default) is Adam
 *       clipNorm: 1,                            // optional, global L2 norm
 *       seed,                                   // seeds each step's own random stream (stepRng)
 *       select: { metric: 'valAccuracy', mode: 'max', patience: 10 }, // model selection, early stopping
 *       restoreBest: true,                      // leave the selected epoch's weights in the model
 *       checkpoint: ctx.checkpoint, checkpointEvery: 500, // plus every epoch end
 *       progress: ctx.progress, log: ctx.log, signal: ctx.signal,
 *     });
 *     // result.history: [{ epoch, trainLoss, learningRate, steps, metrics }], result.best: { epoch, value }
 *
 * Guarantees: a run killed at any point and started again with the same spec and checkpoint ends
 * with the same weights and history, bit for bit, as a run never killed (test/training/loop.test.ts):
 * the checkpoint holds weights and buffers, Adam's moments and step, the epoch and batch cursor, the
 * running loss sum, history and selection state; data order and per-step randomness are functions of
 * (epoch) and (seed, step). No synchronous tensor read happens inside the loop, so it runs on WebGPU.
 *
 * Pieces, usable alone: AdamW (optimizer.ts), schedules (schedules.ts), clipByGlobalNorm (clip.ts),
 * labelSmoothedCrossEntropy (losses.ts), stepRng (loop.ts).
 */
export { train, stepRng, type TrainSpec, type TrainResult, type EpochRecord, type Selection, type TrainableModel } from './loop.ts';
export { AdamW, type AdamWOptions, type NamedVariable } from './optimizer.ts';
export { constant, linearDecay, warmupInverseSqrt, type Schedule } from './schedules.ts';
export { clipByGlobalNorm } from './clip.ts';
export { labelSmoothedCrossEntropy } from './losses.ts';
