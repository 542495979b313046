/**
 * Transformer encoder-decoder for translation (Vaswani et al. 2017), in the pre-norm layout that
 * fairseq and Marian use for small models ("x + sublayer(norm(x))", a final norm after each stack):
 * sinusoidal positions, one embedding table shared by the source, the target and the output head
 * (a joint BPE vocabulary: three-way tying, Press & Wolf 2017), inputs scaled by sqrt(d_model).
 * RMSNorm and no biases, as the project's other models, so the Transformer and Mamba differ only in
 * how they mix a sequence.
 *
 * Residual dropout (section 5.4 of the paper): rate `dropout` on every sublayer output before it joins
 * the residual stream, and on the embeddings plus positions; off outside training (ForwardMode).
 *
 * Decoding (`startDecoding`, `decodeStep`): the encoder runs once; each decoder layer keeps the keys
 * and values of the tokens so far (a key/value cache, (b, h, t, c)) and the projected encoder memory,
 * so a step costs one token's work plus attention over the cache.
 *
 * Dimension letters: b batch, s source length, t target length, d d_model, h heads, c = d / h, v vocabulary.
 */
import * as tf from '../../kernels/tf.ts';
import { dropout, embed, gelu, linear, rmsNorm, tiedHead } from './layers.ts';
import { constant, normal, uniform } from './init.ts';
import { EVAL, type ForwardMode } from './language-model.ts';
import { ParamStore } from './params.ts';
import { Rng } from './rng.ts';

export interface Seq2SeqConfig {
  vocabSize: number;
  dModel: number;
  nEncoder: number;
  nDecoder: number;
  nHead: number;
  /** MLP hidden width as a multiple of dModel. */
  mlpRatio: number;
  /** Residual dropout rate; 0 is the plain model (no dropout op at all). */
  dropout: number;
  normEps: number;
  /** Token id that pads source batches (masked out of attention). */
  padId: number;
}

export function seq2seqConfig(
  c: Partial<Seq2SeqConfig> & Pick<Seq2SeqConfig, 'vocabSize' | 'dModel' | 'nEncoder' | 'nDecoder' | 'nHead'>,
): Seq2SeqConfig {
  if (c.dModel % c.nHead !== 0) throw new Error(`transformer: dModel ${c.dModel} is not a multiple of nHead ${c.nHead}`);
  return { mlpRatio: 4, dropout: 0, normEps: 1e-5, padId: 0, ...c };
}

/** Closed-form parameter count: embedding v*d; encoder layer 2 norms + 4d^2 + 2df; decoder layer 3 norms + 8d^2 + 2df; 2 final norms. */
export function seq2seqParams(c: Seq2SeqConfig): number {
  const d = c.dModel;
  const f = c.mlpRatio * d;
  return c.vocabSize * d + c.nEncoder * (2 * d + 4 * d * d + 2 * d * f) + c.nDecoder * (3 * d + 8 * d * d + 2 * d * f) + 2 * d;
}

/** Sinusoidal positions (section 3.5): PE[p, 2i] = sin(p / 10000^(2i/d)), PE[p, 2i+1] = cos(...); (l, d). */
export function sinusoidalPositions(length: number, d: number, offset = 0): Float32Array {
  const out = new Float32Array(length * d);
  for (let p = 0; p < length; p++) {
    for (let i = 0; i < d; i += 2) {
      const angle = (p + offset) / 10000 ** (i / d);
      out[p * d + i] = Math.sin(angle);
      if (i + 1 < d) out[p * d + i + 1] = Math.cos(angle);
    }
  }
  return out;
}

/** Per decoder layer: cached self-attention keys/values (b, h, t, c) and the encoder memory's (b, h, s, c). */
export interface Seq2SeqState {
  selfK: tf.Tensor4D[];
  selfV: tf.Tensor4D[];
  memK: tf.Tensor4D[];
  memV: tf.Tensor4D[];
  /** Additive source mask (b, 1, 1, s): 0 for tokens, -1e9 for padding. */
  srcMask: tf.Tensor4D;
  /** Tokens decoded so far (the next position). */
  position: number;
}

/** Two (rows, d) matrices side by side as one (rows, 2d): [a | b]. */
function interleaveColumns(a: Float32Array, b: Float32Array, d: number): Float32Array {
  const rows = a.length / d;
  const out = new Float32Array(2 * a.length);
  for (let r = 0; r < rows; r++) {
    out.set(a.subarray(r * d, (r + 1) * d), r * 2 * d);
    out.set(b.subarray(r * d, (r + 1) * d), r * 2 * d + d);
  }
  return out;
}

export class TransformerSeq2Seq {
  readonly params = new ParamStore();

  constructor(
    readonly config: Seq2SeqConfig,
    seed: number,
  ) {
    const { vocabSize: v, dModel: d, nEncoder, nDecoder, mlpRatio } = config;
    const f = mlpRatio * d;
    const rng = new Rng(seed);
    const ps = this.params;
    // fairseq's init: Xavier-uniform projections, U(+-sqrt(6 / (fan_in + fan_out))). (GPT-2's N(0, 0.02)
    // is tuned to widths near 768: at width 64 it leaves cross-attention about 1e-3 of the residual
    // stream, and the decoder learns as a language model first, ignoring the source for hundreds of steps.)
    const xavier = (rows: number, cols: number) => uniform([rows, cols], Math.sqrt(6 / (rows + cols)), rng.fork());
    // fairseq's tied-embedding init N(0, d^-1/2): with the sqrt(d) input scale, inputs start at unit scale
    ps.add('embedding.weight', [v, d], normal([v, d], d ** -0.5, rng.fork()));
    const attention = (p: string) => {
      ps.add(`${p}q.weight`, [d, d], xavier(d, d));
      // keys and values are two d x d projections stored side by side: each gets its own fan
      ps.add(`${p}kv.weight`, [d, 2 * d], interleaveColumns(xavier(d, d), xavier(d, d), d));
      ps.add(`${p}proj.weight`, [d, d], xavier(d, d));
    };
    const mlp = (p: string) => {
      ps.add(`${p}fc.weight`, [d, f], xavier(d, f));
      ps.add(`${p}proj.weight`, [f, d], xavier(f, d));
    };
    for (let i = 0; i < nEncoder; i++) {
      const p = `encoder.${i}.`;
      ps.add(`${p}attn_norm.weight`, [d], constant([d], 1));
      attention(`${p}attn.`);
      ps.add(`${p}mlp_norm.weight`, [d], constant([d], 1));
      mlp(`${p}mlp.`);
    }
    ps.add('encoder.norm.weight', [d], constant([d], 1));
    for (let i = 0; i < nDecoder; i++) {
      const p = `decoder.${i}.`;
      ps.add(`${p}self_norm.weight`, [d], constant([d], 1));
      attention(`${p}self.`);
      ps.add(`${p}cross_norm.weight`, [d], constant([d], 1));
      attention(`${p}cross.`);
      ps.add(`${p}mlp_norm.weight`, [d], constant([d], 1));
      mlp(`${p}mlp.`);
    }
    ps.add('decoder.norm.weight', [d], constant([d], 1));
  }

  private p(name: string): tf.Tensor {
    return this.params.get(name);
  }

  private norm(x: tf.Tensor, name: string): tf.Tensor {
    return rmsNorm(x, this.p(name) as tf.Tensor1D, this.config.normEps);
  }

  /** Scaled embeddings plus sinusoidal positions from `offset`: (b, l) -> (b, l, d). */
  private embedAt(tokens: tf.Tensor2D, offset: number, mode: ForwardMode): tf.Tensor3D {
    const [, l] = tokens.shape;
    const d = this.config.dModel;
    const x = tf.add(tf.mul(embed(tokens, this.p('embedding.weight') as tf.Tensor2D), Math.sqrt(d)), tf.tensor2d(sinusoidalPositions(l, d, offset), [l, d]));
    return dropout(x, this.config.dropout, mode) as tf.Tensor3D;
  }

  /** (b, l, d) -> (b, h, l, c). */
  private heads(x: tf.Tensor): tf.Tensor4D {
    const [b, l, d] = x.shape;
    const h = this.config.nHead;
    return tf.transpose(tf.reshape(x, [b, l, h, d / h]), [0, 2, 1, 3]) as tf.Tensor4D;
  }

  /** Keys and values of `x` (b, l, d) for attention block `p`: (b, h, l, c) each. */
  private keysValues(p: string, x: tf.Tensor): [tf.Tensor4D, tf.Tensor4D] {
    const [k, v] = tf.split(linear(x, this.p(`${p}kv.weight`) as tf.Tensor2D), 2, -1);
    return [this.heads(k), this.heads(v)];
  }

  /** Attention of queries x (b, lq, d) over keys/values (b, h, lk, c) with an additive mask broadcast to (b, h, lq, lk). */
  private attend(p: string, x: tf.Tensor, k: tf.Tensor4D, v: tf.Tensor4D, mask: tf.Tensor | null): tf.Tensor3D {
    const [b, lq, d] = x.shape;
    const c = d / this.config.nHead;
    const q = this.heads(linear(x, this.p(`${p}q.weight`) as tf.Tensor2D)); // (b, h, lq, c)
    let scores = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(c)); // (b, h, lq, lk)
    if (mask) scores = tf.add(scores, mask);
    const y = tf.matMul(tf.softmax(scores), v); // (b, h, lq, c)
    return linear(tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [b, lq, d]), this.p(`${p}proj.weight`) as tf.Tensor2D) as tf.Tensor3D;
  }

  private mlp(p: string, x: tf.Tensor): tf.Tensor {
    return linear(gelu(linear(x, this.p(`${p}fc.weight`) as tf.Tensor2D)), this.p(`${p}proj.weight`) as tf.Tensor2D);
  }

  /** Additive key-padding mask (b, 1, 1, s) of source tokens (b, s). */
  sourceMask(src: tf.Tensor2D): tf.Tensor4D {
    return tf.tidy(() => {
      const [b, s] = src.shape;
      return tf.reshape(tf.mul(tf.cast(tf.equal(src, this.config.padId), 'float32'), -1e9), [b, 1, 1, s]) as tf.Tensor4D;
    });
  }

  /** Encoder: source tokens (b, s) -> memory (b, s, d). */
  encode(src: tf.Tensor2D, srcMask: tf.Tensor4D, mode: ForwardMode = EVAL): tf.Tensor3D {
    return tf.tidy(() => {
      const rate = this.config.dropout;
      let x: tf.Tensor = this.embedAt(src, 0, mode);
      for (let i = 0; i < this.config.nEncoder; i++) {
        const p = `encoder.${i}.`;
        const n = this.norm(x, `${p}attn_norm.weight`);
        const [k, v] = this.keysValues(`${p}attn.`, n);
        x = tf.add(x, dropout(this.attend(`${p}attn.`, n, k, v, srcMask), rate, mode));
        x = tf.add(x, dropout(this.mlp(`${p}mlp.`, this.norm(x, `${p}mlp_norm.weight`)), rate, mode));
      }
      return this.norm(x, 'encoder.norm.weight') as tf.Tensor3D;
    });
  }

  /** Teacher-forced logits (b, t, v) of target inputs (b, t) given source tokens (b, s). */
  forward(src: tf.Tensor2D, tgtIn: tf.Tensor2D, mode: ForwardMode = EVAL): tf.Tensor3D {
    return tf.tidy(() => tiedHead(this.decoderStates(src, tgtIn, mode), this.p('embedding.weight') as tf.Tensor2D) as tf.Tensor3D);
  }

  /**
   * Teacher-forced logits (n, v) at the positions `rows` (n) of the flattened (b t) target grid: the
   * states are gathered before the tied head, so the head, and the loss after it, run only on the
   * positions a loss reads (a gather of (n, d) rather than of (n, v)).
   */
  forwardAt(src: tf.Tensor2D, tgtIn: tf.Tensor2D, rows: tf.Tensor1D, mode: ForwardMode = EVAL): tf.Tensor2D {
    return tf.tidy(() => {
      const h = this.decoderStates(src, tgtIn, mode); // (b, t, d)
      const [b, t, d] = h.shape;
      const picked = tf.gather(tf.reshape(h, [b * t, d]), rows) as tf.Tensor2D; // (n, d)
      return tiedHead(picked, this.p('embedding.weight') as tf.Tensor2D) as tf.Tensor2D; // (n, v)
    });
  }

  /** The decoder's normed final states (b, t, d) of target inputs (b, t) given source tokens (b, s). */
  private decoderStates(src: tf.Tensor2D, tgtIn: tf.Tensor2D, mode: ForwardMode): tf.Tensor3D {
    const rate = this.config.dropout;
    const srcMask = this.sourceMask(src);
    const memory = this.encode(src, srcMask, mode);
    const t = tgtIn.shape[1];
    const causal = tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([t, t]), -1, 0)), -1e9); // (t, t): -1e9 above the diagonal
    let x: tf.Tensor = this.embedAt(tgtIn, 0, mode);
    for (let i = 0; i < this.config.nDecoder; i++) {
      const p = `decoder.${i}.`;
      const n = this.norm(x, `${p}self_norm.weight`);
      const [k, v] = this.keysValues(`${p}self.`, n);
      x = tf.add(x, dropout(this.attend(`${p}self.`, n, k, v, causal), rate, mode));
      const [mk, mv] = this.keysValues(`${p}cross.`, memory);
      x = tf.add(x, dropout(this.attend(`${p}cross.`, this.norm(x, `${p}cross_norm.weight`), mk, mv, srcMask), rate, mode));
      x = tf.add(x, dropout(this.mlp(`${p}mlp.`, this.norm(x, `${p}mlp_norm.weight`)), rate, mode));
    }
    return this.norm(x, 'decoder.norm.weight') as tf.Tensor3D;
  }

  /** Encode once and set up empty caches for decoding `src` (b, s). The caller owns the state. */
  startDecoding(src: tf.Tensor2D): Seq2SeqState {
    return tf.tidy(() => {
      const srcMask = this.sourceMask(src);
      const memory = this.encode(src, srcMask);
      const [b] = src.shape;
      const h = this.config.nHead;
      const c = this.config.dModel / h;
      const memK: tf.Tensor4D[] = [];
      const memV: tf.Tensor4D[] = [];
      const selfK: tf.Tensor4D[] = [];
      const selfV: tf.Tensor4D[] = [];
      for (let i = 0; i < this.config.nDecoder; i++) {
        const [k, v] = this.keysValues(`decoder.${i}.cross.`, memory);
        memK.push(k);
        memV.push(v);
        selfK.push(tf.zeros([b, h, 0, c]) as tf.Tensor4D);
        selfV.push(tf.zeros([b, h, 0, c]) as tf.Tensor4D);
      }
      return { selfK, selfV, memK, memV, srcMask, position: 0 } as unknown as tf.TensorContainerObject;
    }) as unknown as Seq2SeqState;
  }

  /** One decoder step: tokens (b) at `state.position` -> log-probabilities (b, v) and the next state (the old one is left to the caller). */
  decodeStep(tokens: tf.Tensor1D, state: Seq2SeqState): { logProbs: tf.Tensor2D; state: Seq2SeqState } {
    const out = tf.tidy(() => {
      const [b] = tokens.shape;
      let x: tf.Tensor = this.embedAt(tf.reshape(tokens, [b, 1]) as tf.Tensor2D, state.position, EVAL); // (b, 1, d)
      const selfK: tf.Tensor4D[] = [];
      const selfV: tf.Tensor4D[] = [];
      for (let i = 0; i < this.config.nDecoder; i++) {
        const p = `decoder.${i}.`;
        const n = this.norm(x, `${p}self_norm.weight`);
        const [k1, v1] = this.keysValues(`${p}self.`, n); // (b, h, 1, c)
        const k = tf.concat([state.selfK[i], k1], 2) as tf.Tensor4D;
        const v = tf.concat([state.selfV[i], v1], 2) as tf.Tensor4D;
        selfK.push(k);
        selfV.push(v);
        x = tf.add(x, this.attend(`${p}self.`, n, k, v, null)); // the cache holds only the past: no mask
        x = tf.add(x, this.attend(`${p}cross.`, this.norm(x, `${p}cross_norm.weight`), state.memK[i], state.memV[i], state.srcMask));
        x = tf.add(x, this.mlp(`${p}mlp.`, this.norm(x, `${p}mlp_norm.weight`)));
      }
      const logits = tiedHead(this.norm(x, 'decoder.norm.weight'), this.p('embedding.weight') as tf.Tensor2D); // (b, 1, v)
      const logProbs = tf.logSoftmax(tf.reshape(logits, [b, this.config.vocabSize])) as tf.Tensor2D;
      // the encoder memory is carried over unchanged: keep the same tensors (tidy must not free them)
      return { logProbs, selfK, selfV };
    });
    return {
      logProbs: out.logProbs,
      state: { selfK: out.selfK, selfV: out.selfV, memK: state.memK, memV: state.memV, srcMask: state.srcMask, position: state.position + 1 },
    };
  }

  /** The state of rows `rows` (b') of `state` (b): beam search's reordering. */
  selectRows(state: Seq2SeqState, rows: tf.Tensor1D): Seq2SeqState {
    const pick = (t: tf.Tensor4D) => tf.gather(t, rows) as tf.Tensor4D;
    return tf.tidy(() => ({
      selfK: state.selfK.map(pick),
      selfV: state.selfV.map(pick),
      memK: state.memK.map(pick),
      memV: state.memV.map(pick),
      srcMask: pick(state.srcMask),
      position: state.position,
    }) as unknown as tf.TensorContainerObject) as unknown as Seq2SeqState;
  }

  dispose(): void {
    this.params.dispose();
  }
}

/** Free the tensors of a decoding state; `keepMemory` leaves the encoder memory and mask (shared by the next state). */
export function disposeSeq2SeqState(state: Seq2SeqState, keepMemory = false): void {
  tf.dispose([...state.selfK, ...state.selfV]);
  if (!keepMemory) tf.dispose([...state.memK, ...state.memV, state.srcMask]);
}
