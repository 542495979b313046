/**
 * The WebAssembly SIMD build of the fused scan (wasm/scan.c) behind the signatures of core.scanForward and
 * core.scanBackward, for float32 problems. The module has its own linear memory: each call copies the inputs
 * in (O(b*d*l + b*n*l) values against O(b*d*l*n) work), runs, and copies the outputs out, the per-row arrays a
 * block of rows at a time. The memory grows to the largest call seen and is reused, which spares the
 * first-write cost of fresh pages on every call.
 *
 * `wasmScan` is null where WebAssembly SIMD is not available; the kernels then run core.ts.
 */
import { readFileSync } from 'node:fs';
import { scratchTally, type ForwardOutputs, type Gradients, type ScanProblem, type Vec } from './core.ts';

interface ScanExports {
  memory: WebAssembly.Memory;
  __heap_base: WebAssembly.Global;
  forward_work(l: number, n: number, chunk: number): number;
  backward_work(l: number, n: number, chunk: number): number;
  scan_forward(...args: number[]): void;
  scan_backward(...args: number[]): void;
}

export interface ScanEngine {
  forward(p: ScanProblem, out: ForwardOutputs): void;
  backward(p: ScanProblem, checkpoints: Vec, dy: Vec, dLast: Vec, grads: Gradients): void;
}

/**
 * The padded time-major layout scan.c reads a projection in: (rows, n, len) -> (rows, len, n4), n4 = 4 ceil(n / 4),
 * the extra lanes 0. A (b, g, n, l) projection is b*g rows of length l; a (d, n) one (and A) d rows of length 1.
 */
interface Padded {
  rows: number;
  n: number;
  n4: number;
  len: number;
}

function paddedLayout(groups: number, p: ScanProblem): Padded {
  const n4 = (p.n + 3) & ~3;
  return groups === 0 ? { rows: p.d, n: p.n, n4, len: 1 } : { rows: p.b * groups, n: p.n, n4, len: p.l };
}

const paddedSize = (s: Padded) => s.rows * s.len * s.n4;

function pad(x: Vec, out: Float32Array, { rows, n, n4, len }: Padded): void {
  out.fill(0);
  for (let r = 0; r < rows; r++)
    for (let k = 0; k < n; k++) {
      const src = (r * n + k) * len;
      const dst = r * len * n4 + k;
      for (let t = 0; t < len; t++) out[dst + t * n4] = x[src + t]!;
    }
}

function unpad(src: Float32Array, out: Vec, { rows, n, n4, len }: Padded): void {
  for (let r = 0; r < rows; r++)
    for (let k = 0; k < n; k++) {
      const dst = (r * n + k) * len;
      const from = r * len * n4 + k;
      for (let t = 0; t < len; t++) out[dst + t] = src[from + t * n4]!;
    }
}

/**
 * Floats per per-row array in one block: u, delta, z, dy and the outputs travel a block of (b, d) rows at a time
 * (about 256 KB each), so the module's memory holds O(block + b*n*l) values, not copies of every (b, d, l) array.
 */
const BLOCK_FLOATS = 1 << 16;

/** Bump allocation of float arrays in the module's memory, from __heap_base, for one call. */
class Arena {
  private end: number;
  private readonly copies: (() => void)[] = [];

  constructor(private readonly wasm: ScanExports) {
    this.end = wasm.__heap_base.value as number;
  }

  /** Reserves `size` floats, 16-byte aligned; returns the byte address. */
  reserve(size: number): number {
    const at = (this.end + 15) & ~15;
    this.end = at + size * 4;
    return at;
  }

  /** Reserves room for `x` and copies it in at `ready`; 0 for an absent input. */
  input(x: Vec | null): number {
    if (!x) return 0;
    const at = this.reserve(x.length);
    this.copies.push(() => this.view(at, x.length).set(x));
    return at;
  }

  /** Reserves room for a projection in the padded layout and pads it in at `ready`. */
  padded(x: Vec, layout: Padded): number {
    const at = this.reserve(paddedSize(layout));
    this.copies.push(() => pad(x, this.view(at, paddedSize(layout)), layout));
    return at;
  }

  /** Reserves one block of a per-row array of `width` floats per row; 0 for an absent one. */
  rows(x: Vec | null, width: number, blockRows: number): RowBlock {
    return { at: x ? this.reserve(blockRows * width) : 0, width };
  }

  /** Grows the memory to fit every reservation, copies the inputs in, and tallies the bytes used. */
  ready(): void {
    const { memory } = this.wasm;
    const missing = this.end - memory.buffer.byteLength;
    if (missing > 0) memory.grow(Math.ceil(missing / 65536));
    for (const copy of this.copies) copy();
    scratchTally.wasmCall(this.end - (this.wasm.__heap_base.value as number));
  }

  view(at: number, size: number): Float32Array {
    return new Float32Array(this.wasm.memory.buffer, at, size);
  }

  /** Rows [r0, r1) of x into the block. */
  load(block: RowBlock, x: Vec | null, r0: number, r1: number): void {
    if (x) this.view(block.at, (r1 - r0) * block.width).set(x.subarray(r0 * block.width, r1 * block.width));
  }

  /** The block back into rows [r0, r1) of x. */
  store(block: RowBlock, x: Vec | null, r0: number, r1: number): void {
    if (x) x.set(this.view(block.at, (r1 - r0) * block.width), r0 * block.width);
  }
}

/** Where one block of a per-row array lives, and its floats per row. */
interface RowBlock {
  at: number;
  width: number;
}

/** The (b, d) rows in blocks: calls run(r0, r1) for consecutive ranges. */
function inBlocks(p: ScanProblem, run: (r0: number, r1: number) => void): void {
  const rows = p.b * p.d;
  const per = blockRows(p);
  for (let r0 = 0; r0 < rows; r0 += per) run(r0, Math.min(rows, r0 + per));
}

const blockRows = (p: ScanProblem) => Math.min(p.b * p.d, Math.max(1, Math.floor(BLOCK_FLOATS / p.l)));

/** The arguments every call shares (up to the row range), and the problem-wide arrays. */
function problemArgs(p: ScanProblem, arena: Arena) {
  const layouts = { A: paddedLayout(0, p), B: paddedLayout(p.bGroups, p), C: paddedLayout(p.cGroups, p) };
  const head = [p.b, p.d, p.l, p.n, p.bGroups, p.cGroups, p.softplus ? 1 : 0, p.chunk];
  const per = blockRows(p);
  const rows = { u: arena.rows(p.u, p.l, per), delta: arena.rows(p.delta, p.l, per), z: arena.rows(p.z, p.l, per) };
  const A = arena.padded(p.A, layouts.A), B = arena.padded(p.B, layouts.B), C = arena.padded(p.C, layouts.C);
  const D = arena.input(p.D), bias = arena.input(p.deltaBias);
  /** scan_forward / scan_backward's arguments up to bias, for rows [r0, r1). */
  const args = (r0: number, r1: number) => [...head, r0, r1, rows.u.at, rows.delta.at, A, B, C, D, rows.z.at, bias];
  /** Copies rows [r0, r1) of u, delta, z in. */
  const load = (r0: number, r1: number) => {
    arena.load(rows.u, p.u, r0, r1);
    arena.load(rows.delta, p.delta, r0, r1);
    arena.load(rows.z, p.z, r0, r1);
  };
  return { args, load, rows, layouts, per };
}

function engine(wasm: ScanExports): ScanEngine {
  return {
    forward(p, out) {
      const arena = new Arena(wasm);
      const { args, load, per } = problemArgs(p, arena);
      const nChunks = out.checkpoints.length / (p.b * p.d * p.n);
      const y = arena.rows(out.y, p.l, per);
      const last = arena.rows(out.lastState, p.n, per);
      const ck = arena.rows(out.checkpoints, nChunks * p.n, per);
      const work = arena.reserve(wasm.forward_work(p.l, p.n, p.chunk));
      arena.ready();
      inBlocks(p, (r0, r1) => {
        load(r0, r1);
        wasm.scan_forward(...args(r0, r1), y.at, last.at, ck.at, work);
        arena.store(y, out.y, r0, r1);
        arena.store(last, out.lastState, r0, r1);
        arena.store(ck, out.checkpoints, r0, r1);
      });
    },
    backward(p, checkpoints, dy, dLast, grads) {
      const arena = new Arena(wasm);
      const { args, load, rows, layouts, per } = problemArgs(p, arena);
      const ck = arena.rows(checkpoints, checkpoints.length / (p.b * p.d), per);
      const dyRows = arena.rows(dy, p.l, per);
      const dLastRows = arena.rows(dLast, p.n, per);
      const dA = arena.reserve(paddedSize(layouts.A));
      const dB = arena.reserve(paddedSize(layouts.B));
      const dC = arena.reserve(paddedSize(layouts.C));
      const dD = grads.D ? arena.reserve(grads.D.length) : 0;
      const dBias = grads.deltaBias ? arena.reserve(grads.deltaBias.length) : 0;
      const work = arena.reserve(wasm.backward_work(p.l, p.n, p.chunk));
      arena.ready();
      inBlocks(p, (r0, r1) => {
        load(r0, r1);
        arena.load(ck, checkpoints, r0, r1);
        arena.load(dyRows, dy, r0, r1);
        arena.load(dLastRows, dLast, r0, r1);
        // du, ddelta and dz overwrite u, delta and z (scan.c says why that is safe).
        const { u, delta, z } = rows;
        wasm.scan_backward(...args(r0, r1), ck.at, dyRows.at, dLastRows.at, u.at, delta.at, dA, dB, dC, dD, grads.z ? z.at : 0, dBias, work);
        arena.store(u, grads.u, r0, r1);
        arena.store(delta, grads.delta, r0, r1);
        arena.store(z, grads.z, r0, r1);
      });
      if (grads.D) grads.D.set(arena.view(dD, grads.D.length));
      if (grads.deltaBias) grads.deltaBias.set(arena.view(dBias, grads.deltaBias.length));
      unpad(arena.view(dA, paddedSize(layouts.A)), grads.A, layouts.A);
      unpad(arena.view(dB, paddedSize(layouts.B)), grads.B, layouts.B);
      unpad(arena.view(dC, paddedSize(layouts.C)), grads.C, layouts.C);
    },
  };
}

/** The scan engine of a build of wasm/scan.c, or null where this WebAssembly lacks SIMD. */
export function createWasmScan(bytes: Uint8Array<ArrayBuffer>): ScanEngine | null {
  // validate is false where the engine lacks the SIMD proposal (the module uses v128).
  if (typeof WebAssembly === 'undefined' || !WebAssembly.validate(bytes)) return null;
  return engine(new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as ScanExports);
}

/** The SIMD scan built next to this file, or null where WebAssembly SIMD is unavailable. */
export const wasmScan: ScanEngine | null = createWasmScan(readFileSync(new URL('./wasm/scan.wasm', import.meta.url)));
