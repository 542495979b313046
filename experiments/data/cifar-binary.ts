/**
 * The "binary version" record layout shared by CIFAR-10 and CIFAR-100 (Krizhevsky 2009,
 * https://www.cs.toronto.edu/~kriz/cifar.html): fixed-size records, one per image, each some label
 * bytes followed by 3072 pixel bytes, the 1024 red values of the 32x32 image row-major, then the
 * 1024 green, then the 1024 blue. CIFAR-10 records are 1 + 3072 bytes (the class 0..9), CIFAR-100
 * records 1 + 1 + 3072 (the coarse class 0..19, then the fine class 0..99).
 */
import type { ImageSet } from './image-set.ts';

export const CIFAR_SIDE = 32;
export const CIFAR_PIXEL_BYTES = 3 * CIFAR_SIDE * CIFAR_SIDE;

/**
 * An ImageSet over concatenated records of `labelBytes` label bytes + 3072 pixels, without copying
 * a pixel: the set points into `bytes` with offset labelBytes and stride labelBytes + 3072, layout
 * chw. `labelIndex` picks which label byte is the class; `file` names the bytes in errors.
 */
export function cifarImageSet(bytes: Uint8Array, labelBytes: number, labelIndex: number, classes: readonly string[], file: string): ImageSet {
  const record = labelBytes + CIFAR_PIXEL_BYTES;
  if (bytes.length === 0 || bytes.length % record !== 0) {
    throw new Error(`${file}: ${bytes.length} bytes is not a whole number of ${record}-byte records`);
  }
  const count = bytes.length / record;
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const k = bytes[i * record + labelIndex]!;
    if (k >= classes.length) throw new Error(`${file}: record ${i} has label ${k}, outside 0..${classes.length - 1}`);
    labels[i] = k;
  }
  return { pixels: bytes, offset: labelBytes, stride: record, layout: 'chw', count, height: CIFAR_SIDE, width: CIFAR_SIDE, channels: 3, labels, classes };
}

/** Records for fixtures: each image's label bytes then its chw pixels (the inverse of cifarImageSet). */
export function encodeCifarRecords(labels: readonly (readonly number[])[], pixels: Uint8Array): Uint8Array {
  const labelBytes = labels[0]?.length ?? 0;
  const record = labelBytes + CIFAR_PIXEL_BYTES;
  if (pixels.length !== labels.length * CIFAR_PIXEL_BYTES) throw new Error(`encodeCifarRecords: ${pixels.length} pixel bytes for ${labels.length} images`);
  const out = new Uint8Array(labels.length * record);
  labels.forEach((ls, i) => {
    out.set(ls, i * record);
    out.set(pixels.subarray(i * CIFAR_PIXEL_BYTES, (i + 1) * CIFAR_PIXEL_BYTES), i * record + labelBytes);
  });
  return out;
}
