/**
 * What the renderer is told about each experiment: its state relative to the current key and the
 * artifact to draw from. A current artifact is the one stored under the current key; otherwise the
 * newest verified artifact is shown, marked stale (or failed, when this key's last run failed), with
 * notes saying why (which key components changed, missing data, the failure). A grid experiment's view
 * gathers its cells: each has its own state, the view's state is the worst of them, and its results
 * hold every cell that has something to show, with its coordinates.
 */
import type { ArtifactState, ArtifactView, CellResults, CellView, Manifest, Profile, Results } from '../contract.ts';
import type { FingerprintCache } from '../files/fingerprints.ts';
import type { PlanEntry } from '../plan/plan.ts';
import { cacheKey } from '../plan/key.ts';
import { cellLabel } from '../plan/cells.ts';
import { explainChange } from '../plan/explain.ts';
import { canonicalJson, sha256 } from '../files/hash.ts';
import { repoPath } from '../commands/project.ts';
import { loadCellResults, loadResults } from '../store/results.ts';
import { experimentStore, listArtifacts, newestArtifact, type StoredArtifact } from '../store/store.ts';
import { refreshOn } from '../plan/backend.ts';
import { gridMetrics } from '../../experiments/metrics/aggregate.ts';

export function currentKeyOf(entry: PlanEntry): string {
  if (entry.status === 'hit' || entry.status === 'miss') return entry.key;
  // Without all its data the key cannot be final; this is the key of what could be read.
  if (entry.status === 'unavailable') return cacheKey(entry.components);
  return '';
}

type OnSkip = (dir: string, reason: string) => void;

interface EntryView {
  state: ArtifactState;
  artifact: StoredArtifact | null;
  notes: string[];
}

/** One plan entry's state, the artifact to show and why it is not current. */
async function entryView(root: string, entry: PlanEntry, profile: Profile, fingerprints: FingerprintCache, onSkip: OnSkip, listed: StoredArtifact[]): Promise<EntryView> {
  if (entry.status === 'hit') {
    const notes = entry.unverifiedData.length
      ? [`data unavailable here, so not re-verified: ${entry.unverifiedData.join(', ')} (the fingerprints recorded with this run were used)`]
      : [];
    return { state: 'current', artifact: entry.artifact, notes };
  }
  const sameCell = (m: Manifest) => canonicalJson(m.components.cell ?? null) === canonicalJson(entry.cell ?? null);
  const newest = await newestArtifact(root, entry.experimentId, profile, fingerprints, onSkip, sameCell, listed);
  const notes: string[] = [];
  if (entry.status === 'invalid') notes.push(entry.error.split('\n')[0]!);
  if (entry.status === 'unavailable') notes.push(`data unavailable: ${entry.unavailable.join(', ')}`);
  if (entry.status === 'miss' && entry.needsBackend) notes.push(refreshOn(entry.needsBackend, entry.experimentId, profile));
  if (entry.status === 'miss' && entry.rejected) notes.push(`the artifact of the current key is corrupt, so it is not shown: ${entry.rejected}`);
  if (entry.status === 'miss' && entry.failure) notes.push(`the run of the current key failed: ${entry.failure.error?.message ?? 'unknown error'}`);
  if (newest && entry.status !== 'invalid') notes.push(...explainChange(newest.manifest.components, entry.components));
  const state = entry.status === 'miss' && entry.failure ? 'failed' : newest ? 'stale' : 'missing';
  return { state, artifact: newest, notes };
}

/** The worst state of a grid's cells: any failed, else all missing, else any not current (stale), else current. */
export function gridState(states: readonly ArtifactState[]): ArtifactState {
  if (states.includes('failed')) return 'failed';
  if (states.every((s) => s === 'missing')) return 'missing';
  if (states.some((s) => s !== 'current')) return 'stale';
  return 'current';
}

/** The view of one experiment from its plan entries (one, or one per cell). */
export async function artifactView(root: string, entries: readonly PlanEntry[], profile: Profile, fingerprints: FingerprintCache, onSkip: OnSkip): Promise<ArtifactView> {
  const first = entries[0]!;
  const base = { experimentId: first.experimentId, experimentTitle: first.title, sourceFile: first.sourceFile };
  const listed = listArtifacts(root, first.experimentId, onSkip);
  if (!first.cell) {
    const view = await entryView(root, first, profile, fingerprints, onSkip, listed);
    return {
      ...base,
      currentKey: currentKeyOf(first),
      state: view.state,
      ...(view.artifact ? { artifactDir: repoPath(root, view.artifact.dir), manifest: view.artifact.manifest, results: loadResults(view.artifact.dir, view.artifact.manifest) } : {}),
      ...(view.notes.length ? { notes: view.notes } : {}),
    };
  }
  const cells: CellView[] = [];
  const cellResults: CellResults[] = [];
  let newest: StoredArtifact | null = null;
  for (const entry of entries) {
    const view = await entryView(root, entry, profile, fingerprints, onSkip, listed);
    const label = cellLabel(entry.cell!);
    cells.push({
      cell: entry.cell!,
      label,
      currentKey: currentKeyOf(entry),
      state: view.state,
      ...(view.artifact ? { artifactDir: repoPath(root, view.artifact.dir), manifest: view.artifact.manifest } : {}),
      ...(view.notes.length ? { notes: view.notes } : {}),
    });
    if (view.artifact) {
      cellResults.push(loadCellResults(view.artifact.dir, view.artifact.manifest));
      if (!newest || view.artifact.manifest.startedAt > newest.manifest.startedAt) newest = view.artifact;
    }
  }
  const state = gridState(cells.map((c) => c.state));
  const notCurrent = cells.filter((c) => c.state !== 'current');
  const notes = notCurrent.length
    ? [`${notCurrent.length} of ${cells.length} cells not current: ${notCurrent.map((c) => `${c.label} (${c.state}${c.notes?.length ? `: ${c.notes[0]}` : ''})`).join('; ')}`]
    : [];
  const results: Results | undefined = newest
    ? {
        experimentId: first.experimentId,
        profile: newest.manifest.components.profile,
        params: newest.manifest.components.params,
        metrics: gridMetrics(cellResults),
        series: (name) => {
          throw new Error(`experiment ${first.experimentId} is a grid: read series '${name}' from results.cells`);
        },
        json: (name) => {
          throw new Error(`experiment ${first.experimentId} is a grid: read json '${name}' from results.cells`);
        },
        cells: cellResults,
      }
    : undefined;
  return {
    ...base,
    // The grid's key: its cells' keys, in grid order.
    currentKey: sha256(canonicalJson(cells.map((c) => c.currentKey))),
    state,
    ...(newest ? { artifactDir: repoPath(root, experimentStore(root, first.experimentId)), manifest: newest.manifest } : {}),
    ...(results ? { results } : {}),
    ...(notes.length ? { notes } : {}),
    cells,
  };
}

/** Views of every experiment of a plan, by experiment id. */
export async function artifactViews(root: string, plan: readonly PlanEntry[], profile: Profile, fingerprints: FingerprintCache, onSkip: OnSkip): Promise<Map<string, ArtifactView>> {
  const byExperiment = new Map<string, PlanEntry[]>();
  for (const entry of plan) byExperiment.set(entry.experimentId, [...(byExperiment.get(entry.experimentId) ?? []), entry]);
  const out = new Map<string, ArtifactView>();
  for (const [id, entries] of byExperiment) out.set(id, await artifactView(root, entries, profile, fingerprints, onSkip));
  return out;
}
