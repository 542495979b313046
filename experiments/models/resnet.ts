/**
 * The CNN baseline of the image study: a ResNet (He et al. 2016) of BasicBlocks in the CIFAR style
 * (section 4.2 of the paper: a 3x3 stem without max-pooling, since 32x32 inputs have no pixels to
 * spare), with torchvision's block and initialisation, at a width chosen to match the parameter
 * count of the MedMamba it is compared with (`fitResnetWidth`).
 *
 * Channels-last (b, h, w, c). Dimension letters: w the base width, stage i has width w 2^i.
 * - Stem: conv3x3(in -> w, stride 1 or `stemStride`, no bias) -> BN -> ReLU.
 * - Four stages of `blocks[i]` BasicBlocks; the first block of stages 1-3 halves the side (stride 2).
 *   BasicBlock(cin -> cout, s): conv3x3(s, no bias) -> BN -> ReLU -> conv3x3 -> BN, plus the
 *   shortcut (identity, or conv1x1(s, no bias) -> BN where the shape changes), then ReLU.
 * - Head: mean over the grid, Linear(8w -> classes, bias).
 * - Init (torchvision.models.resnet): conv weights kaiming normal (fan_out, relu); BN weight 1 bias 0;
 *   the Linear keeps PyTorch's default U(+-1/sqrt(fan_in)) for weight and bias.
 * Any side works (sides divisible by 8 keep every stage's grid whole).
 */
import * as tf from '../../kernels/tf.ts';
import { addBatchNorm, type ImageClassifier } from './image-classifier.ts';
import { kaimingNormalFanOut } from './image-init.ts';
import { batchNorm, conv2d, globalAvgPool, type BatchNormVars } from './image-layers.ts';
import { kaimingUniform } from './init.ts';
import { linear } from './layers.ts';
import { EVAL, type ForwardMode } from './language-model.ts';
import { fitWidth, widths } from './param-count.ts';
import { ParamStore } from './params.ts';
import { Rng } from './rng.ts';

export interface ResNetConfig {
  inChans: number;
  numClasses: number;
  /** w, the stem's and first stage's width. */
  width: number;
  /** BasicBlocks per stage: [1, 1, 1, 1] is ResNet-10, [2, 2, 2, 2] ResNet-18. */
  blocks: readonly [number, number, number, number];
  /**
   * The stem's stride: 1 (default) is the CIFAR style; 2 halves the side first, a quarter of the
   * compute of every stage at the same weights (how the local profile fits a CPU's budget).
   */
  stemStride?: number;
}

/** The stages' widths: w, 2w, 4w, 8w. */
export const stageWidths = (c: ResNetConfig): number[] => [1, 2, 4, 8].map((f) => f * c.width);

/** (cin, cout, stride) of every block, stage by stage. */
function blockShapes(c: ResNetConfig): Array<{ name: string; cin: number; cout: number; stride: number }> {
  const out = [];
  let cin = c.width;
  const ws = stageWidths(c);
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < c.blocks[i]!; j++) {
      const stride = i > 0 && j === 0 ? 2 : 1;
      out.push({ name: `layer${i + 1}.${j}`, cin, cout: ws[i]!, stride });
      cin = ws[i]!;
    }
  }
  return out;
}

/**
 * Trainable parameters in closed form: stem 9 in w + 2w; per block 9 cin cout + 9 cout^2 + 4 cout,
 * plus cin cout + 2 cout for a projection shortcut; head 8w classes + classes.
 */
export function resnetParams(c: ResNetConfig): number {
  let total = 9 * c.inChans * c.width + 2 * c.width;
  for (const { cin, cout, stride } of blockShapes(c)) {
    total += 9 * cin * cout + 9 * cout * cout + 4 * cout;
    if (stride !== 1 || cin !== cout) total += cin * cout + 2 * cout;
  }
  return total + 8 * c.width * c.numClasses + c.numClasses;
}

/**
 * The base width (1..512) whose ResNet has the parameter count closest to `target` (ties: the
 * smaller width), e.g. the count of the MedMamba variant the baseline stands beside.
 */
export function fitResnetWidth(target: number, shape: Omit<ResNetConfig, 'width'>): number {
  return fitWidth(target, widths(1, 512, 1), (width) => resnetParams({ ...shape, width }));
}

export class ResNet implements ImageClassifier {
  readonly config: ResNetConfig;
  readonly params = new ParamStore();
  readonly buffers = new ParamStore();
  private readonly bn = new Map<string, BatchNormVars>();

  constructor(config: ResNetConfig, seed: number) {
    this.config = config;
    const rng = new Rng(seed);
    const ps = this.params;
    const conv = (name: string, k: number, ci: number, co: number) =>
      ps.add(`${name}.weight`, [k, k, ci, co], kaimingNormalFanOut([k, k, ci, co], co * k * k, rng.fork()));
    const bn = (name: string, ch: number) => this.bn.set(name, addBatchNorm(ps, this.buffers, name, ch));
    conv('conv1', 3, config.inChans, config.width);
    bn('bn1', config.width);
    for (const { name, cin, cout, stride } of blockShapes(config)) {
      conv(`${name}.conv1`, 3, cin, cout);
      bn(`${name}.bn1`, cout);
      conv(`${name}.conv2`, 3, cout, cout);
      bn(`${name}.bn2`, cout);
      if (stride !== 1 || cin !== cout) {
        conv(`${name}.downsample.0`, 1, cin, cout);
        bn(`${name}.downsample.1`, cout);
      }
    }
    const last = 8 * config.width;
    ps.add('fc.weight', [last, config.numClasses], kaimingUniform([last, config.numClasses], last, rng.fork()));
    ps.add('fc.bias', [config.numClasses], kaimingUniform([config.numClasses], last, rng.fork()));
  }

  /** Logits (b, classes) for images (b, h, w, inChans). */
  forward(images: tf.Tensor4D, mode: ForwardMode = EVAL): tf.Tensor2D {
    if (images.shape[3] !== this.config.inChans) throw new Error(`ResNet: input has ${images.shape[3]} channels, the model ${this.config.inChans}`);
    return tf.tidy(() => {
      const w = (name: string) => this.params.get(`${name}.weight`) as unknown as tf.Tensor4D;
      const bn = (x: tf.Tensor4D, name: string) => batchNorm(x, this.bn.get(name)!, mode);
      let x = tf.relu(bn(conv2d(images, w('conv1'), null, this.config.stemStride ?? 1, 1), 'bn1')); // (b, h/s, w/s, w0)
      for (const { name, cin, cout, stride } of blockShapes(this.config)) {
        let y = tf.relu(bn(conv2d(x, w(`${name}.conv1`), null, stride, 1), `${name}.bn1`)); // (b, h/s, w/s, cout)
        y = bn(conv2d(y, w(`${name}.conv2`), null, 1, 1), `${name}.bn2`);
        const shortcut = stride !== 1 || cin !== cout ? bn(conv2d(x, w(`${name}.downsample.0`), null, stride, 0), `${name}.downsample.1`) : x;
        x = tf.relu(tf.add(y, shortcut)) as tf.Tensor4D;
      }
      const fc = this.params.get('fc.weight') as unknown as tf.Tensor2D;
      return tf.add(linear(globalAvgPool(x), fc), this.params.get('fc.bias')) as tf.Tensor2D; // (b, classes)
    });
  }

  dispose(): void {
    this.params.dispose();
    this.buffers.dispose();
  }
}
