/**
 * `BACKEND=auto` on a machine with a GPU: whether a hardware WebGPU adapter exists, asked of the
 * project's probe script (kernels/webgpu/probe.ts) in a child process, since opening Dawn costs about
 * a second. The answer is cached in .cache/gpu-probe.json under what it depends on (host, platform, the
 * installed `webgpu` package and the probe script), so a no-op build pays nothing after the first.
 * A project without the probe script, or a probe that fails or hangs, means "no GPU".
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../files/fsx.ts';
import { canonicalJson, sha256 } from '../files/hash.ts';
import { projectPaths } from '../commands/project.ts';

export interface GpuProbe {
  adapter: string | null;
  hardware: boolean;
}

const PROBE_TIMEOUT_MS = 30_000;

function probeContext(root: string, script: string): string {
  const dawn = join(root, 'node_modules', 'webgpu', 'package.json');
  const probe = statSync(script);
  return sha256(
    canonicalJson({
      host: os.hostname(),
      platform: `${process.platform}-${process.arch}`,
      webgpu: existsSync(dawn) ? (JSON.parse(readFileSync(dawn, 'utf8')) as { version?: string }).version ?? null : null,
      probe: `${probe.size}:${probe.mtimeMs}`,
      vulkan: process.env.VK_DRIVER_FILES ?? null,
    }),
  );
}

export function probeGpu(root: string): GpuProbe {
  const paths = projectPaths(root);
  if (!existsSync(paths.gpuProbe)) return { adapter: null, hardware: false };
  const cacheFile = join(paths.cache, 'gpu-probe.json');
  const context = probeContext(paths.root, paths.gpuProbe);
  if (existsSync(cacheFile)) {
    const cached = JSON.parse(readFileSync(cacheFile, 'utf8')) as { context: string; answer: GpuProbe };
    if (cached.context === context) return cached.answer;
  }
  const run = spawnSync(process.execPath, ['--import', 'tsx', paths.gpuProbe], {
    cwd: paths.root,
    encoding: 'utf8',
    timeout: PROBE_TIMEOUT_MS,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let answer: GpuProbe = { adapter: null, hardware: false };
  try {
    const parsed = JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as Partial<GpuProbe>;
    answer = { adapter: typeof parsed.adapter === 'string' ? parsed.adapter : null, hardware: parsed.hardware === true };
  } catch {
    // No answer (crash, timeout): no GPU, and not cached, so the next build asks again.
    return answer;
  }
  writeFileAtomic(cacheFile, JSON.stringify({ context, answer }, null, 2) + '\n');
  return answer;
}
