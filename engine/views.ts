/**
 * What the renderer is told about each experiment: its state relative to the current key and the
 * artifact to draw from. A current artifact is the one stored under the current key; otherwise the
 * newest verified artifact is shown, marked stale (or failed, when this key's last run failed).
 */
import type { ArtifactView, Profile } from './contract.ts';
import type { FingerprintCache } from './fingerprints.ts';
import type { PlanEntry } from './plan.ts';
import { cacheKey } from './key.ts';
import { repoPath } from './project.ts';
import { loadResults } from './results.ts';
import { newestArtifact, type StoredArtifact } from './store.ts';

export function currentKeyOf(entry: PlanEntry): string {
  if (entry.status === 'hit' || entry.status === 'miss') return entry.key;
  // Without all its data the key cannot be final; this is the key of what could be read.
  if (entry.status === 'unavailable') return cacheKey(entry.components);
  return '';
}

export async function artifactView(
  root: string,
  entry: PlanEntry,
  profile: Profile,
  fingerprints: FingerprintCache,
  onSkip: (dir: string, reason: string) => void,
): Promise<ArtifactView> {
  const base = { experimentId: entry.experimentId, experimentTitle: entry.title, sourceFile: entry.sourceFile, currentKey: currentKeyOf(entry) };
  const shown = (artifact: StoredArtifact) => ({
    artifactDir: repoPath(root, artifact.dir),
    manifest: artifact.manifest,
    results: loadResults(artifact.dir, artifact.manifest),
  });
  if (entry.status === 'hit') return { ...base, state: 'current', ...shown(entry.artifact) };
  const newest = await newestArtifact(root, entry.experimentId, profile, fingerprints, onSkip);
  const state = entry.status === 'miss' && entry.failure ? 'failed' : newest ? 'stale' : 'missing';
  return newest ? { ...base, state, ...shown(newest) } : { ...base, state };
}
