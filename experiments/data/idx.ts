/**
 * The IDX format of MNIST and Fashion-MNIST (LeCun et al.'s "THE MNIST DATABASE" page): a big-endian
 * header, then the data. Byte 0-1 zero, byte 2 the element type (0x08 = unsigned byte, the only one
 * these data sets use), byte 3 the number of dimensions k, then k big-endian uint32 sizes, then the
 * elements row-major. Magic 0x00000803: images (count, rows, cols); 0x00000801: labels (count).
 * Files are usually gzipped; `gunzipIfNeeded` undoes that by the gzip magic bytes, not the name.
 */
import { gunzipSync } from 'node:zlib';

export interface Idx {
  dims: number[];
  /** The elements, a view into the file's bytes (no copy). */
  data: Uint8Array;
  /** Offset of the first element in the (unzipped) file. */
  offset: number;
}

/** The bytes themselves, or their gunzip when they start with gzip's magic 1f 8b. */
export function gunzipIfNeeded(bytes: Uint8Array): Uint8Array {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b ? new Uint8Array(gunzipSync(bytes)) : bytes;
}

/** Parse an unzipped IDX file of unsigned bytes; `file` names it in errors. */
export function parseIdx(bytes: Uint8Array, file: string): Idx {
  if (bytes.length < 4) throw new Error(`${file}: ${bytes.length} bytes, too short for an IDX header`);
  if (bytes[0] !== 0 || bytes[1] !== 0) throw new Error(`${file}: not an IDX file (first two bytes ${bytes[0]}, ${bytes[1]}, expected 0, 0)`);
  if (bytes[2] !== 0x08) throw new Error(`${file}: IDX element type 0x${bytes[2]!.toString(16)}, only 0x08 (unsigned byte) is supported`);
  const k = bytes[3]!;
  const offset = 4 + 4 * k;
  if (bytes.length < offset) throw new Error(`${file}: header promises ${k} dimensions but the file ends at byte ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: k }, (_, i) => view.getUint32(4 + 4 * i, false));
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== offset + size) {
    throw new Error(`${file}: header says dims ${dims.join(' x ')} (${offset + size} bytes), the file has ${bytes.length}`);
  }
  return { dims, data: bytes.subarray(offset), offset };
}

/** Write an IDX file of unsigned bytes (fixtures; the inverse of parseIdx). */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const size = dims.reduce((a, b) => a * b, 1);
  if (data.length !== size) throw new Error(`encodeIdx: ${data.length} elements for dims ${dims.join(' x ')}`);
  const out = new Uint8Array(4 + 4 * dims.length + size);
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
