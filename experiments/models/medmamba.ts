/**
 * MedMamba (Yue & Li 2024, arXiv 2403.03849), as the VSSM of YubiaoYue/MedMamba's MedMamba.py:
 * a vision Mamba of SS-Conv-SSM blocks whose SSM branch scans the image in four directions.
 *
 * Layout: channels-last tensors (b, h, w, c) throughout; four stages; no absolute position
 * embedding; no dropout besides drop-path. Dimension letters: b batch, h w the token grid,
 * l = h * w, c a stage's width, m = c / 2 (each branch's width), e = 2m (d_inner of SS2D),
 * n = d_state, r = dt_rank = ceil(m / 16), k = 4 directions.
 *
 * - PatchEmbed2D: conv 4x4 stride 4 (in -> c0, bias), then LayerNorm(c0): side / 4 tokens a side.
 * - Stage i: depth_i SS-Conv-SSM blocks of width c_i, then (stages 0-2) PatchMerging2D: concatenate
 *   the four strided sub-grids x[0::2, 0::2], x[1::2, 0::2], x[0::2, 1::2], x[1::2, 1::2] (4c),
 *   LayerNorm(4c), Linear(4c -> 2c, no bias): half the side, twice the width.
 * - Head: (no final norm) mean over the tokens, Linear(c3 -> classes, bias).
 * - SS-Conv-SSM(c), input x (b, h, w, c): split the channels into left = x[..., :m] and right =
 *   x[..., m:]. Right (SSM branch): LayerNorm(m) -> SS2D(m) -> drop-path. Left (conv branch):
 *   BN -> conv3x3 -> BN -> ReLU -> conv3x3 -> BN -> ReLU -> conv1x1 -> ReLU (convs m -> m, bias).
 *   Concatenate [left, right], shuffle channels with 2 groups (output channel 2i = left_i,
 *   2i + 1 = right_i), add x.
 * - SS2D(m): in_proj Linear(m -> 2e, no bias) gives (x, z); x -> depthwise conv3x3 (bias) -> SiLU.
 *   Four sequences of length l: k0 row-major, k1 column-major, k2 = k0 reversed, k3 = k1 reversed.
 *   Each direction has its own x_proj (e -> r + 2n, no bias), dt_proj (r -> e, bias), A_log (e, n)
 *   and D (e): [dt, B, C] = x_proj_k(seq_k), Delta = dt_proj_k.weight dt (its bias goes to the scan
 *   as deltaBias, with softplus), A = -exp(A_log). ONE selective scan runs over the 4e channels of
 *   the four directions stacked, B and C in the scan's grouped layout (b, 4, n, l), no z. The four
 *   outputs are mapped back to row-major order and summed, then LayerNorm(e) (out_norm), times
 *   SiLU(z) (the gate sits after the norm, outside the scan, unlike Mamba's), out_proj Linear(e -> m).
 * - Defaults: n 16, conv 3, expand 2, dt in [1e-3, 0.1] floored at 1e-4, LayerNorm eps 1e-5, BN eps
 *   1e-5 momentum 0.1, drop-path rates linspace(0, 0.1, sum(depths)) block by block.
 * - Variants: T depths [2, 2, 4, 2] dims [96, 192, 384, 768]; S depths [2, 2, 8, 2], same dims;
 *   B depths [2, 2, 12, 2] dims [128, 256, 512, 1024]. Trainable parameters (batch-norm running
 *   statistics excluded): T 14,454,146 with 2 classes and 15,221,608 with 1000; S 18,622,082 / 19,389,544;
 *   B 39,860,738 / 40,883,688.
 * - Initialisation (VSSM._init_weights): every nn.Linear (in_proj, out_proj, patch-merging reduction,
 *   head) truncated normal std 0.02 with bias 0; LayerNorm weight 1 bias 0; every conv weight
 *   (patch embed, depthwise, conv branch) kaiming normal (fan_out, relu), conv biases PyTorch's
 *   default U(+-1/sqrt(fan_in)); x_proj keeps nn.Linear's default U(+-1/sqrt(e)); dt_proj weight
 *   U(+-r^-0.5), bias softplus^-1 of a log-uniform dt; A_log = log(1..n) per channel; D = 1;
 *   BN weight 1 bias 0.
 * - Input: the side must be a multiple of 32 (the 4x4 patches and three halvings); other sides are
 *   zero-padded symmetrically to the next multiple (`medmambaPadding` says by how much, for captions).
 */
import * as tf from '../../kernels/tf.ts';
import { selectiveScan, type ScanImpl } from '../../kernels/index.ts';
import { addBatchNorm, type ImageClassifier } from './image-classifier.ts';
import { kaimingNormalFanOut, truncNormal } from './image-init.ts';
import { batchNorm, channelShuffle2, conv2d, depthwiseConv2dSame, dropPath, globalAvgPool, layerNorm, type BatchNormVars } from './image-layers.ts';
import { constant, dtBias, kaimingUniform, s4dRealALog, uniform } from './init.ts';
import { linear, silu } from './layers.ts';
import { EVAL, type ForwardMode } from './language-model.ts';
import { ParamStore } from './params.ts';
import { Rng } from './rng.ts';

export interface MedMambaConfig {
  inChans: number;
  numClasses: number;
  /** Blocks per stage (four stages). */
  depths: readonly [number, number, number, number];
  /** Width per stage; each even (the block splits it in halves). */
  dims: readonly [number, number, number, number];
  patchSize: number;
  /** n, the SSM state size. */
  dState: number;
  /** Side of SS2D's depthwise convolution. */
  dConv: number;
  /** e = expand * m. */
  expand: number;
  dtMin: number;
  dtMax: number;
  dtInitFloor: number;
  /** The last block's drop-path rate; block j of J gets dropPathRate * j / (J - 1). */
  dropPathRate: number;
  normEps: number;
  scanImpl: ScanImpl;
}

export const MEDMAMBA_DEFAULTS: Omit<MedMambaConfig, 'numClasses' | 'depths' | 'dims'> = {
  inChans: 3,
  patchSize: 4,
  dState: 16,
  dConv: 3,
  expand: 2,
  dtMin: 1e-3,
  dtMax: 0.1,
  dtInitFloor: 1e-4,
  dropPathRate: 0.1,
  normEps: 1e-5,
  scanImpl: 'auto',
};

type Sizes = Pick<MedMambaConfig, 'depths' | 'dims'>;

export const MEDMAMBA_VARIANTS = {
  T: { depths: [2, 2, 4, 2], dims: [96, 192, 384, 768] },
  S: { depths: [2, 2, 8, 2], dims: [96, 192, 384, 768] },
  B: { depths: [2, 2, 12, 2], dims: [128, 256, 512, 1024] },
  /**
   * The local profile's model (not in the original): the same four-stage layout at 1/6 of T's width
   * and a quarter of its depth, about 0.27M weights with 10 classes: Fashion-MNIST at 32x32 on a CPU.
   */
  small: { depths: [1, 1, 2, 1], dims: [16, 32, 64, 128] },
} as const satisfies Record<string, Sizes>;

export type MedMambaVariant = keyof typeof MEDMAMBA_VARIANTS;

export type MedMambaOverrides = Partial<Omit<MedMambaConfig, 'numClasses'>> & Pick<MedMambaConfig, 'numClasses'> & { variant?: MedMambaVariant };

/** A configuration: a variant's sizes (default T) with the defaults, then any overrides. */
export function medmambaConfig(overrides: MedMambaOverrides): MedMambaConfig {
  const { variant = 'T', ...rest } = overrides;
  const config: MedMambaConfig = { ...MEDMAMBA_DEFAULTS, ...MEDMAMBA_VARIANTS[variant], ...rest };
  for (const d of config.dims) if (d % 2 !== 0 || d <= 0) throw new Error(`medmambaConfig: every stage width must be positive and even, got dims ${config.dims}`);
  return config;
}

/** SS2D's sizes for a block of width c: m = c / 2 (its d_model), e, n, r. */
export function ss2dDims(c: MedMambaConfig, width: number): { m: number; e: number; n: number; r: number } {
  const m = width / 2;
  return { m, e: c.expand * m, n: c.dState, r: Math.ceil(m / 16) };
}

/** How far inputs are zero-padded: the side times 4 patches times 8 for three halvings. */
export const MEDMAMBA_SIDE_MULTIPLE = 32;

export interface Padding {
  top: number;
  bottom: number;
  left: number;
  right: number;
  /** The padded size the model sees. */
  height: number;
  width: number;
}

/**
 * The symmetric zero padding that brings an h x w input to the next multiple of `multiple` a side
 * (an odd remainder puts the extra row at the bottom, the extra column at the right). 28 x 28
 * Fashion-MNIST gets 2 pixels on every side: 32 x 32.
 */
export function medmambaPadding(height: number, width: number, multiple = MEDMAMBA_SIDE_MULTIPLE): Padding {
  if (!(height > 0 && width > 0)) throw new Error(`medmambaPadding: image size must be positive, got ${height} x ${width}`);
  const up = (s: number) => Math.ceil(s / multiple) * multiple;
  const [ph, pw] = [up(height) - height, up(width) - width];
  return { top: Math.floor(ph / 2), bottom: ph - Math.floor(ph / 2), left: Math.floor(pw / 2), right: pw - Math.floor(pw / 2), height: up(height), width: up(width) };
}

/**
 * The padding in words, for captions: "28x28 inputs are zero-padded to 32x32 (2 pixels top, 2 bottom,
 * 2 left, 2 right)", or "32x32 inputs are used as they are (no padding)".
 */
export function describePadding(height: number, width: number, multiple = MEDMAMBA_SIDE_MULTIPLE): string {
  const p = medmambaPadding(height, width, multiple);
  if (p.height === height && p.width === width) return `${height}x${width} inputs are used as they are (no padding)`;
  return `${height}x${width} inputs are zero-padded to ${p.height}x${p.width} (${p.top} pixels top, ${p.bottom} bottom, ${p.left} left, ${p.right} right)`;
}

/** Drop-path rate of every block, stage by stage: linspace(0, rate, sum(depths)). */
export function dropPathRates(c: Pick<MedMambaConfig, 'depths' | 'dropPathRate'>): number[][] {
  const total = c.depths.reduce((a, b) => a + b, 0);
  const all = Array.from({ length: total }, (_, j) => (total === 1 ? 0 : (c.dropPathRate * j) / (total - 1)));
  const out: number[][] = [];
  let at = 0;
  for (const d of c.depths) {
    out.push(all.slice(at, at + d));
    at += d;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The four-direction scan

/** One SS2D's per-direction SSM weights, the four directions stacked on the first axis. */
export interface DirectionWeights {
  xProj: tf.Tensor3D; // (4, e, r + 2n)
  dtProjWeight: tf.Tensor3D; // (4, r, e)
  dtProjBias: tf.Tensor2D; // (4, e)
  ALog: tf.Tensor2D; // (4e, n)
  D: tf.Tensor1D; // (4e)
}

/**
 * Source position of step t of each direction's sequence over an h x w grid, as row-major indices:
 * k0 t; k1 column-major, t = j h + i -> i w + j; k2 and k3 the same read backwards. (4, l)
 */
export function directionOrder(h: number, w: number): Int32Array[] {
  const l = h * w;
  const k0 = Int32Array.from({ length: l }, (_, t) => t);
  const k1 = Int32Array.from({ length: l }, (_, t) => (t % h) * w + Math.floor(t / h));
  return [k0, k1, k0.slice().reverse(), k1.slice().reverse()];
}

/**
 * Grids up to this many tokens reorder by one product with a 0/1 permutation matrix (4l x l):
 * exact, and on the wasm backend far cheaper at these sizes than its Reverse kernel (about 200 ns
 * an element); larger grids, where the product's l^2 cost would dominate, use transposes and Reverse.
 */
export const PERMUTATION_MATMUL_MAX_TOKENS = 256;

/** P (4l, l) with P[k l + t, directionOrder[k][t]] = 1. */
function permutationMatrix(h: number, w: number): tf.Tensor2D {
  const l = h * w;
  const p = new Float32Array(4 * l * l);
  directionOrder(h, w).forEach((order, k) => order.forEach((src, t) => (p[(k * l + t) * l + src] = 1)));
  return tf.tensor2d(p, [4 * l, l]);
}

/** The four scan orders of a (b, h, w, e) grid, stacked: (4, b, l, e). */
export function directionSequences(x: tf.Tensor4D, viaMatmul = x.shape[1] * x.shape[2] <= PERMUTATION_MATMUL_MAX_TOKENS): tf.Tensor4D {
  const [b, h, w, e] = x.shape;
  const l = h * w;
  if (viaMatmul) {
    const cols = tf.reshape(tf.transpose(tf.reshape(x, [b, l, e]), [1, 0, 2]), [l, b * e]); // (l, b e)
    const seqs = tf.matMul(permutationMatrix(h, w), cols as tf.Tensor2D); // (4l, b e)
    return tf.transpose(tf.reshape(seqs, [4, l, b, e]), [0, 2, 1, 3]) as tf.Tensor4D; // (4, b, l, e)
  }
  const rowMajor = tf.reshape(x, [b, l, e]); // k0: (b, l, e)
  const colMajor = tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [b, l, e]); // k1: (b, l, e)
  return tf.stack([rowMajor, colMajor, tf.reverse(rowMajor, 1), tf.reverse(colMajor, 1)]) as tf.Tensor4D;
}

/**
 * The inverse of `directionSequences`, summed: four outputs (4, b, l, e) in their scan orders ->
 * one (b, h, w, e) grid, y0 + y1 + y2 + y3 each back in row-major order. With the permutation
 * matrix, P^T does the inverse reordering and the sum in one product.
 */
export function mergeDirections(ys: tf.Tensor4D, h: number, w: number, viaMatmul = h * w <= PERMUTATION_MATMUL_MAX_TOKENS): tf.Tensor4D {
  const [, b, , e] = ys.shape;
  const l = h * w;
  if (viaMatmul) {
    const rows = tf.reshape(tf.transpose(ys, [0, 2, 1, 3]), [4 * l, b * e]); // (4l, b e)
    const grid = tf.matMul(permutationMatrix(h, w), rows as tf.Tensor2D, true, false); // (l, b e)
    return tf.reshape(tf.transpose(tf.reshape(grid, [l, b, e]), [1, 0, 2]), [b, h, w, e]) as tf.Tensor4D;
  }
  const [y0, y1, y2, y3] = tf.unstack(ys) as tf.Tensor3D[]; // (b, l, e) each
  const rows = tf.add(y0, tf.reverse(y2, 1)); // row-major order
  const cols = tf.add(y1, tf.reverse(y3, 1)); // column-major order: index j h + i
  const colsAsGrid = tf.transpose(tf.reshape(cols, [b, w, h, e]), [0, 2, 1, 3]); // (b, h, w, e)
  return tf.add(tf.reshape(rows, [b, h, w, e]), colsAsGrid) as tf.Tensor4D;
}

/** How SS2D runs its four directions: one scan over the stacked 4e channels, or four scans. */
export type DirectionScan = 'stacked' | 'separate';

/**
 * The SSM core of SS2D: for x (b, h, w, e) after the depthwise conv and SiLU, the four directions'
 * selective scans, mapped back and summed: (b, h, w, e). 'stacked' is MedMamba's single call over
 * 4e channels; 'separate' runs one call per direction (the same numbers; tests and benchmarks
 * compare the two).
 */
export function ss2dScan(x: tf.Tensor4D, wts: DirectionWeights, options: { scan?: DirectionScan; impl?: ScanImpl } = {}): tf.Tensor4D {
  const [b, h, w, e] = x.shape;
  const l = h * w;
  const n = wts.ALog.shape[1];
  const r = wts.dtProjWeight.shape[1];
  const seqs = directionSequences(x); // (4, b, l, e)
  const flat = tf.reshape(seqs, [4, b * l, e]); // (4, b l, e)
  // x_proj's three parts as three products with column slices of its weight, not one product split
  // afterwards: slicing the small weight is cheap where splitting (and, backwards, concatenating) the
  // (4, b l, r + 2n) activation along its last axis is not. The same numbers either way.
  const project = (from: number, size: number) => tf.matMul(flat, tf.slice(wts.xProj, [0, 0, from], [4, e, size])); // (4, b l, size)
  const dt = project(0, r); // (4, b l, r)
  const B = project(r, n); // (4, b l, n)
  const C = project(r + n, n); // (4, b l, n)
  const delta = tf.matMul(dt, wts.dtProjWeight); // (4, b l, e); bias added in the scan
  // Channels first, directions outermost: (4, b, l, c) -> (b, 4, c, l).
  const toScan = (t: tf.Tensor, c: number) => tf.transpose(tf.reshape(t, [4, b, l, c]), [1, 0, 3, 2]);
  const u = toScan(seqs, e); // (b, 4, e, l)
  const dl = toScan(delta, e); // (b, 4, e, l)
  const Bs = toScan(B, n); // (b, 4, n, l)
  const Cs = toScan(C, n); // (b, 4, n, l)
  const A = tf.neg(tf.exp(wts.ALog)); // (4e, n)
  const deltaBias = tf.reshape(wts.dtProjBias, [4 * e]); // (4e)
  let y: tf.Tensor; // (b, 4, e, l)
  if ((options.scan ?? 'stacked') === 'stacked') {
    const out = selectiveScan(
      {
        u: tf.reshape(u, [b, 4 * e, l]), // (b, 4e, l)
        delta: tf.reshape(dl, [b, 4 * e, l]), // (b, 4e, l)
        A,
        B: Bs, // grouped: channels [k e, (k + 1) e) read group k
        C: Cs,
        D: wts.D,
        deltaBias,
        deltaSoftplus: true,
      },
      { impl: options.impl },
    );
    y = tf.reshape(out.y, [b, 4, e, l]);
  } else {
    const part = (t: tf.Tensor, k: number) => tf.squeeze(tf.slice(t, [0, k, 0, 0], [b, 1, -1, l]), [1]); // (b, c, l)
    const rows = (t: tf.Tensor, k: number) => tf.slice(t, [k * e], [e]); // rows of direction k
    const ys = [0, 1, 2, 3].map(
      (k) =>
        selectiveScan(
          {
            u: part(u, k), // (b, e, l)
            delta: part(dl, k), // (b, e, l)
            A: tf.slice(A, [k * e, 0], [e, n]), // (e, n)
            B: part(Bs, k), // (b, n, l)
            C: part(Cs, k), // (b, n, l)
            D: rows(wts.D, k),
            deltaBias: rows(deltaBias, k),
            deltaSoftplus: true,
          },
          { impl: options.impl },
        ).y,
    );
    y = tf.stack(ys, 1); // (b, 4, e, l)
  }
  return mergeDirections(tf.transpose(y, [1, 0, 3, 2]) as tf.Tensor4D, h, w); // (4, b, l, e) -> (b, h, w, e)
}

// ---------------------------------------------------------------------------------------------
// The model

export class MedMamba implements ImageClassifier {
  readonly config: MedMambaConfig;
  readonly params = new ParamStore();
  readonly buffers = new ParamStore();
  private readonly bn = new Map<string, BatchNormVars>();
  private readonly dropRates: number[][];

  constructor(config: MedMambaConfig, seed: number) {
    this.config = config;
    this.dropRates = dropPathRates(config);
    const rng = new Rng(seed);
    const ps = this.params;
    const { inChans, patchSize: p, dims, depths, numClasses } = config;
    const c0 = dims[0];
    const convBias = (name: string, co: number, fanIn: number) => ps.add(name, [co], kaimingUniform([co], fanIn, rng.fork()));
    const linearW = (name: string, i: number, o: number) => ps.add(name, [i, o], truncNormal([i, o], 0.02, rng.fork()));
    const norm = (name: string, c: number) => {
      ps.add(`${name}.weight`, [c], constant([c], 1));
      ps.add(`${name}.bias`, [c], constant([c], 0));
    };

    ps.add('patch_embed.proj.weight', [p, p, inChans, c0], kaimingNormalFanOut([p, p, inChans, c0], c0 * p * p, rng.fork()));
    convBias('patch_embed.proj.bias', c0, inChans * p * p);
    norm('patch_embed.norm', c0);
    for (let i = 0; i < 4; i++) {
      const c = dims[i];
      for (let j = 0; j < depths[i]; j++) {
        const blk = `layers.${i}.blocks.${j}.`;
        const { m, e, n, r } = ss2dDims(config, c);
        norm(`${blk}ln_1`, m);
        const sa = `${blk}self_attention.`;
        linearW(`${sa}in_proj.weight`, m, 2 * e);
        const k = config.dConv;
        ps.add(`${sa}conv2d.weight`, [k, k, e, 1], kaimingNormalFanOut([k, k, e, 1], e * k * k, rng.fork()));
        convBias(`${sa}conv2d.bias`, e, k * k);
        ps.add(`${sa}x_proj_weight`, [4, e, r + 2 * n], kaimingUniform([4, e, r + 2 * n], e, rng.fork()));
        ps.add(`${sa}dt_projs_weight`, [4, r, e], uniform([4, r, e], r ** -0.5, rng.fork()));
        const dtInit = { dtMin: config.dtMin, dtMax: config.dtMax, floor: config.dtInitFloor };
        ps.add(`${sa}dt_projs_bias`, [4, e], dtBias(4 * e, rng.fork(), dtInit));
        ps.add(`${sa}A_logs`, [4 * e, n], s4dRealALog(4 * e, n));
        ps.add(`${sa}Ds`, [4 * e], constant([4 * e], 1));
        norm(`${sa}out_norm`, e);
        linearW(`${sa}out_proj.weight`, e, m);
        // The conv branch, numbered like its nn.Sequential: 0 BN, 1 conv, 2 BN, 4 conv, 5 BN, 7 conv.
        const cb = `${blk}conv33conv33conv11.`;
        for (const [idx, ks] of [
          [1, 3],
          [4, 3],
          [7, 1],
        ] as const) {
          ps.add(`${cb}${idx}.weight`, [ks, ks, m, m], kaimingNormalFanOut([ks, ks, m, m], m * ks * ks, rng.fork()));
          convBias(`${cb}${idx}.bias`, m, m * ks * ks);
        }
        for (const idx of [0, 2, 5]) this.bn.set(`${cb}${idx}`, addBatchNorm(ps, this.buffers, `${cb}${idx}`, m));
      }
      if (i < 3) {
        norm(`layers.${i}.downsample.norm`, 4 * c);
        linearW(`layers.${i}.downsample.reduction.weight`, 4 * c, 2 * c);
      }
    }
    linearW('head.weight', dims[3], numClasses);
    ps.add('head.bias', [numClasses], constant([numClasses], 0));
  }

  private p<T extends tf.Tensor = tf.Tensor>(name: string): T {
    return this.params.get(name) as unknown as T;
  }

  /** Logits (b, classes) for images (b, h, w, inChans); h and w multiples of 32 (see `medmambaPadding`). */
  forward(images: tf.Tensor4D, mode: ForwardMode = EVAL): tf.Tensor2D {
    const [, h, w, ch] = images.shape;
    const side = this.config.patchSize * 8;
    if (h % side !== 0 || w % side !== 0) throw new Error(`MedMamba: input ${h} x ${w} is not a multiple of ${side} a side; pad it (medmambaPadding)`);
    if (ch !== this.config.inChans) throw new Error(`MedMamba: input has ${ch} channels, the model ${this.config.inChans}`);
    return tf.tidy(() => {
      const p = this.config.patchSize;
      let x = conv2d(images, this.p('patch_embed.proj.weight'), this.p<tf.Tensor1D>('patch_embed.proj.bias'), p, 0); // (b, h/4, w/4, c0)
      x = this.norm(x, 'patch_embed.norm') as tf.Tensor4D;
      for (let i = 0; i < 4; i++) {
        for (let j = 0; j < this.config.depths[i]; j++) x = this.block(x, `layers.${i}.blocks.${j}.`, this.dropRates[i]![j]!, mode);
        if (i < 3) x = this.patchMerging(x, `layers.${i}.downsample.`);
      }
      return tf.add(linear(globalAvgPool(x), this.p('head.weight')), this.p('head.bias')) as tf.Tensor2D; // (b, classes)
    });
  }

  dispose(): void {
    this.params.dispose();
    this.buffers.dispose();
  }

  private norm(x: tf.Tensor, name: string): tf.Tensor {
    return layerNorm(x, this.p(`${name}.weight`), this.p(`${name}.bias`), this.config.normEps);
  }

  /** SS_Conv_SSM: (b, h, w, c) -> (b, h, w, c). */
  private block(x: tf.Tensor4D, blk: string, dropRate: number, mode: ForwardMode): tf.Tensor4D {
    const m = x.shape[3] / 2;
    const [left, right] = tf.split(x, [m, m], -1) as [tf.Tensor4D, tf.Tensor4D]; // (b, h, w, m) each
    const ssm = dropPath(this.ss2d(this.norm(right, `${blk}ln_1`) as tf.Tensor4D, `${blk}self_attention.`), dropRate, mode);
    const conv = this.convBranch(left, `${blk}conv33conv33conv11.`, mode);
    return tf.add(channelShuffle2(tf.concat([conv, ssm], -1)), x) as tf.Tensor4D;
  }

  /** BN, conv3x3, BN, ReLU, conv3x3, BN, ReLU, conv1x1, ReLU: (b, h, w, m) -> (b, h, w, m). */
  private convBranch(x: tf.Tensor4D, cb: string, mode: ForwardMode): tf.Tensor4D {
    const bn = (t: tf.Tensor4D, idx: number) => batchNorm(t, this.bn.get(`${cb}${idx}`)!, mode);
    const conv = (t: tf.Tensor4D, idx: number, pad: number) => conv2d(t, this.p(`${cb}${idx}.weight`), this.p<tf.Tensor1D>(`${cb}${idx}.bias`), 1, pad);
    let y = conv(bn(x, 0), 1, 1);
    y = tf.relu(bn(y, 2));
    y = conv(y, 4, 1);
    y = tf.relu(bn(y, 5));
    return tf.relu(conv(y, 7, 0));
  }

  /** SS2D: (b, h, w, m) -> (b, h, w, m). */
  private ss2d(x: tf.Tensor4D, sa: string): tf.Tensor4D {
    const e = this.p(`${sa}Ds`).shape[0] / 4;
    // in_proj's two halves (x, z) as two products with column slices of its weight (m, 2e), for the
    // reason x_proj is sliced in ss2dScan.
    const inProj = this.p<tf.Tensor2D>(`${sa}in_proj.weight`);
    const half = (from: number) => linear(x, tf.slice(inProj, [0, from], [inProj.shape[0], e])) as tf.Tensor4D; // (b, h, w, e)
    const [xIn, z] = [half(0), half(e)];
    const xc = silu(depthwiseConv2dSame(xIn, this.p(`${sa}conv2d.weight`), this.p(`${sa}conv2d.bias`))) as tf.Tensor4D; // (b, h, w, e)
    const y = ss2dScan(
      xc,
      {
        xProj: this.p(`${sa}x_proj_weight`),
        dtProjWeight: this.p(`${sa}dt_projs_weight`),
        dtProjBias: this.p(`${sa}dt_projs_bias`),
        ALog: this.p(`${sa}A_logs`),
        D: this.p(`${sa}Ds`),
      },
      { impl: this.config.scanImpl },
    ); // (b, h, w, e)
    const gated = tf.mul(this.norm(y, `${sa}out_norm`), silu(z)); // (b, h, w, e)
    return linear(gated, this.p(`${sa}out_proj.weight`)) as tf.Tensor4D; // (b, h, w, m)
  }

  /** PatchMerging2D: (b, h, w, c) -> (b, h/2, w/2, 2c). */
  private patchMerging(x: tf.Tensor4D, ds: string): tf.Tensor4D {
    const [b, h, w, c] = x.shape;
    // (b, h/2, 2, w/2, 2, c): index [.., i, .., j, ..] is the sub-grid x[i::2, j::2].
    const grid = tf.reshape(x, [b, h / 2, 2, w / 2, 2, c]);
    // Order x[0::2, 0::2], x[1::2, 0::2], x[0::2, 1::2], x[1::2, 1::2]: j outer, i inner.
    const cat = tf.reshape(tf.transpose(grid, [0, 1, 3, 4, 2, 5]), [b, h / 2, w / 2, 4 * c]); // (b, h/2, w/2, 4c)
    return linear(this.norm(cat, `${ds}norm`), this.p(`${ds}reduction.weight`)) as tf.Tensor4D; // (b, h/2, w/2, 2c)
  }
}

/**
 * Trainable parameters of a configuration in closed form (the tests check it against built models):
 * patch embed p^2 in c0 + c0 + 2 c0; per block of width c (m = c / 2, e, r, n of `ss2dDims`):
 * ln_1 2m, in_proj 2me, depthwise conv 9e + e, x_proj 4e(r + 2n), dt_proj 4re + 4e, A_log 4en, D 4e,
 * out_norm 2e, out_proj em, conv branch 3 BN (2m each) + 2 (9m^2 + m) + (m^2 + m); patch merging
 * 8c + 8c^2; head c3 classes + classes.
 */
export function medmambaParams(c: MedMambaConfig): number {
  const p = c.patchSize;
  const k = c.dConv;
  let total = p * p * c.inChans * c.dims[0] + 3 * c.dims[0];
  for (let i = 0; i < 4; i++) {
    const { m, e, n, r } = ss2dDims(c, c.dims[i]);
    const ss2d = 2 * m * e + (k * k * e + e) + 4 * e * (r + 2 * n) + (4 * r * e + 4 * e) + 4 * e * n + 4 * e + 2 * e + e * m;
    const convBranch = 3 * 2 * m + 2 * (9 * m * m + m) + (m * m + m);
    total += c.depths[i] * (2 * m + ss2d + convBranch);
    if (i < 3) total += 8 * c.dims[i] + 8 * c.dims[i] ** 2;
  }
  return total + c.dims[3] * c.numClasses + c.numClasses;
}
