/**
 * What the renderer is told about each experiment: its state relative to the current key and the
 * artifact to draw from. A current artifact is the one stored under the current key; otherwise the
 * newest verified artifact is shown, marked stale (or failed, when this key's last run failed), with
 * notes saying why (which key components changed, missing data, the failure).
 */
import type { ArtifactView, Profile } from '../contract.ts';
import type { FingerprintCache } from '../files/fingerprints.ts';
import type { PlanEntry } from '../plan/plan.ts';
import { cacheKey } from '../plan/key.ts';
import { explainChange } from '../plan/explain.ts';
import { repoPath } from '../commands/project.ts';
import { loadResults } from '../store/results.ts';
import { newestArtifact, type StoredArtifact } from '../store/store.ts';
import { refreshOn } from '../plan/backend.ts';

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
  if (entry.status === 'hit') {
    const notes = entry.unverifiedData.length
      ? [`data unavailable here, so not re-verified: ${entry.unverifiedData.join(', ')} (the fingerprints recorded with this run were used)`]
      : [];
    return { ...base, state: 'current', ...shown(entry.artifact), ...(notes.length ? { notes } : {}) };
  }
  const newest = await newestArtifact(root, entry.experimentId, profile, fingerprints, onSkip);
  const notes: string[] = [];
  if (entry.status === 'invalid') notes.push(entry.error.split('\n')[0]!);
  if (entry.status === 'unavailable') notes.push(`data unavailable: ${entry.unavailable.join(', ')}`);
  if (entry.status === 'miss' && entry.needsBackend) notes.push(refreshOn(entry.needsBackend, entry.experimentId, profile));
  if (entry.status === 'miss' && entry.failure) notes.push(`the run of the current key failed: ${entry.failure.error?.message ?? 'unknown error'}`);
  if (newest && entry.status !== 'invalid') notes.push(...explainChange(newest.manifest.components, entry.components));
  const state = entry.status === 'miss' && entry.failure ? 'failed' : newest ? 'stale' : 'missing';
  return { ...base, state, ...(newest ? shown(newest) : {}), ...(notes.length ? { notes } : {}) };
}
