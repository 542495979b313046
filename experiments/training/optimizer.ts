/**
 * AdamW (Loshchilov & Hutter 2019) as torch.optim.AdamW: before each Adam update, every weight with a
 * gradient decays by p <- p (1 - lr wd), apart from the gradient ("decoupled" weight decay). With
 * weightDecay 0 it is exactly the project's Adam (experiments/models/train.ts), which it extends:
 * one Adam update in the project. Its moments and step count are checkpointed by weight name.
 */
import * as tf from '../../kernels/tf.ts';
import { Adam } from '../models/train.ts';
import type { CheckpointArray, Json } from '../../engine/contract.ts';

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Decoupled weight decay; 0 (the default) is Adam. torch.optim.AdamW's default is 0.01. */
  weightDecay?: number;
}

/** A trainable weight under its stable name (a ParamStore name), the name its moments are saved under. */
export interface NamedVariable {
  name: string;
  variable: tf.Variable;
}

export class AdamW extends Adam {
  readonly weightDecay: number;

  constructor(options: AdamWOptions = {}) {
    super(options.beta1 ?? 0.9, options.beta2 ?? 0.999, options.eps ?? 1e-8);
    this.weightDecay = options.weightDecay ?? 0;
    if (!(this.weightDecay >= 0)) throw new Error(`AdamW: weightDecay must be >= 0, got ${this.weightDecay}`);
  }

  override apply(vars: tf.Variable[], grads: tf.NamedTensorMap, learningRate: number): void {
    if (this.weightDecay > 0) {
      const keep = 1 - learningRate * this.weightDecay;
      for (const p of vars) if (grads[p.name]) tf.tidy(() => p.assign(tf.mul(p, keep)));
    }
    super.apply(vars, grads, learningRate);
  }

  /** Moments as checkpoint arrays `adam.m/<name>`, `adam.v/<name>`, and the step count as meta. */
  async state(weights: readonly NamedVariable[]): Promise<{ meta: Json; arrays: Record<string, CheckpointArray> }> {
    const arrays: Record<string, CheckpointArray> = {};
    for (const { name, variable } of weights) {
      const m = this.m.get(variable.name);
      const v = this.v.get(variable.name);
      if (!m || !v) continue; // never had a gradient yet
      arrays[`adam.m/${name}`] = { dtype: 'float32', shape: [...m.shape], data: (await m.data()) as Float32Array };
      arrays[`adam.v/${name}`] = { dtype: 'float32', shape: [...v.shape], data: (await v.data()) as Float32Array };
    }
    return { meta: { t: this.t }, arrays };
  }

  /** Restore what `state` saved (the same weights, by name); throws naming a moment whose shape differs. */
  restore(weights: readonly NamedVariable[], meta: Json, arrays: Record<string, CheckpointArray>): void {
    this.dispose();
    this.t = (meta as { t: number }).t;
    for (const { name, variable } of weights) {
      const m = arrays[`adam.m/${name}`];
      const v = arrays[`adam.v/${name}`];
      if (!m || !v) continue;
      for (const a of [m, v]) {
        if (a.shape.join(',') !== variable.shape.join(',')) throw new Error(`AdamW.restore: moment of '${name}' has shape [${a.shape}], the weight [${variable.shape}]`);
      }
      this.m.set(variable.name, tf.variable(tf.tensor(m.data, m.shape, 'float32'), false));
      this.v.set(variable.name, tf.variable(tf.tensor(v.data, v.shape, 'float32'), false));
    }
  }
}
