/**
 * A flat, ordered collection of named trainable weights (nanoGPT style: names like
 * `layers.0.mixer.in_proj.weight`), so that models, optimisers, counters and tests share one view.
 */
import * as tf from '../../kernels/tf.ts';

export class ParamStore {
  private readonly vars = new Map<string, tf.Variable>();

  /**
   * Register a weight initialised from `values`; names are unique. `trainable = false` is for state
   * a model updates itself (batch-norm running statistics): kept and checkpointed, never given to the
   * optimiser by tf.variableGrads' default variable list.
   */
  add(name: string, shape: number[], values: Float32Array, trainable = true): tf.Variable {
    if (this.vars.has(name)) throw new Error(`duplicate parameter name: ${name}`);
    const v = tf.tidy(() => tf.variable(tf.tensor(values, shape, 'float32'), trainable, undefined, 'float32'));
    this.vars.set(name, v);
    return v;
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`no parameter named ${name}`);
    return v;
  }

  names(): string[] {
    return [...this.vars.keys()];
  }

  list(): tf.Variable[] {
    return [...this.vars.values()];
  }

  /** Total number of scalar weights. */
  count(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}
