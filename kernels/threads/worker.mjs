// One thread of a kernel module's pool (see pool.ts, which starts it and owns the protocol below). Plain
// JavaScript, because a worker thread does not inherit the TypeScript loader of the test runner.
//
// The thread instantiates its module (the scan's or the convolutions') on the module's shared memory,
// points its stack at its own region, then waits for jobs. A job is a list of parts, each a call of one exported function with its own arguments; the
// threads claim parts one at a time until none is left. A claim is a compare-and-swap on one word that holds
// the job's generation (high bits) and the next part (low 16 bits), so a thread still draining an old job can
// never take a part of the next one: before writing a job the caller closes the word under the new generation
// (next part 0xffff, past any job), so a thread that read the old word fails its swap. Every claimed part counts as done, failed or not: the caller then sees
// FAILED and throws, instead of waiting for a part nobody will finish.
import { workerData } from 'node:worker_threads';

const { module, memory, control, message, stackTop, layout } = workerData;
const { CLAIM, GEN, DONE, PARTS, FN, FAILED, READY, ARGS, MAX_ARGS, FUNCTIONS } = layout;
const ctl = new Int32Array(control);

let wasm = null;
let startError = null;
try {
  wasm = new WebAssembly.Instance(module, { env: { memory } }).exports;
  wasm.__stack_pointer.value = stackTop;
} catch (e) {
  startError = e;
}
Atomics.add(ctl, READY, 1);
Atomics.notify(ctl, READY);

/** Records the first failure's message for the caller (UTF-8, zero-padded) and raises FAILED. */
function fail(error) {
  if (Atomics.compareExchange(ctl, FAILED, 0, 1) !== 0) return;
  const bytes = new TextEncoder().encode(String(error?.stack ?? error)).subarray(0, message.byteLength);
  new Uint8Array(message).set(bytes);
}

function run(part) {
  if (!wasm) throw new Error(`kernel thread could not start: ${startError?.message ?? startError}`);
  const base = ARGS + part * MAX_ARGS;
  const argc = ctl[base];
  const args = Array.from(ctl.subarray(base + 1, base + 1 + argc));
  wasm[FUNCTIONS[ctl[FN]]](...args);
}

// seen starts at -1, so a thread that starts while a job is already posted joins it at once.
for (let seen = -1; ; ) {
  Atomics.wait(ctl, GEN, seen);
  seen = Atomics.load(ctl, GEN);
  for (;;) {
    const claim = Atomics.load(ctl, CLAIM);
    if (claim >>> 16 !== (seen & 0x7fff) || (claim & 0xffff) >= Atomics.load(ctl, PARTS)) break;
    if (Atomics.compareExchange(ctl, CLAIM, claim, claim + 1) !== claim) continue;
    try {
      run(claim & 0xffff);
    } catch (e) {
      fail(e);
    }
    Atomics.add(ctl, DONE, 1);
    Atomics.notify(ctl, DONE);
  }
}
