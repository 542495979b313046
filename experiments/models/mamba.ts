/**
 * Mamba language model (Gu & Dao 2023, arXiv 2312.00752, section 3.4 and figure 3), mirroring
 * state-spaces/mamba: the block of `modules/mamba_simple.py`, the residual stack of
 * `models/mixer_seq_simple.py` + `modules/block.py` ("add -> RMSNorm -> mixer", final norm, tied
 * embedding and LM head), the initialisation of both, and the single-token decode path (`step`).
 *
 * Dimension letters: b batch, l sequence length, d d_model, e = expand * d (d_inner),
 * n d_state, r dt_rank, k d_conv, v vocabulary.
 *
 * Two options go beyond the reference, both off by default:
 * - `ssm: 'lti'` replaces the selective SSM (S6) by a time-invariant one inside the same block, the
 *   ablation of the paper's table 1: Delta is one learned value per channel (the dt bias alone),
 *   B and C are learned (e, n) matrices, as in S4D-Real (Gu et al. 2022). It runs through the same
 *   scan op, with B and C given in the op's time-invariant (e, n) form.
 * - `dropout`: the dropout variant of the original report's figure 2 (two dropout layers added to
 *   Mamba). Upstream Mamba has no dropout anywhere. The placement is explicit and switchable:
 *   `mixerOutput` drops the mixer output before it joins the residual stream (the Transformer's
 *   residual dropout, Vaswani et al. 2017 section 5.4), `ssmInput` drops the SSM input right after
 *   conv1d + SiLU, so Delta, B, C and u all see the dropped activations. Rate p for both; dropout
 *   runs only when `training` is set, so evaluation and decoding are deterministic. With p = 0 no
 *   dropout op is added at all: the variant is the plain model exactly.
 */
import * as tf from '../../kernels/tf.ts';
import { selectiveScan, type ScanImpl } from '../../kernels/index.ts';
import { causalDepthwiseConv1d, dropout, embed, linear, rmsNorm, silu, tiedHead } from './layers.ts';
import { constant, dtBias, kaimingUniform, normal, s4dRealALog, uniform } from './init.ts';
import { EVAL, type ForwardMode, type LanguageModel } from './language-model.ts';
import { ParamStore } from './params.ts';
import { Rng } from './rng.ts';

export interface DropoutConfig {
  /** Rate of both dropout layers; 0 gives the plain model. */
  p: number;
  /** Dropout on the mixer output, before the residual add. */
  mixerOutput: boolean;
  /** Dropout on the SSM input, after conv1d + SiLU. */
  ssmInput: boolean;
}

export interface MambaConfig {
  vocabSize: number;
  dModel: number;
  nLayer: number;
  /** n, the SSM state size per channel. */
  dState: number;
  /** k, the causal depthwise convolution width. */
  dConv: number;
  /** e = expand * dModel. */
  expand: number;
  /** r, the rank of the Delta projection; 'auto' is ceil(dModel / 16). */
  dtRank: number | 'auto';
  dtMin: number;
  dtMax: number;
  dtInitFloor: number;
  normEps: number;
  ssm: 'selective' | 'lti';
  dropout: DropoutConfig;
  /** Which implementation of the scan op the parallel mode uses. */
  scanImpl: ScanImpl;
}

/** Defaults of mamba_simple.Mamba and MixerModel (norm eps 1e-5), without dropout. */
export const MAMBA_DEFAULTS: Omit<MambaConfig, 'vocabSize' | 'dModel' | 'nLayer'> = {
  dState: 16,
  dConv: 4,
  expand: 2,
  dtRank: 'auto',
  dtMin: 1e-3,
  dtMax: 0.1,
  dtInitFloor: 1e-4,
  normEps: 1e-5,
  ssm: 'selective',
  dropout: { p: 0, mixerOutput: true, ssmInput: true },
  scanImpl: 'auto',
};

export type MambaOverrides = Partial<Omit<MambaConfig, 'dropout'>> &
  Pick<MambaConfig, 'vocabSize' | 'dModel' | 'nLayer'> & { dropout?: Partial<DropoutConfig> };

export function mambaConfig(overrides: MambaOverrides): MambaConfig {
  return {
    ...MAMBA_DEFAULTS,
    ...overrides,
    dropout: { ...MAMBA_DEFAULTS.dropout, ...overrides.dropout },
  };
}

/** The sizes the block is built from, with dt_rank resolved. */
export function mambaDims(c: MambaConfig): { d: number; e: number; n: number; r: number; k: number } {
  return {
    d: c.dModel,
    e: c.expand * c.dModel,
    n: c.dState,
    r: c.dtRank === 'auto' ? Math.ceil(c.dModel / 16) : c.dtRank,
    k: c.dConv,
  };
}

/** Recurrent state for decoding: per layer the last k conv inputs and the SSM state. */
export interface MambaState {
  conv: tf.Tensor3D[]; // per layer (b, k, e)
  ssm: tf.Tensor3D[]; // per layer (b, e, n)
}

/** The discretisation inputs of one layer's SSM, as the scan op takes them (channels first). */
interface SsmInputs {
  delta: tf.Tensor3D; // (b, e, l), before bias and softplus
  B: tf.Tensor; // (b, n, l) selective, (e, n) time-invariant
  C: tf.Tensor; // (b, n, l) selective, (e, n) time-invariant
  deltaBias: tf.Tensor1D; // (e)
}

export class MambaLM implements LanguageModel {
  readonly config: MambaConfig;
  readonly params = new ParamStore();

  constructor(config: MambaConfig, seed: number) {
    this.config = config;
    const { d, e, n, r, k } = mambaDims(config);
    const rng = new Rng(seed);
    const ps = this.params;
    // mixer_seq_simple._init_weights: embedding N(0, 0.02).
    ps.add('embedding.weight', [config.vocabSize, d], normal([config.vocabSize, d], 0.02, rng.fork()));
    for (let i = 0; i < config.nLayer; i++) {
      const m = `layers.${i}.mixer.`;
      ps.add(`layers.${i}.norm.weight`, [d], constant([d], 1));
      ps.add(`${m}in_proj.weight`, [d, 2 * e], kaimingUniform([d, 2 * e], d, rng.fork()));
      ps.add(`${m}conv1d.weight`, [k, e], kaimingUniform([k, e], k, rng.fork()));
      ps.add(`${m}conv1d.bias`, [e], kaimingUniform([e], k, rng.fork()));
      const dtInit = { dtMin: config.dtMin, dtMax: config.dtMax, floor: config.dtInitFloor };
      if (config.ssm === 'selective') {
        ps.add(`${m}x_proj.weight`, [e, r + 2 * n], kaimingUniform([e, r + 2 * n], e, rng.fork()));
        ps.add(`${m}dt_proj.weight`, [r, e], uniform([r, e], r ** -0.5, rng.fork()));
        ps.add(`${m}dt_proj.bias`, [e], dtBias(e, rng.fork(), dtInit));
      } else {
        // S4D-Real: B = 1, C ~ N(0, 1); Delta log-uniform like Mamba's dt bias.
        ps.add(`${m}dt_bias`, [e], dtBias(e, rng.fork(), dtInit));
        ps.add(`${m}B`, [e, n], constant([e, n], 1));
        ps.add(`${m}C`, [e, n], normal([e, n], 1, rng.fork()));
      }
      ps.add(`${m}A_log`, [e, n], s4dRealALog(e, n));
      ps.add(`${m}D`, [e], constant([e], 1));
      // GPT-2 style prenorm rescale of _init_weights: kaiming uniform, then / sqrt(n_layer).
      const outProj = kaimingUniform([e, d], e, rng.fork()).map((w) => w / Math.sqrt(config.nLayer));
      ps.add(`${m}out_proj.weight`, [e, d], outProj);
    }
    ps.add('norm_f.weight', [d], constant([d], 1));
  }

  private p(name: string): tf.Tensor {
    return this.params.get(name);
  }

  /**
   * Parallel (training) mode: logits (b, l, v) for tokens (b, l). Every layer's SSM runs through the
   * selectiveScan op over the whole sequence.
   */
  forward(tokens: tf.Tensor2D, mode: ForwardMode = EVAL): tf.Tensor3D {
    return tf.tidy(() => {
      const h = embed(tokens, this.p('embedding.weight') as tf.Tensor2D); // (b, l, d)
      return this.trunk(h, (i, x) => this.mixer(i, x as tf.Tensor3D, mode), mode) as tf.Tensor3D;
    });
  }

  /** Zero state for decoding a batch of `batch` sequences from their start. */
  initialState(batch: number): MambaState {
    const { e, n, k } = mambaDims(this.config);
    const layers = Array.from({ length: this.config.nLayer });
    return {
      conv: layers.map(() => tf.zeros([batch, k, e]) as tf.Tensor3D),
      ssm: layers.map(() => tf.zeros([batch, e, n]) as tf.Tensor3D),
    };
  }

  /**
   * Recurrent mode (mamba_simple.Mamba.step): one token per sequence (b), constant work and memory
   * per token. Returns the next-token logits (b, v) and the new state; the caller owns both and
   * disposes the old state. Per-step math on the state, not the scan op: the test compares the two.
   */
  step(tokens: tf.Tensor1D, state: MambaState): { logits: tf.Tensor2D; state: MambaState } {
    return tf.tidy(() => {
      const conv: tf.Tensor3D[] = [];
      const ssm: tf.Tensor3D[] = [];
      const h = embed(tokens, this.p('embedding.weight') as tf.Tensor2D); // (b, d)
      const logits = this.trunk(
        h,
        (i, x) => {
          const out = this.mixerStep(i, x as tf.Tensor2D, state.conv[i], state.ssm[i]);
          conv.push(out.conv);
          ssm.push(out.ssm);
          return out.y;
        },
        EVAL,
      ) as tf.Tensor2D;
      return { logits, state: { conv, ssm } };
    });
  }

  dispose(): void {
    this.params.dispose();
  }

  /**
   * The residual stack of MixerModel with Block = "add -> norm -> mixer" (residual kept separately
   * from the mixer output), then add, norm_f and the tied head. Shape-agnostic over leading axes.
   */
  private trunk(h: tf.Tensor, mixer: (layer: number, x: tf.Tensor) => tf.Tensor, mode: ForwardMode): tf.Tensor {
    const { nLayer, normEps, dropout: drop } = this.config;
    let residual: tf.Tensor | null = null;
    for (let i = 0; i < nLayer; i++) {
      residual = residual ? tf.add(h, residual) : h;
      const normed = rmsNorm(residual, this.p(`layers.${i}.norm.weight`) as tf.Tensor1D, normEps);
      h = mixer(i, normed);
      if (drop.mixerOutput) h = dropout(h, drop.p, mode);
    }
    residual = residual ? tf.add(h, residual) : h;
    const out = rmsNorm(residual, this.p('norm_f.weight') as tf.Tensor1D, normEps);
    return tiedHead(out, this.p('embedding.weight') as tf.Tensor2D);
  }

  /** mamba_simple.Mamba.forward without the fused path: (b, l, d) -> (b, l, d). */
  private mixer(i: number, h: tf.Tensor3D, mode: ForwardMode): tf.Tensor3D {
    const m = `layers.${i}.mixer.`;
    const { e } = mambaDims(this.config);
    const xz = linear(h, this.p(`${m}in_proj.weight`) as tf.Tensor2D); // (b, l, 2e)
    const [xIn, z] = tf.split(xz, [e, e], -1) as [tf.Tensor3D, tf.Tensor3D]; // (b, l, e) each
    let x = silu(
      causalDepthwiseConv1d(xIn, this.p(`${m}conv1d.weight`) as tf.Tensor2D, this.p(`${m}conv1d.bias`) as tf.Tensor1D),
    ) as tf.Tensor3D; // (b, l, e)
    const drop = this.config.dropout;
    if (drop.ssmInput) x = dropout(x, drop.p, mode) as tf.Tensor3D;
    const ssm = this.ssmInputs(i, x);
    const toChannels = (t: tf.Tensor) => tf.transpose(t, [0, 2, 1]); // (b, l, c) -> (b, c, l)
    const { y } = selectiveScan(
      {
        u: toChannels(x) as tf.Tensor3D, // (b, e, l)
        delta: ssm.delta,
        A: tf.neg(tf.exp(this.p(`${m}A_log`))) as tf.Tensor2D, // (e, n)
        B: ssm.B,
        C: ssm.C,
        D: this.p(`${m}D`) as tf.Tensor1D,
        z: toChannels(z) as tf.Tensor3D, // (b, e, l)
        deltaBias: ssm.deltaBias,
        deltaSoftplus: true,
      },
      { impl: this.config.scanImpl },
    ); // (b, e, l)
    return linear(toChannels(y), this.p(`${m}out_proj.weight`) as tf.Tensor2D) as tf.Tensor3D; // (b, l, d)
  }

  /** Delta, B, C of layer i from its SSM input x (b, l, e): input-dependent (S6) or time-invariant. */
  private ssmInputs(i: number, x: tf.Tensor3D): SsmInputs {
    const m = `layers.${i}.mixer.`;
    const { e, n, r } = mambaDims(this.config);
    const [b, l] = x.shape;
    if (this.config.ssm === 'lti') {
      return {
        delta: tf.zeros([b, e, l]) as tf.Tensor3D, // Delta = softplus(dt_bias) at every step
        B: this.p(`${m}B`),
        C: this.p(`${m}C`),
        deltaBias: this.p(`${m}dt_bias`) as tf.Tensor1D,
      };
    }
    const xdbl = linear(x, this.p(`${m}x_proj.weight`) as tf.Tensor2D); // (b, l, r + 2n)
    const [dt, B, C] = tf.split(xdbl, [r, n, n], -1); // (b, l, r), (b, l, n), (b, l, n)
    const delta = linear(dt, this.p(`${m}dt_proj.weight`) as tf.Tensor2D); // (b, l, e); bias added in the scan
    return {
      delta: tf.transpose(delta, [0, 2, 1]) as tf.Tensor3D, // (b, e, l)
      B: tf.transpose(B, [0, 2, 1]), // (b, n, l)
      C: tf.transpose(C, [0, 2, 1]), // (b, n, l)
      deltaBias: this.p(`${m}dt_proj.bias`) as tf.Tensor1D,
    };
  }

  /**
   * One decode step of layer i (mamba_simple.Mamba.step): roll the conv state, SiLU, discretise with
   * this token's Delta, B (dA = exp(Delta A), dB = Delta B), h = h dA + x dB, y = h C + D x, gate by
   * SiLU(z). h (b, d); convState (b, k, e); ssmState (b, e, n).
   */
  private mixerStep(
    i: number,
    h: tf.Tensor2D,
    convState: tf.Tensor3D,
    ssmState: tf.Tensor3D,
  ): { y: tf.Tensor2D; conv: tf.Tensor3D; ssm: tf.Tensor3D } {
    const m = `layers.${i}.mixer.`;
    const { e, n, r, k } = mambaDims(this.config);
    const b = h.shape[0];
    const xz = linear(h, this.p(`${m}in_proj.weight`) as tf.Tensor2D); // (b, 2e)
    const [xIn, z] = tf.split(xz, [e, e], -1); // (b, e) each
    const conv = tf.concat([tf.slice(convState, [0, 1, 0], [b, k - 1, e]), tf.expandDims(xIn, 1)], 1) as tf.Tensor3D; // (b, k, e)
    const x = silu(tf.add(tf.sum(tf.mul(conv, this.p(`${m}conv1d.weight`)), 1), this.p(`${m}conv1d.bias`))); // (b, e)

    let delta: tf.Tensor; // (b, e) or (e)
    let B: tf.Tensor; // (b, 1, n) or (e, n)
    let C: tf.Tensor; // (b, 1, n) or (e, n)
    if (this.config.ssm === 'lti') {
      delta = tf.softplus(this.p(`${m}dt_bias`));
      B = this.p(`${m}B`);
      C = this.p(`${m}C`);
    } else {
      const [dt, Bt, Ct] = tf.split(linear(x, this.p(`${m}x_proj.weight`) as tf.Tensor2D), [r, n, n], -1);
      delta = tf.softplus(tf.add(linear(dt, this.p(`${m}dt_proj.weight`) as tf.Tensor2D), this.p(`${m}dt_proj.bias`)));
      B = tf.expandDims(Bt, 1);
      C = tf.expandDims(Ct, 1);
    }
    const A = tf.neg(tf.exp(this.p(`${m}A_log`))); // (e, n)
    const deltaN = tf.expandDims(delta, -1); // (b, e, 1) or (e, 1)
    const dA = tf.exp(tf.mul(deltaN, A)); // (b, e, n) or (e, n)
    const dBx = tf.mul(tf.mul(deltaN, B), tf.expandDims(x, -1)); // (b, e, n)
    const ssm = tf.add(tf.mul(ssmState, dA), dBx) as tf.Tensor3D; // (b, e, n)
    let y = tf.add(tf.sum(tf.mul(ssm, C), -1), tf.mul(this.p(`${m}D`), x)); // (b, e)
    y = tf.mul(y, silu(z));
    return { y: linear(y, this.p(`${m}out_proj.weight`) as tf.Tensor2D) as tf.Tensor2D, conv, ssm };
  }
}

export function disposeState(state: MambaState): void {
  tf.dispose([...state.conv, ...state.ssm]);
}
