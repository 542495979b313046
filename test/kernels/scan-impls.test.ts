import { describe, expect, it } from 'vitest';
import * as tf from '../../kernels/tf.ts';
import { makeCase, normalisedError, SCAN_CASES } from './scan-cases.ts';
import { runImpl, type ScanOutputs } from './scan-grad-check.ts';

const TOLERANCE = 1e-4;

function expectClose(got: ScanOutputs, want: ScanOutputs): void {
  expect(normalisedError(got.y, want.y), 'y').toBeLessThan(TOLERANCE);
  expect(normalisedError(got.lastState, want.lastState), 'lastState').toBeLessThan(TOLERANCE);
  for (const name of Object.keys(want.grads))
    expect(normalisedError(got.grads[name]!, want.grads[name]!), `d${name}`).toBeLessThan(TOLERANCE);
}

// Every implementation against the tfjs op loop, on both backends that take custom kernels.
describe.each(['cpu', 'wasm'])('selectiveScan on %s', (backend) => {
  for (const spec of SCAN_CASES) {
    it(`fused and chunked match reference: ${spec.name}`, async () => {
      await tf.setBackend(backend);
      const want = runImpl(makeCase(spec), 'reference');
      expectClose(runImpl(makeCase(spec), 'fused'), want);
      expectClose(runImpl(makeCase(spec), 'chunked'), want);
    });
  }

  it('auto picks the fused kernel here', async () => {
    await tf.setBackend(backend);
    const spec = SCAN_CASES[1]!;
    const fused = runImpl(makeCase(spec), 'fused');
    const auto = runImpl(makeCase(spec), 'auto');
    expect(auto.y).toEqual(fused.y);
  });
});
