/**
 * Checkpoints of long runs, in a scratch folder per key beside the artifacts
 * (`artifacts/<experiment>/.scratch-<key12>/checkpoint.bin`), outside the final artifact and on the
 * same (possibly shared) store, so a run resumed on another node finds it. One file holds a whole
 * checkpoint and replaces the previous one by an atomic rename: a kill during `save` leaves the old
 * checkpoint. The folder is removed when the run succeeds.
 *
 * Format: the 8 bytes `MRCKPT01`, a uint32 (little-endian) header length, the header as UTF-8 JSON
 * `{ meta, arrays: [{ name, dtype, shape, offset, length }], sha256 }` (sha256 of the payload), then
 * the payload: each array's bytes, 8-byte aligned, little-endian.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Checkpoint, CheckpointArray, CheckpointState, Json } from '../contract.ts';
import { sha256 } from '../files/hash.ts';
import { writeFileAtomic } from '../files/fsx.ts';
import { KEY_PREFIX } from './store.ts';

const MAGIC = Buffer.from('MRCKPT01', 'latin1');
const FILE = 'checkpoint.bin';

export function scratchDir(experimentStore: string, key: string): string {
  return join(experimentStore, `.scratch-${key.slice(0, KEY_PREFIX)}`);
}

interface ArrayEntry {
  name: string;
  dtype: CheckpointArray['dtype'];
  shape: number[];
  offset: number;
  length: number;
}

const align8 = (n: number) => Math.ceil(n / 8) * 8;

function checkArray(name: string, array: CheckpointArray): void {
  const expected = array.shape.reduce((a, b) => a * b, 1);
  const typed = array.dtype === 'float32' ? array.data instanceof Float32Array : array.data instanceof Int32Array;
  if (!typed) throw new Error(`checkpoint array '${name}': data is not a ${array.dtype === 'float32' ? 'Float32Array' : 'Int32Array'} (dtype ${array.dtype})`);
  if (!array.shape.every((d) => Number.isInteger(d) && d >= 0) || expected !== array.data.length) {
    throw new Error(`checkpoint array '${name}': shape [${array.shape.join(', ')}] does not hold its ${array.data.length} values`);
  }
}

export function encodeCheckpoint(state: CheckpointState): Buffer {
  const names = Object.keys(state.arrays).sort();
  const entries: ArrayEntry[] = [];
  let offset = 0;
  for (const name of names) {
    const array = state.arrays[name]!;
    checkArray(name, array);
    entries.push({ name, dtype: array.dtype, shape: [...array.shape], offset, length: array.data.byteLength });
    offset = align8(offset + array.data.byteLength);
  }
  const payload = Buffer.alloc(offset);
  for (const entry of entries) {
    const data = state.arrays[entry.name]!.data;
    Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(payload, entry.offset);
  }
  const header = Buffer.from(JSON.stringify({ meta: state.meta, arrays: entries, sha256: sha256(payload) }), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  return Buffer.concat([MAGIC, length, header, payload]);
}

export function decodeCheckpoint(bytes: Buffer, where: string): CheckpointState {
  if (bytes.length < 12 || !bytes.subarray(0, 8).equals(MAGIC)) throw new Error(`${where}: not a checkpoint file`);
  const headerLength = bytes.readUInt32LE(8);
  const header = JSON.parse(bytes.subarray(12, 12 + headerLength).toString('utf8')) as { meta: Json; arrays: ArrayEntry[]; sha256: string };
  const payload = bytes.subarray(12 + headerLength);
  if (sha256(payload) !== header.sha256) throw new Error(`${where}: the checkpoint's arrays do not match their sha256 (corrupted)`);
  const arrays: Record<string, CheckpointArray> = {};
  for (const entry of header.arrays) {
    // Copy out: the typed array must be aligned and must not share the file buffer.
    const raw = new ArrayBuffer(entry.length);
    new Uint8Array(raw).set(payload.subarray(entry.offset, entry.offset + entry.length));
    arrays[entry.name] = { dtype: entry.dtype, shape: entry.shape, data: entry.dtype === 'float32' ? new Float32Array(raw) : new Int32Array(raw) };
  }
  return { meta: header.meta, arrays };
}

/** The Checkpoint a run gets: saves into `dir`, loads the newest complete one. */
export function fileCheckpoint(dir: string, onSave: (bytes: number) => void = () => {}): Checkpoint {
  const path = join(dir, FILE);
  return {
    async save(state) {
      const bytes = encodeCheckpoint(state);
      writeFileAtomic(path, bytes);
      onSave(bytes.length);
    },
    async load() {
      if (!existsSync(path)) return null;
      return decodeCheckpoint(readFileSync(path), path);
    },
  };
}

export function removeScratch(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
