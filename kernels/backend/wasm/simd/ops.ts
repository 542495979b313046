/**
 * The products and convolutions of conv.c on flat float32 arrays (NHWC), through a SimdModule: copy in, run
 * the parts, copy out. The tfjs kernels (../Conv2D.ts and its neighbours) call these on views of the wasm
 * backend's heap; the tests call them directly to compare thread counts.
 */
import type * as tf from '../../../tf.ts';
import type { SimdModule } from './module.ts';

type Vec = Float32Array;

/** conv.c's Geometry struct, from tfjs's own convolution geometry (mult: channel multiplier, depthwise). */
function geometry(info: tf.backend_util.Conv2DInfo, mult = 1): Int32Array {
  return Int32Array.from([
    info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth, info.outChannels,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth,
    info.padInfo.top, info.padInfo.left, mult,
  ]);
}

const outPixels = (info: tf.backend_util.Conv2DInfo) => info.batchSize * info.outHeight * info.outWidth;
const inPixels = (info: tf.backend_util.Conv2DInfo) => info.batchSize * info.inHeight * info.inWidth;
const taps = (info: tf.backend_util.Conv2DInfo) => info.filterHeight * info.filterWidth;

/** y (n, oh, ow, co) = conv2d(x (n, h, w, ci), filter (fh, fw, ci, co)). */
export function conv2d(mod: SimdModule, info: tf.backend_util.Conv2DInfo, x: Vec, filter: Vec, y: Vec): void {
  const call = mod.call();
  const g = call.input(geometry(info)), xs = call.input(x), ws = call.input(filter);
  const k = taps(info) * info.inChannels;
  const ys = call.reserve(y.length);
  call.run('conv2d', outPixels(info), mod.gemmScratch(k), outPixels(info) * k * info.outChannels, (r0, r1, s) => [g, xs, ws, ys, r0, r1, s]);
  y.set(call.view(ys, y.length));
}

/** filter (fh, fw, ci, co) -> (fh, fw, co, ci): the B of the input gradient's product. */
function swapChannels(filter: Vec, info: tf.backend_util.Conv2DInfo): Vec {
  const { inChannels: ci, outChannels: co } = info;
  const out = new Float32Array(filter.length);
  for (let t = 0; t < taps(info); t++) {
    const o = t * ci * co;
    for (let c = 0; c < ci; c++) for (let k = 0; k < co; k++) out[o + k * ci + c] = filter[o + c * co + k]!;
  }
  return out;
}

/** dx (n, h, w, ci), the input gradient of conv2d, from dy (n, oh, ow, co) and filter (fh, fw, ci, co). */
export function conv2dBackpropInput(mod: SimdModule, info: tf.backend_util.Conv2DInfo, dy: Vec, filter: Vec, dx: Vec): void {
  const call = mod.call();
  const g = call.input(geometry(info)), dys = call.input(dy), ws = call.input(swapChannels(filter, info));
  const k = taps(info) * info.outChannels;
  const dxs = call.reserve(dx.length);
  call.run('conv2d_backprop_input', inPixels(info), mod.gemmScratch(k), inPixels(info) * k * info.inChannels, (r0, r1, s) => [g, dys, ws, dxs, r0, r1, s]);
  dx.set(call.view(dxs, dx.length));
}

/** dw (fh, fw, ci, co), the filter gradient of conv2d, from x (n, h, w, ci) and dy (n, oh, ow, co). */
export function conv2dBackpropFilter(mod: SimdModule, info: tf.backend_util.Conv2DInfo, x: Vec, dy: Vec, dw: Vec): void {
  const call = mod.call();
  const g = call.input(geometry(info)), xs = call.input(x), dys = call.input(dy);
  const rows = taps(info) * info.inChannels;
  const dws = call.reserve(dw.length);
  call.run('conv2d_backprop_filter', rows, mod.filterScratch(), rows * outPixels(info) * info.outChannels, (r0, r1, s) => [g, xs, dys, dws, r0, r1, s]);
  dw.set(call.view(dws, dw.length));
}

export interface MatMulShape {
  /** Output batch entries; a and b each hold `batch` matrices or one (broadcast). */
  batch: number;
  batchA: number;
  batchB: number;
  m: number;
  k: number;
  n: number;
  /** a is stored (batchA, k, m) rather than (batchA, m, k). */
  transA: boolean;
  /** b is stored (batchB, n, k) rather than (batchB, k, n). */
  transB: boolean;
}

/** c (batch, m, n) = a @ b, batch by batch. */
export function matMul(mod: SimdModule, s: MatMulShape, a: Vec, b: Vec, c: Vec): void {
  for (const [name, count] of [['a', s.batchA], ['b', s.batchB]] as const) {
    if (count !== 1 && count !== s.batch) throw new Error(`matMul: ${name} has ${count} matrices for an output of ${s.batch}; expected 1 or ${s.batch}`);
  }
  const call = mod.call();
  const as = call.input(a), bs = call.input(b);
  const cs = call.reserve(c.length);
  const strideA = s.batchA === 1 ? 0 : s.m * s.k, strideB = s.batchB === 1 ? 0 : s.k * s.n; // floats
  call.run('matmul', s.batch * s.m, mod.gemmScratch(s.k), s.batch * s.m * s.k * s.n, (r0, r1, sc) => [
    s.m, s.n, s.k, as, s.transA ? 1 : 0, strideA, bs, s.transB ? 1 : 0, strideB, cs, r0, r1, sc,
  ]);
  c.set(call.view(cs, c.length));
}

/** The channel multiplier of a depthwise geometry (outChannels = inChannels * mult). */
const multiplier = (info: tf.backend_util.Conv2DInfo) => info.outChannels / info.inChannels;

/** y (n, oh, ow, ci*mult) = depthwiseConv2d(x (n, h, w, ci), filter (fh, fw, ci, mult)). */
export function depthwiseConv2d(mod: SimdModule, info: tf.backend_util.Conv2DInfo, x: Vec, filter: Vec, y: Vec): void {
  const call = mod.call();
  const g = call.input(geometry(info, multiplier(info))), xs = call.input(x), ws = call.input(filter);
  const ys = call.reserve(y.length);
  call.run('depthwise_conv2d', outPixels(info), 0, y.length * taps(info), (r0, r1, s) => [g, xs, ws, ys, r0, r1, s]);
  y.set(call.view(ys, y.length));
}

/** dx (n, h, w, ci), the input gradient of depthwiseConv2d, from dy (n, oh, ow, ci*mult). */
export function depthwiseBackpropInput(mod: SimdModule, info: tf.backend_util.Conv2DInfo, dy: Vec, filter: Vec, dx: Vec): void {
  const call = mod.call();
  const g = call.input(geometry(info, multiplier(info))), dys = call.input(dy), ws = call.input(filter);
  const dxs = call.reserve(dx.length);
  call.run('depthwise_backprop_input', inPixels(info), 0, dy.length * taps(info), (r0, r1, s) => [g, dys, ws, dxs, r0, r1, s]);
  dx.set(call.view(dxs, dx.length));
}

/** dw (fh, fw, ci, mult), the filter gradient of depthwiseConv2d, from x (n, h, w, ci) and dy (n, oh, ow, ci*mult). */
export function depthwiseBackpropFilter(mod: SimdModule, info: tf.backend_util.Conv2DInfo, x: Vec, dy: Vec, dw: Vec): void {
  const call = mod.call();
  const g = call.input(geometry(info, multiplier(info))), xs = call.input(x), dys = call.input(dy);
  const dws = call.reserve(dw.length);
  call.run('depthwise_backprop_filter', info.outChannels, 0, dy.length * taps(info), (r0, r1, s) => [g, xs, dys, dws, r0, r1, s]);
  dw.set(call.view(dws, dw.length));
}

/** out (n) = the sums of x (rows, n) over its rows, in row order, in float64. */
export function columnSums(mod: SimdModule, rows: number, n: number, x: Vec, out: Vec): void {
  const call = mod.call();
  const xs = call.input(x);
  const outs = call.reserve(n), acc = call.reserve(2 * n);
  call.run('column_sums', n, 0, rows * n, (r0, r1) => [rows, n, xs, outs, acc, r0, r1]);
  out.set(call.view(outs, n));
}
