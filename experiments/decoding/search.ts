/**
 * Batched greedy and beam search over any model that decodes one token at a time from a state
 * (decoder.ts): the Transformer with its key/value cache, Mamba with its recurrent state. Token choice
 * happens on the host: each step reads back only the chosen ids (greedy, b numbers) or the 2k best
 * candidates per sentence (beam, b x 2k), with `await t.data()` so it runs on asynchronous backends.
 *
 * Beam search follows fairseq's SequenceGenerator: k live hypotheses per sentence; each step takes the
 * 2k best extensions over all k beams; an extension ending in <eos> among the first k candidates is
 * finished with the score (sum of log-probabilities, <eos> included) / length^alpha (length counted
 * with the <eos>), the first k others continue; a sentence is done when k hypotheses have finished or
 * its length limit is reached (its live beams are then finished as they stand). The best finished
 * hypothesis by normalised score wins (the first found on ties).
 */
import * as tf from '../../kernels/tf.ts';
import type { IncrementalDecoder } from './decoder.ts';

export interface SearchOptions {
  eos: number;
  /** Longest output (tokens, <eos> excluded) for a source of `sourceLength` tokens. */
  maxLength: (sourceLength: number) => number;
}

export interface BeamOptions extends SearchOptions {
  beam: number;
  /** alpha of score / length^alpha; 1 is fairseq's default, 0 the raw sum. */
  lengthPenalty: number;
}

const NEG = -1e9;

/** Free the tensors of `old` that `next` does not reuse. */
function release<S>(decoder: IncrementalDecoder<S>, old: S, next: S): void {
  const keep = new Set(decoder.tensors(next).map((t) => t.id));
  tf.dispose(decoder.tensors(old).filter((t) => !keep.has(t.id)));
}

/** Greedy decoding of a batch of token-id sources: the arg-max token at every step, up to <eos> or the length limit. */
export async function greedySearch<S>(decoder: IncrementalDecoder<S>, sources: readonly (readonly number[])[], opts: SearchOptions): Promise<number[][]> {
  const limits = sources.map((s) => opts.maxLength(s.length));
  const outputs: number[][] = sources.map(() => []);
  const done = limits.map((l) => l <= 0);
  let { state, logProbs } = decoder.start(sources);
  try {
    for (let t = 0; done.some((d) => !d); t++) {
      const next = tf.tidy(() => tf.cast(tf.argMax(logProbs, -1), 'int32')) as tf.Tensor1D; // (b)
      logProbs.dispose();
      const ids = await next.data();
      for (let i = 0; i < sources.length; i++) {
        if (done[i]) continue;
        if (ids[i] === opts.eos) done[i] = true;
        else {
          outputs[i].push(ids[i]);
          if (outputs[i].length >= limits[i]) done[i] = true;
        }
      }
      if (done.every((d) => d)) {
        next.dispose();
        logProbs = tf.zeros([0, 0]);
        break;
      }
      const r = decoder.step(next, state);
      next.dispose();
      release(decoder, state, r.state);
      state = r.state;
      logProbs = r.logProbs;
    }
  } finally {
    logProbs.dispose();
    tf.dispose(decoder.tensors(state));
  }
  return outputs;
}

interface Finished {
  tokens: number[];
  score: number;
}

/** Beam search (see the module comment) of a batch of sources; returns the best hypothesis per source. */
export async function beamSearch<S>(decoder: IncrementalDecoder<S>, sources: readonly (readonly number[])[], opts: BeamOptions): Promise<number[][]> {
  const k = opts.beam;
  if (!Number.isInteger(k) || k < 1) throw new Error(`beam search: beam ${k} is not a positive integer`);
  const b = sources.length;
  const limits = sources.map((s) => Math.max(1, opts.maxLength(s.length)));
  const norm = (score: number, length: number) => score / length ** opts.lengthPenalty;
  // host-side beams: per sentence k token histories and their summed log-probabilities
  let histories: number[][][] = sources.map(() => Array.from({ length: k }, () => []));
  let scores: number[] = sources.flatMap(() => Array.from({ length: k }, (_, j) => (j === 0 ? 0 : NEG))); // (b k): only beam 0 starts live
  const finished: Finished[][] = sources.map(() => []);
  const done = new Array<boolean>(b).fill(false);

  const started = decoder.start(sources);
  const expand = tf.tensor1d(Array.from({ length: b * k }, (_, r) => Math.floor(r / k)), 'int32');
  let state = decoder.select(started.state, expand);
  release(decoder, started.state, state);
  let logProbs = tf.gather(started.logProbs, expand) as tf.Tensor2D; // (b k, v)
  started.logProbs.dispose();
  expand.dispose();
  const v = logProbs.shape[1];
  try {
    for (let t = 0; !done.every((d) => d); t++) {
      const [topValues, topIndices] = tf.tidy(() => {
        const total = tf.add(logProbs, tf.tensor2d(scores, [b * k, 1])); // (b k, v)
        const { values, indices } = tf.topk(tf.reshape(total, [b, k * v]), 2 * k); // (b, 2k) each
        return [values, indices];
      });
      logProbs.dispose();
      const [vals, idxs] = await Promise.all([topValues.data(), topIndices.data()]);
      tf.dispose([topValues, topIndices]);
      const parents: number[] = [];
      const tokens: number[] = [];
      const nextScores: number[] = [];
      const nextHistories: number[][][] = [];
      for (let i = 0; i < b; i++) {
        const beams: number[][] = [];
        if (!done[i]) {
          for (let c = 0; c < 2 * k && beams.length < k; c++) {
            const score = vals[i * 2 * k + c];
            if (score <= NEG / 2) break;
            const flat = idxs[i * 2 * k + c];
            const beam = Math.floor(flat / v);
            const token = flat % v;
            const history = histories[i][beam];
            if (token === opts.eos) {
              if (c < k) finished[i].push({ tokens: history, score: norm(score, history.length + 1) });
              continue;
            }
            beams.push([...history, token]);
            parents.push(i * k + beam);
            tokens.push(token);
            nextScores.push(score);
          }
          if (finished[i].length >= k) done[i] = true;
          else if (t + 1 >= limits[i]) {
            // length limit: the live beams finish as they stand
            beams.forEach((h, j) => finished[i].push({ tokens: h, score: norm(nextScores[nextScores.length - beams.length + j], h.length) }));
            done[i] = true;
          }
        }
        // keep k rows per sentence: finished or short sentences get dead rows (score NEG)
        while (beams.length < k) {
          beams.push([]);
          parents.push(i * k);
          tokens.push(opts.eos);
          nextScores.push(NEG);
        }
        if (done[i]) for (let j = nextScores.length - k; j < nextScores.length; j++) nextScores[j] = NEG;
        nextHistories.push(beams);
      }
      histories = nextHistories;
      scores = nextScores;
      if (done.every((d) => d)) {
        logProbs = tf.zeros([0, 0]);
        break;
      }
      const rows = tf.tensor1d(parents, 'int32');
      const chosen = decoder.select(state, rows);
      rows.dispose();
      release(decoder, state, chosen);
      state = chosen;
      const tokenTensor = tf.tensor1d(tokens, 'int32');
      const r = decoder.step(tokenTensor, state);
      tokenTensor.dispose();
      release(decoder, state, r.state);
      state = r.state;
      logProbs = r.logProbs;
    }
  } finally {
    logProbs.dispose();
    tf.dispose(decoder.tensors(state));
  }
  return finished.map((list) => {
    let best = list[0];
    for (const f of list) if (f.score > best.score) best = f;
    return best ? best.tokens : [];
  });
}
