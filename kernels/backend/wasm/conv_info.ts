/**
 * Geometry of a 2-D convolution for the backprop kernels, from tfjs-core's own
 * `backend_util.computeConv2DInfo` (so 'same' / 'valid' / explicit padding and `dimRoundingMode`
 * mean exactly what they mean to the forward kernels). Only channels-last (NHWC) layouts are
 * implemented: the wasm backend's forward Conv2D refuses NCHW too.
 */
import * as tf from '../../tf.ts';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

export interface ConvGeometryRequest {
  kernel: string;
  xShape: number[];
  filterShape: number[];
  strides: [number, number] | number;
  dilations: [number, number] | number;
  pad: Pad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  depthwise: boolean;
  dataFormat?: 'NHWC' | 'NCHW';
}

export function convGeometry(req: ConvGeometryRequest): tf.backend_util.Conv2DInfo {
  if (req.dataFormat != null && req.dataFormat !== 'NHWC') {
    throw new Error(
      `${req.kernel} on the wasm backend supports dataFormat 'NHWC' only, got '${req.dataFormat}'; ` +
        `transpose the input to NHWC or use the cpu backend`,
    );
  }
  if (req.xShape.length !== 4) {
    throw new Error(`${req.kernel}: expected a rank-4 (batch, height, width, channels) input, got shape [${req.xShape}]`);
  }
  return tf.backend_util.computeConv2DInfo(
    req.xShape as [number, number, number, number],
    req.filterShape as [number, number, number, number],
    req.strides,
    req.dilations,
    req.pad,
    req.dimRoundingMode,
    req.depthwise,
    'channelsLast',
  );
}
