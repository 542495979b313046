/**
 * What search.ts needs from a model that translates one token at a time, and the two adapters:
 * - the encoder-decoder Transformer: the encoder runs once, each step extends a key/value cache;
 * - decoder-only Mamba over "source <sep> target": the prompt (source, then <sep>) is fed through the
 *   recurrent step, then each target token; the state is the same size at every step (constant memory
 *   per token). Sources of different lengths are fed right-aligned: a row whose prompt has not begun
 *   keeps its zero state (the step's result is discarded for it), so every row reaches <sep> at the
 *   same step and exactly its own tokens have entered its state.
 * Every state is a set of tensors with the batch on axis 0, so beam search reorders rows by gathering.
 */
import * as tf from '../../kernels/tf.ts';
import { disposeState, type MambaLM, type MambaState } from '../models/mamba.ts';
import type { Seq2SeqState, TransformerSeq2Seq } from '../models/transformer-seq2seq.ts';

export interface IncrementalDecoder<S> {
  /** Read the sources (b rows of token ids, no specials); the state and log-probabilities (b, v) of the first target token. */
  start(sources: readonly (readonly number[])[]): { state: S; logProbs: tf.Tensor2D };
  /** Feed one token per row (b): the log-probabilities of the next token and the new state (the old one stays the caller's). */
  step(tokens: tf.Tensor1D, state: S): { state: S; logProbs: tf.Tensor2D };
  /** Rows `rows` of the state, in that order (b'). */
  select(state: S, rows: tf.Tensor1D): S;
  /** Every tensor the state holds (for freeing what a new state no longer shares). */
  tensors(state: S): tf.Tensor[];
}

/** Right-pad rows to one length with `pad`: (b, l) int32. */
export function padRows(rows: readonly (readonly number[])[], pad: number): tf.Tensor2D {
  const l = Math.max(1, ...rows.map((r) => r.length));
  const flat = new Int32Array(rows.length * l).fill(pad);
  rows.forEach((r, i) => flat.set(r, i * l));
  return tf.tensor2d(flat, [rows.length, l], 'int32');
}

export function transformerDecoder(model: TransformerSeq2Seq, ids: { bos: number; eos: number; pad: number }): IncrementalDecoder<Seq2SeqState> {
  const dec: IncrementalDecoder<Seq2SeqState> = {
    start(sources) {
      const src = padRows(sources.map((s) => [...s, ids.eos]), ids.pad); // (b, s): fairseq ends every source with <eos>
      const state0 = model.startDecoding(src);
      src.dispose();
      const bos = tf.fill([sources.length], ids.bos, 'int32') as tf.Tensor1D;
      const r = model.decodeStep(bos, state0);
      bos.dispose();
      tf.dispose([...state0.selfK, ...state0.selfV]);
      return r;
    },
    step: (tokens, state) => model.decodeStep(tokens, state),
    select: (state, rows) => model.selectRows(state, rows),
    tensors: (s) => [...s.selfK, ...s.selfV, ...s.memK, ...s.memV, s.srcMask],
  };
  return dec;
}

export function mambaDecoder(model: MambaLM, ids: { sep: number; pad: number }): IncrementalDecoder<MambaState> {
  const stepLogProbs = (tokens: tf.Tensor1D, state: MambaState) => {
    const r = model.step(tokens, state);
    const logProbs = tf.logSoftmax(r.logits) as tf.Tensor2D;
    r.logits.dispose();
    return { state: r.state, logProbs };
  };
  return {
    start(sources) {
      const prompts = sources.map((s) => [...s, ids.sep]);
      const b = prompts.length;
      const width = Math.max(...prompts.map((p) => p.length));
      let state = model.initialState(b);
      let logProbs: tf.Tensor2D | null = null;
      for (let t = 0; t < width; t++) {
        const tokens = new Int32Array(b).fill(ids.pad);
        const active = new Float32Array(b);
        prompts.forEach((p, i) => {
          const j = t - (width - p.length);
          if (j >= 0) {
            tokens[i] = p[j];
            active[i] = 1;
          }
        });
        const tokenTensor = tf.tensor1d(tokens, 'int32');
        const r = model.step(tokenTensor, state);
        tokenTensor.dispose();
        let next = r.state;
        if (active.some((a) => a === 0)) {
          // rows whose prompt has not started keep their (zero) state
          const keep = tf.tensor3d(active, [b, 1, 1]);
          const mix = (n: tf.Tensor3D, o: tf.Tensor3D) => tf.tidy(() => tf.add(tf.mul(n, keep), tf.mul(o, tf.sub(1, keep)))) as tf.Tensor3D;
          const mixed = { conv: r.state.conv.map((c, i) => mix(c, state.conv[i])), ssm: r.state.ssm.map((s, i) => mix(s, state.ssm[i])) };
          disposeState(r.state);
          keep.dispose();
          next = mixed;
        }
        disposeState(state);
        state = next;
        if (t === width - 1) logProbs = tf.logSoftmax(r.logits) as tf.Tensor2D;
        r.logits.dispose();
      }
      return { state, logProbs: logProbs! };
    },
    step: stepLogProbs,
    select: (state, rows) => tf.tidy(() => ({ conv: state.conv.map((c) => tf.gather(c, rows)), ssm: state.ssm.map((s) => tf.gather(s, rows)) }) as unknown as tf.TensorContainerObject) as unknown as MambaState,
    tensors: (s) => [...s.conv, ...s.ssm],
  };
}
