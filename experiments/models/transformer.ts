/**
 * A small decoder-only Transformer (GPT-2 layout as in nanoGPT's model.py): learned positional
 * embedding, pre-norm blocks "x + attn(norm(x))", "x + mlp(norm(x))", a final norm and a head tied
 * to the token embedding. RMSNorm instead of LayerNorm and no biases, so that the only difference
 * from the Mamba LM of mamba.ts is the sequence mixer (and the MLP that attention needs).
 * Residual dropout (Vaswani et al. 2017, section 5.4) on each sublayer output, rate `dropout`.
 *
 * Dimension letters: b batch, l sequence length, d d_model, h heads, c = d / h head size, v vocabulary.
 */
import * as tf from '../../kernels/tf.ts';
import { dropout, embed, gelu, linear, rmsNorm, tiedHead } from './layers.ts';
import { constant, normal } from './init.ts';
import { EVAL, type ForwardMode, type LanguageModel } from './language-model.ts';
import { ParamStore } from './params.ts';
import { Rng } from './rng.ts';

export interface TransformerConfig {
  vocabSize: number;
  dModel: number;
  nLayer: number;
  nHead: number;
  /** Longest sequence the positional embedding covers. */
  maxLen: number;
  /** Hidden width of the MLP as a multiple of dModel. */
  mlpRatio: number;
  dropout: number;
  normEps: number;
}

export const TRANSFORMER_DEFAULTS: Omit<TransformerConfig, 'vocabSize' | 'dModel' | 'nLayer' | 'nHead' | 'maxLen'> = {
  mlpRatio: 4,
  dropout: 0,
  normEps: 1e-5,
};

export function transformerConfig(
  overrides: Partial<TransformerConfig> & Pick<TransformerConfig, 'vocabSize' | 'dModel' | 'nLayer' | 'nHead' | 'maxLen'>,
): TransformerConfig {
  if (overrides.dModel % overrides.nHead !== 0) throw new Error('dModel must be a multiple of nHead');
  return { ...TRANSFORMER_DEFAULTS, ...overrides };
}

export class TransformerLM implements LanguageModel {
  readonly config: TransformerConfig;
  readonly params = new ParamStore();

  /** GPT-2 initialisation: N(0, 0.02) everywhere, output projections scaled by 1/sqrt(2 n_layer). */
  constructor(config: TransformerConfig, seed: number) {
    this.config = config;
    const { vocabSize: v, dModel: d, nLayer, maxLen, mlpRatio } = config;
    const f = mlpRatio * d;
    const rng = new Rng(seed);
    const ps = this.params;
    const projStd = 0.02 / Math.sqrt(2 * nLayer);
    ps.add('embedding.weight', [v, d], normal([v, d], 0.02, rng.fork()));
    ps.add('position.weight', [maxLen, d], normal([maxLen, d], 0.02, rng.fork()));
    for (let i = 0; i < nLayer; i++) {
      const p = `layers.${i}.`;
      ps.add(`${p}attn_norm.weight`, [d], constant([d], 1));
      ps.add(`${p}attn.qkv.weight`, [d, 3 * d], normal([d, 3 * d], 0.02, rng.fork()));
      ps.add(`${p}attn.proj.weight`, [d, d], normal([d, d], projStd, rng.fork()));
      ps.add(`${p}mlp_norm.weight`, [d], constant([d], 1));
      ps.add(`${p}mlp.fc.weight`, [d, f], normal([d, f], 0.02, rng.fork()));
      ps.add(`${p}mlp.proj.weight`, [f, d], normal([f, d], projStd, rng.fork()));
    }
    ps.add('norm_f.weight', [d], constant([d], 1));
  }

  private p(name: string): tf.Tensor {
    return this.params.get(name);
  }

  forward(tokens: tf.Tensor2D, mode: ForwardMode = EVAL): tf.Tensor3D {
    return tf.tidy(() => {
      const { nLayer, normEps, dropout: rate } = this.config;
      const l = tokens.shape[1];
      if (l > this.config.maxLen) throw new Error(`sequence length ${l} exceeds maxLen ${this.config.maxLen}`);
      const positions = tf.slice(this.p('position.weight'), [0, 0], [l, -1]); // (l, d)
      let x = tf.add(embed(tokens, this.p('embedding.weight') as tf.Tensor2D), positions); // (b, l, d)
      for (let i = 0; i < nLayer; i++) {
        const p = `layers.${i}.`;
        const a = this.attention(i, rmsNorm(x, this.p(`${p}attn_norm.weight`) as tf.Tensor1D, normEps) as tf.Tensor3D);
        x = tf.add(x, dropout(a, rate, mode));
        const hidden = gelu(linear(rmsNorm(x, this.p(`${p}mlp_norm.weight`) as tf.Tensor1D, normEps), this.p(`${p}mlp.fc.weight`) as tf.Tensor2D));
        x = tf.add(x, dropout(linear(hidden, this.p(`${p}mlp.proj.weight`) as tf.Tensor2D), rate, mode));
      }
      const out = rmsNorm(x, this.p('norm_f.weight') as tf.Tensor1D, normEps);
      return tiedHead(out, this.p('embedding.weight') as tf.Tensor2D) as tf.Tensor3D;
    });
  }

  /** Causal multi-head self-attention: (b, l, d) -> (b, l, d). */
  private attention(i: number, x: tf.Tensor3D): tf.Tensor3D {
    const [b, l, d] = x.shape;
    const h = this.config.nHead;
    const c = d / h;
    const qkv = linear(x, this.p(`layers.${i}.attn.qkv.weight`) as tf.Tensor2D); // (b, l, 3d)
    const [q, k, v] = tf.split(qkv, 3, -1).map((t) => tf.reshape(t, [b, l, h, c])); // (b, l, h, c) each
    const qh = tf.transpose(q, [0, 2, 1, 3]); // (b, h, l, c)
    const kt = tf.transpose(k, [0, 2, 3, 1]); // (b, h, c, l): keys pre-transposed for an untransposed product
    const vh = tf.transpose(v, [0, 2, 1, 3]); // (b, h, l, c)
    const scores = tf.mul(tf.matMul(qh, kt), 1 / Math.sqrt(c)); // (b, h, l, l)
    const future = tf.sub(1, tf.linalg.bandPart(tf.ones([l, l]), -1, 0)); // 1 above the diagonal
    const att = tf.softmax(tf.add(scores, tf.mul(future, -1e9))); // (b, h, l, l)
    const y = tf.reshape(tf.transpose(tf.matMul(att, vh), [0, 2, 1, 3]), [b, l, d]); // (b, l, d)
    return linear(y, this.p(`layers.${i}.attn.proj.weight`) as tf.Tensor2D) as tf.Tensor3D;
  }

  dispose(): void {
    this.params.dispose();
  }
}
