/**
 * The four systems of the study, built at one size: the encoder-decoder Transformer and decoder-only
 * Mamba, each plain or with dropout. The size is the Transformer's (width, layers per stack); Mamba
 * gets the same width and the number of layers whose parameter count is closest to the Transformer's
 * (both tie their embedding and output tables, so the counts compare like with like).
 * Dropout: the Transformer's residual dropout (every sublayer output and the embeddings); Mamba's
 * variant of mamba.ts (the mixer output before the residual add and the SSM input), at the same rate.
 */
import * as tf from '../../kernels/tf.ts';
import { MambaLM, mambaConfig, type MambaConfig } from '../models/mamba.ts';
import { mambaParams } from '../models/param-count.ts';
import type { Rng } from '../models/rng.ts';
import { TransformerSeq2Seq, seq2seqConfig, seq2seqParams, type Seq2SeqConfig } from '../models/transformer-seq2seq.ts';
import { labelSmoothedCrossEntropy } from '../training/index.ts';
import { mambaDecoder, transformerDecoder, type IncrementalDecoder } from '../decoding/decoder.ts';
import { BOS, EOS, PAD, SEP } from '../text/bpe.ts';
import { decoderOnlyBatch, encoderDecoderBatch, type EncodedPair } from './batches.ts';

export const ARCHITECTURES = ['transformer', 'mamba'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];
export const VARIANTS = ['plain', 'dropout'] as const;
export type Variant = (typeof VARIANTS)[number];

export const SYSTEM_LABELS: Record<`${Architecture}-${Variant}`, string> = {
  'transformer-plain': 'Transformer',
  'transformer-dropout': 'Transformer + residual dropout',
  'mamba-plain': 'Mamba',
  'mamba-dropout': 'Mamba + dropout',
};

export interface SizeSpec {
  dModel: number;
  /** Encoder layers = decoder layers of the Transformer. */
  layers: number;
  nHead: number;
  mlpRatio: number;
}

export function transformerConfigFor(size: SizeSpec, vocabSize: number, dropout: number): Seq2SeqConfig {
  return seq2seqConfig({ vocabSize, dModel: size.dModel, nEncoder: size.layers, nDecoder: size.layers, nHead: size.nHead, mlpRatio: size.mlpRatio, dropout, padId: PAD });
}

/** Mamba at the Transformer's width with the layer count closest in parameters (ties: fewer layers). */
export function mambaConfigFor(size: SizeSpec, vocabSize: number, dropout: number): MambaConfig {
  const target = seq2seqParams(transformerConfigFor(size, vocabSize, 0));
  const make = (nLayer: number) => mambaConfig({ vocabSize, dModel: size.dModel, nLayer, dropout: { p: dropout, mixerOutput: true, ssmInput: true } });
  let best = 1;
  for (let n = 1; n <= 64; n++) if (Math.abs(mambaParams(make(n)) - target) < Math.abs(mambaParams(make(best)) - target)) best = n;
  return make(best);
}

export interface System {
  params: TransformerSeq2Seq['params'];
  parameters: number;
  /** Layers (Transformer: per stack). */
  layers: number;
  /** Label-smoothed training loss of a batch (dropout active through `rng`). */
  loss(batch: readonly EncodedPair[], rng: Rng, smoothing: number): tf.Scalar;
  decoder: IncrementalDecoder<unknown>;
  dispose(): void;
}

/**
 * Loss over the counted positions only: the logits' rows are gathered first, so padding and the source
 * cost no softmax. For Mamba, whose forward returns the whole (b, l, v) grid; the Transformer gathers
 * its states before the head instead (TransformerSeq2Seq.forwardAt), a gather of (n, d) not (n, v).
 */
function gatheredLoss(logits: tf.Tensor3D, targets: Int32Array, lossRows: Int32Array, smoothing: number): tf.Scalar {
  const [b, l, v] = logits.shape;
  const rows = tf.tensor1d(lossRows, 'int32');
  const picked = tf.gather(tf.reshape(logits, [b * l, v]), rows) as tf.Tensor2D; // (n, v)
  const y = tf.gather(tf.tensor1d(targets, 'int32'), rows) as tf.Tensor1D; // (n)
  return labelSmoothedCrossEntropy(picked, y, smoothing);
}

export function buildSystem(arch: Architecture, size: SizeSpec, vocabSize: number, dropout: number, seed: number): System {
  if (arch === 'transformer') {
    const config = transformerConfigFor(size, vocabSize, dropout);
    const model = new TransformerSeq2Seq(config, seed);
    return {
      params: model.params,
      parameters: model.params.count(),
      layers: size.layers,
      loss(batch, rng, smoothing) {
        const laid = encoderDecoderBatch(batch);
        const src = tf.tensor2d(laid.source!.data, laid.source!.shape, 'int32');
        const tgtIn = tf.tensor2d(laid.inputs.data, laid.inputs.shape, 'int32');
        const rows = tf.tensor1d(laid.lossRows, 'int32'); // (n)
        const logits = model.forwardAt(src, tgtIn, rows, { training: true, rng }); // (n, v)
        const y = tf.gather(tf.tensor1d(laid.targets.data, 'int32'), rows) as tf.Tensor1D; // (n)
        return labelSmoothedCrossEntropy(logits, y, smoothing);
      },
      decoder: transformerDecoder(model, { bos: BOS, eos: EOS, pad: PAD }) as IncrementalDecoder<unknown>,
      dispose: () => model.dispose(),
    };
  }
  const config = mambaConfigFor(size, vocabSize, dropout);
  const model = new MambaLM(config, seed);
  return {
    params: model.params,
    parameters: model.params.count(),
    layers: config.nLayer,
    loss(batch, rng, smoothing) {
      const laid = decoderOnlyBatch(batch);
      const inputs = tf.tensor2d(laid.inputs.data, laid.inputs.shape, 'int32');
      const logits = model.forward(inputs, { training: true, rng }); // (b, l, v)
      return gatheredLoss(logits, laid.targets.data, laid.lossRows, smoothing);
    },
    decoder: mambaDecoder(model, { sep: SEP, pad: PAD }) as IncrementalDecoder<unknown>,
    dispose: () => model.dispose(),
  };
}
