/**
 * Planning a large study: a generated grid of 500 cells (5 systems x 2 pairs x 50 seeds, each using the
 * result of its pair's cell of another experiment, as the translation study's cells use a tokenizer),
 * planned in-process after the catalog is loaded, twice: with no artifacts (every cell a miss) and with
 * every cell's artifact in the store (every cell a hit, each verified against its manifest and result
 * hashes). Reported against `node -e 0` measured in the same run; target: planning 500 cells under 1 s.
 *
 * The hits are installed by writing each cell's artifact as a run would (sealed manifest, one result
 * file), not by running 500 workers.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSession, planInSession } from '../engine/commands/session.ts';
import { sha256, prettyJson } from '../engine/files/hash.ts';
import { sealManifest } from '../engine/store/manifest.ts';
import { artifactDir } from '../engine/store/store.ts';
import type { Manifest } from '../engine/contract.ts';
import { makeProject } from '../test/engine/fixture.ts';
import { median } from './timing.ts';

const SEEDS = 50;
const TARGET_MS = 1000;
const REPEATS = 5;

const project = makeProject('grid-project');
try {
  project.write(
    'experiments/train/grid.ts',
    `import type { Grid } from '../../engine/contract.ts';
const axes = { system: ['s1', 's2', 's3', 's4', 's5'], pair: ['a', 'b'], seed: Array.from({ length: ${SEEDS} }, (_, i) => i + 1) };
export const grid: Grid = { smoke: axes, local: axes, paper: axes };
`,
  );
  const session = await openSession(project.root, 'cpu');
  const plan = () => planInSession(session, ['train'], 'smoke');
  const time = async () => {
    const times: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      const started = performance.now();
      await plan();
      times.push(performance.now() - started);
    }
    return median(times);
  };
  const first = await plan();
  const cells = first.filter((e) => e.experimentId === 'train').length;
  const missMs = await time();

  // Install an artifact for every entry (tokens and train cells), as a successful run would.
  for (const entry of first) {
    if (entry.status !== 'miss') throw new Error(`${entry.label}: expected a miss, got ${entry.status}`);
    const dir = artifactDir(project.root, entry.experimentId, entry.key);
    mkdirSync(dir, { recursive: true });
    const metrics = prettyJson({ finalLoss: 0.5 });
    writeFileSync(join(dir, 'metrics.json'), metrics);
    const manifest: Manifest = {
      schema: 1,
      experimentId: entry.experimentId,
      key: entry.key,
      components: entry.components,
      status: 'ok',
      environment: { node: process.version, os: 'bench', cpu: 'bench', cpus: 1, memoryBytes: 0, backend: { name: 'cpu', version: 'fixture-1' }, git: { commit: null, dirty: false } },
      startedAt: new Date(0).toISOString(),
      durationMs: 0,
      peakRssBytes: 0,
      dataRead: {},
      files: { 'metrics.json': sha256(metrics) },
    };
    writeFileSync(join(dir, 'manifest.json'), prettyJson(sealManifest(manifest)));
  }
  const hits = (await plan()).filter((e) => e.status === 'hit').length;
  if (hits !== first.length) throw new Error(`expected ${first.length} hits, got ${hits}`);
  const hitMs = await time();

  const nodeTimes: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const started = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    nodeTimes.push(performance.now() - started);
  }
  const nodeMs = median(nodeTimes);
  console.log(`study: ${cells} train cells + 2 tokens cells they use; medians of ${REPEATS} plans`);
  console.log(`node -e 0                       ${nodeMs.toFixed(0)} ms`);
  console.log(`plan, every cell a miss         ${missMs.toFixed(0)} ms (${(missMs / nodeMs).toFixed(1)}x node -e 0)`);
  console.log(`plan, every cell a verified hit ${hitMs.toFixed(0)} ms (${(hitMs / nodeMs).toFixed(1)}x node -e 0)`);
  const worst = Math.max(missMs, hitMs);
  console.log(`planning ${cells} cells: ${worst.toFixed(0)} ms (target < ${TARGET_MS} ms): ${worst < TARGET_MS ? 'PASS' : 'MISS'}`);
} finally {
  project.remove();
}
process.exit(0);
