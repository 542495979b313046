/**
 * The one Adam of the project; experiments/training builds AdamW, schedules and the training loop on
 * it. `trainStep` (a synchronous loss read) and `linearDecay` serve the selective copying study, whose
 * committed results key on this file's code.
 *
 * One optimisation step: loss, gradients of every trainable weight, optional clipping by global
 * norm, an Adam update at the step's learning rate. Everything it allocates is freed before it returns.
 */
import * as tf from '../../kernels/tf.ts';

export interface StepOptions {
  /** Rescale the gradients when their global L2 norm exceeds this (off when absent). */
  clipNorm?: number;
}

/**
 * Adam (Kingma & Ba 2015) with torch.optim.Adam's update and defaults, beta = (0.9, 0.999),
 * eps = 1e-8, and a learning rate that may change from step to step (a schedule), which the
 * tfjs optimiser does not offer.
 */
export class Adam {
  // Public (read by experiments/training's AdamW, which checkpoints them): first and second moments
  // by variable name, and the number of steps taken.
  readonly m = new Map<string, tf.Variable>();
  readonly v = new Map<string, tf.Variable>();
  t = 0;

  constructor(
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly eps = 1e-8,
  ) {}

  /** p <- p - lr * m_hat / (sqrt(v_hat) + eps) for every variable with a gradient. */
  apply(vars: tf.Variable[], grads: tf.NamedTensorMap, learningRate: number): void {
    this.t += 1;
    const c1 = 1 - this.beta1 ** this.t;
    const c2 = 1 - this.beta2 ** this.t;
    for (const p of vars) {
      const g = grads[p.name];
      if (!g) continue;
      if (!this.m.has(p.name)) {
        // tidy frees the zeros tensors; the variables keep their own reference to the data.
        this.m.set(p.name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
        this.v.set(p.name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
      }
      const m = this.m.get(p.name)!;
      const v = this.v.get(p.name)!;
      tf.tidy(() => {
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
        v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        const denom = tf.add(tf.sqrt(tf.div(v, c2)), this.eps);
        p.assign(tf.sub(p, tf.mul(tf.div(m, denom), learningRate / c1)));
      });
    }
  }

  dispose(): void {
    tf.dispose([...this.m.values(), ...this.v.values()]);
    this.m.clear();
    this.v.clear();
  }
}

/** Linear decay from `peak` at step 1 to `peak * finalFraction` at step `total`. */
export function linearDecay(peak: number, total: number, finalFraction: number): (step: number) => number {
  return (step) => peak * (1 - (1 - finalFraction) * Math.min(1, (step - 1) / Math.max(1, total - 1)));
}

/** Run `loss`, update `vars` with `optimizer` at `learningRate`; returns the loss value before the update. */
export function trainStep(
  optimizer: Adam,
  vars: tf.Variable[],
  loss: () => tf.Scalar,
  learningRate: number,
  options: StepOptions = {},
): number {
  const { value, grads } = tf.variableGrads(loss, vars);
  const clipped = options.clipNorm === undefined ? grads : clipByGlobalNorm(grads, options.clipNorm);
  optimizer.apply(vars, clipped, learningRate);
  const lossValue = value.dataSync()[0];
  tf.dispose([value, grads, clipped]);
  return lossValue;
}

/** g * min(1, maxNorm / ||g||) over all gradients together (torch.nn.utils.clip_grad_norm_). */
function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): tf.NamedTensorMap {
  return tf.tidy(() => {
    const names = Object.keys(grads);
    const sumSquares = tf.addN(names.map((n) => tf.sum(tf.square(grads[n]))));
    const scale = tf.minimum(1, tf.div(maxNorm, tf.add(tf.sqrt(sumSquares), 1e-6)));
    const out: tf.NamedTensorMap = {};
    for (const n of names) out[n] = tf.mul(grads[n], scale);
    return out;
  });
}
