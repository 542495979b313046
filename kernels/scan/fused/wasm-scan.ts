/**
 * The WebAssembly SIMD build of the fused scan (wasm/scan.c) behind the signatures of core.scanForward and
 * core.scanBackward, for float32 problems. The module has its own linear memory: each call copies the inputs
 * in (O(b*d*l + b*n*l) values against O(b*d*l*n) work), runs, and copies the outputs out. The memory grows to
 * the largest problem seen and is reused, which spares the first-write cost of fresh pages on every call.
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
}

/** The problem's arguments to scan_forward / scan_backward, and the padded layouts of A, B, C. */
function problemArgs(p: ScanProblem, arena: Arena) {
  const layouts = { A: paddedLayout(0, p), B: paddedLayout(p.bGroups, p), C: paddedLayout(p.cGroups, p) };
  const args = [
    p.b, p.d, p.l, p.n, p.bGroups, p.cGroups, p.softplus ? 1 : 0, p.chunk,
    arena.input(p.u), arena.input(p.delta), arena.padded(p.A, layouts.A), arena.padded(p.B, layouts.B), arena.padded(p.C, layouts.C),
    arena.input(p.D), arena.input(p.z), arena.input(p.deltaBias),
  ];
  return { args, layouts, u: args[8]!, delta: args[9]!, z: args[14]! };
}

function engine(wasm: ScanExports): ScanEngine {
  return {
    forward(p, out) {
      const arena = new Arena(wasm);
      const { args } = problemArgs(p, arena);
      const y = arena.reserve(out.y.length);
      const last = arena.reserve(out.lastState.length);
      const ck = arena.reserve(out.checkpoints.length);
      const work = arena.reserve(wasm.forward_work(p.l, p.n, p.chunk));
      arena.ready();
      wasm.scan_forward(...args, y, last, ck, work);
      out.y.set(arena.view(y, out.y.length));
      out.lastState.set(arena.view(last, out.lastState.length));
      out.checkpoints.set(arena.view(ck, out.checkpoints.length));
    },
    backward(p, checkpoints, dy, dLast, grads) {
      const arena = new Arena(wasm);
      const { args, layouts, u, delta, z } = problemArgs(p, arena);
      const inputs = [arena.input(checkpoints), arena.input(dy), arena.input(dLast)];
      // du, ddelta and dz overwrite u, delta and z (scan.c says why that is safe): three b*d*l arrays fewer.
      const dA = arena.reserve(paddedSize(layouts.A));
      const dB = arena.reserve(paddedSize(layouts.B));
      const dC = arena.reserve(paddedSize(layouts.C));
      const dD = grads.D ? arena.reserve(grads.D.length) : 0;
      const dBias = grads.deltaBias ? arena.reserve(grads.deltaBias.length) : 0;
      const work = arena.reserve(wasm.backward_work(p.l, p.n, p.chunk));
      arena.ready();
      wasm.scan_backward(...args, ...inputs, u, delta, dA, dB, dC, dD, grads.z ? z : 0, dBias, work);
      grads.u.set(arena.view(u, grads.u.length));
      grads.delta.set(arena.view(delta, grads.delta.length));
      if (grads.z) grads.z.set(arena.view(z, grads.z.length));
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
