/**
 * From an ImageSet to a training batch in one pass: `assembleBatch` reads the chosen images' bytes
 * (in whatever layout the file stores them), applies each image's augmentation (random crop with
 * zero padding, horizontal flip) and the model's input padding by index arithmetic, scales and
 * normalises, and writes each output value exactly once into one (b, h, w, c) Float32Array. No
 * image is copied on its own, and no per-image tensor op runs.
 *
 * The augmentation is drawn first, as plain numbers (`sampleAugmentation`, seeded), then applied:
 * the same seed gives the same batch on every backend, and a test can state what a batch must hold.
 * Semantics follow torchvision: RandomCrop(size, padding = p) pads with zeros by p on every side
 * and takes a size x size window at offset (dy, dx) in [0, 2p]^2; RandomHorizontalFlip then mirrors
 * the columns with probability 1/2; ToTensor scales bytes by 1/255; Normalize(mean, std) per channel.
 * Padded pixels are raw zeros, so they normalise to -mean / std as in torchvision.
 */
import * as tf from '../../kernels/tf.ts';
import type { Rng } from '../models/rng.ts';
import type { ImageSet } from './image-set.ts';

export interface Augmentation {
  /** Mirror left-right with probability 1/2. */
  flip: boolean;
  /** Random crop after zero padding by this many pixels a side; 0: none. */
  cropPadding: number;
}

export const NO_AUGMENTATION: Augmentation = { flip: false, cropPadding: 0 };

/** Each image's augmentation, drawn: flip 0/1, crop offsets dy, dx in [0, 2p]. */
export interface AugmentationDraw {
  flip: Uint8Array;
  dy: Int32Array;
  dx: Int32Array;
  cropPadding: number;
}

/** Draw the augmentation of `count` images from `rng` (for each image: flip, then dy, then dx). */
export function sampleAugmentation(count: number, aug: Augmentation, rng: Rng): AugmentationDraw {
  const draw: AugmentationDraw = { flip: new Uint8Array(count), dy: new Int32Array(count), dx: new Int32Array(count), cropPadding: aug.cropPadding };
  const p = aug.cropPadding;
  for (let i = 0; i < count; i++) {
    if (aug.flip) draw.flip[i] = rng.uniform() < 0.5 ? 1 : 0;
    if (p > 0) {
      draw.dy[i] = rng.int(2 * p + 1);
      draw.dx[i] = rng.int(2 * p + 1);
    } else draw.dy[i] = draw.dx[i] = 0;
  }
  return draw;
}

export interface AssembleOptions {
  /** Per-image augmentation; none when absent. */
  augmentation?: AugmentationDraw;
  /** Zero padding around every image (the model's input size), e.g. `medmambaPadding`'s. */
  pad?: { top: number; bottom: number; left: number; right: number };
  /** Per-channel mean and std after scaling by 1/255 (default 0 and 1: ToTensor only, the original recipe). */
  mean?: readonly number[];
  std?: readonly number[];
}

export interface HostBatch {
  /** (b, h, w, c), row-major. */
  x: Float32Array;
  shape: [number, number, number, number];
  /** (b) class indices. */
  y: Int32Array;
}

/** The images `indices` of `set` as one float batch (see the module comment for the order of operations). */
export function assembleBatch(set: ImageSet, indices: ArrayLike<number>, options: AssembleOptions = {}): HostBatch {
  const { augmentation: aug, pad = { top: 0, bottom: 0, left: 0, right: 0 } } = options;
  const { height: H, width: W, channels: C } = set;
  const mean = options.mean ?? new Array(C).fill(0);
  const std = options.std ?? new Array(C).fill(1);
  if (mean.length !== C || std.length !== C) throw new Error(`assembleBatch: mean/std need ${C} channel values`);
  const b = indices.length;
  if (aug && aug.flip.length < b) throw new Error(`assembleBatch: augmentation drawn for ${aug.flip.length} images, batch has ${b}`);
  const [oh, ow] = [H + pad.top + pad.bottom, W + pad.left + pad.right];
  const x = new Float32Array(b * oh * ow * C);
  const y = new Int32Array(b);
  // Per channel: value = byte * scale[c] + shift[c]; an empty pixel is byte 0, i.e. shift[c].
  const scale = std.map((s) => 1 / (255 * s));
  const shift = mean.map((m, c) => 0 - m / std[c]!); // 0 - m, not -m: no negative zeros
  // Element (row, col, channel) of an image sits at row * rowStep + col * colStep + channel * chStep.
  const [rowStep, colStep, chStep] = set.layout === 'hwc' ? [W * C, C, 1] : [W, 1, H * W];
  const p = aug?.cropPadding ?? 0;
  for (let n = 0; n < b; n++) {
    const idx = indices[n]!;
    if (!(idx >= 0 && idx < set.count)) throw new Error(`assembleBatch: image index ${idx} outside 0..${set.count - 1}`);
    y[n] = set.labels[idx]!;
    const base = set.offset + idx * set.stride;
    const [dy, dx, flip] = aug ? [aug.dy[n]! - p, aug.dx[n]! - p, aug.flip[n] === 1] : [0, 0, false];
    let o = n * oh * ow * C;
    for (let i = 0; i < oh; i++) {
      const r = i - pad.top + dy; // source row
      const rowInside = r >= 0 && r < H;
      for (let j = 0; j < ow; j++) {
        const jj = j - pad.left; // column within the (cropped) image
        const col = (flip ? W - 1 - jj : jj) + dx;
        if (rowInside && jj >= 0 && jj < W && col >= 0 && col < W) {
          const at = base + r * rowStep + col * colStep;
          for (let c = 0; c < C; c++) x[o++] = set.pixels[at + c * chStep]! * scale[c]! + shift[c]!;
        } else for (let c = 0; c < C; c++) x[o++] = shift[c]!;
      }
    }
  }
  return { x, shape: [b, oh, ow, C], y };
}

/** A host batch as tensors: images (b, h, w, c) float32 and labels (b) int32. */
export function batchTensors(batch: HostBatch): { x: tf.Tensor4D; y: tf.Tensor1D } {
  return { x: tf.tensor4d(batch.x, batch.shape), y: tf.tensor1d(batch.y, 'int32') };
}
