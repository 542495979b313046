import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The project's WebAssembly builds: each directory's build.sh makes `output` from C, with pinned flags. */
const BUILDS = [
  { dir: 'kernels/scan/fused/wasm', output: 'scan.wasm' },
  { dir: 'kernels/backend/wasm/simd', output: 'conv.wasm' },
];

function version(tool: string): string | null {
  try {
    return execFileSync(tool, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
}

const clang = version('clang');
const wasmLd = version('wasm-ld');

for (const { dir, output } of BUILDS) {
  /** The clang version the committed build was made with, as build.sh records it. */
  const pinned = /CLANG_VERSION: (.+)/.exec(readFileSync(`${dir}/build.sh`, 'utf8'))?.[1]?.trim();
  const skipReason = !clang
    ? 'clang is not installed'
    : !wasmLd
      ? 'wasm-ld (lld) is not installed'
      : !pinned || !clang.includes(pinned)
        ? `clang is "${clang.split('\n')[0]}", ${output} was built with "${pinned}"`
        : null;
  if (skipReason) console.log(`${output} reproducibility check skipped: ${skipReason}`);

  describe(output, () => {
    it.runIf(skipReason === null)('is what build.sh makes from its C source (reproducible build)', () => {
      const tmp = mkdtempSync(join(tmpdir(), 'wasm-build-'));
      try {
        execFileSync('sh', [`${dir}/build.sh`, join(tmp, output)], { stdio: 'pipe' });
        expect(Buffer.compare(readFileSync(join(tmp, output)), readFileSync(`${dir}/${output}`))).toBe(0);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    });
  });
}
