/** Artifacts written straight into a store (no build), for the store's and the plan's tests. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyComponents, Manifest } from '../../engine/contract.ts';
import { prettyJson, sha256 } from '../../engine/files/hash.ts';
import { cacheKey } from '../../engine/plan/key.ts';
import { sealManifest } from '../../engine/store/manifest.ts';

export const COMPONENTS: KeyComponents = {
  experiment: 'sum',
  profile: 'smoke',
  files: { 'experiments/sum/experiment.ts': 'a'.repeat(64) },
  packages: {},
  params: { offset: 0 },
  seeds: [7],
  backend: 'cpu',
  data: {},
  cacheVersion: null,
};

/** A successful run's manifest of `components` listing `files` (name -> contents). */
export function manifestOf(components: KeyComponents, files: Record<string, string> = {}, extra: Partial<Manifest> = {}): Manifest {
  return {
    schema: 1,
    experimentId: components.experiment,
    key: cacheKey(components),
    components,
    status: 'ok',
    environment: { node: 'v20', os: 'linux', cpu: 'x', cpus: 1, memoryBytes: 1, backend: { name: components.backend, version: '1' }, git: { commit: null, dirty: false } },
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1,
    peakRssBytes: 1,
    dataRead: {},
    files: Object.fromEntries(Object.entries(files).map(([name, text]) => [name, sha256(text)])),
    ...extra,
  };
}

/** Writes the result files and the sealed manifest into `dir`; returns the manifest. */
export function writeArtifact(dir: string, manifest: Manifest, files: Record<string, string> = {}): Manifest {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  writeFileSync(join(dir, 'manifest.json'), prettyJson(sealManifest(manifest)));
  return manifest;
}
