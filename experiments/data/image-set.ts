/**
 * A labelled image data set held as its raw bytes: one Uint8Array of every image's pixels in the
 * layout its file stores them, so loading never converts or copies an image; `assembleBatch`
 * (batch.ts) turns chosen images into a float batch in one pass.
 */
import { createHash } from 'node:crypto';
import { access } from 'node:fs/promises';

/** How one image's bytes are ordered: channels-last (IDX, PNG) or channel planes (CIFAR's R, G, B). */
export type PixelLayout = 'hwc' | 'chw';

export interface ImageSet {
  /** The images' bytes, `count` images of `stride` bytes each, starting at `offset`. */
  pixels: Uint8Array;
  /** Byte offset of image 0 in `pixels`. */
  offset: number;
  /** Bytes from one image's start to the next's (CIFAR records carry their label bytes in between). */
  stride: number;
  layout: PixelLayout;
  count: number;
  height: number;
  width: number;
  channels: number;
  /** Class index of every image, 0 .. classes.length - 1. */
  labels: Int32Array;
  /** Class names, in index order. */
  classes: readonly string[];
}

/** A data set's official partition. */
export interface TrainTest {
  train: ImageSet;
  test: ImageSet;
}

/** Reads a whole file; loaders take it as a parameter so the engine can record what was read. */
export type ReadFile = (path: string) => Promise<Buffer>;

/** How many images of each class: counts[k] for k in 0 .. classes - 1. */
export function classCounts(labels: ArrayLike<number>, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const k = labels[i]!;
    if (!(k >= 0 && k < classes)) throw new Error(`label ${k} at index ${i} is outside 0..${classes - 1}`);
    counts[k]! += 1;
  }
  return counts;
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
export const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');

/**
 * Fail with the files that are missing and what to do about it (`howTo`: where to download what,
 * and where to put it), before any of them is read.
 */
export async function requireFiles(dataset: string, files: readonly string[], howTo: string): Promise<void> {
  const missing: string[] = [];
  for (const f of files) {
    try {
      await access(f);
    } catch {
      missing.push(f);
    }
  }
  if (missing.length > 0) throw new Error(`${dataset}: missing ${missing.join(', ')}. ${howTo}`);
}
