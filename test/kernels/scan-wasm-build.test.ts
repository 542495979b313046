import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const DIR = 'kernels/scan/fused/wasm';

/** The clang version the committed scan.wasm was built with, as build.sh records it. */
const pinned = /CLANG_VERSION: (.+)/.exec(readFileSync(`${DIR}/build.sh`, 'utf8'))?.[1]?.trim();

function version(tool: string): string | null {
  try {
    return execFileSync(tool, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
}

const clang = version('clang');
const skipReason = !clang
  ? 'clang is not installed'
  : !version('wasm-ld')
    ? 'wasm-ld (lld) is not installed'
    : !pinned || !clang.includes(pinned)
      ? `clang is "${clang.split('\n')[0]}", scan.wasm was built with "${pinned}"`
      : null;
if (skipReason) console.log(`scan.wasm reproducibility check skipped: ${skipReason}`);

describe('scan.wasm', () => {
  it.runIf(skipReason === null)('is what build.sh makes from scan.c (reproducible build)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scan-wasm-'));
    try {
      execFileSync('sh', [`${DIR}/build.sh`, join(dir, 'scan.wasm')], { stdio: 'pipe' });
      expect(Buffer.compare(readFileSync(join(dir, 'scan.wasm')), readFileSync(`${DIR}/scan.wasm`))).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
