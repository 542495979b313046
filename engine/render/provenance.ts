/**
 * The provenance note under every figure and table: which experiment computed it (linked to its
 * source and manifest), with which profile, params, data, machine, backend and commit, when, for how
 * long, under which cache key — and whether that key is still the one the sources give today.
 * Everything shown comes from the artifact's manifest; nothing is read from the clock.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { ArtifactView, Catalog, Json, Manifest } from '../contract.ts';

/** Links in build/report.html point into the repository, one level up. */
export const REPO_FROM_OUTPUT = '../';

export interface ProvenanceView {
  experimentId: string;
  experimentTitle: string;
  sourceHref: string;
  state: ArtifactView['state'];
  stale: boolean;
  /** The command that brings the artifact up to date. */
  refresh: string;
  /** Why the artifact is not current, one sentence each (ArtifactView.notes). */
  notes: string[];
  run: RunView | null;
}

export interface RunView {
  manifestHref: string | null;
  profile: string;
  paramsDigest: string;
  params: { name: string; value: string }[];
  keyPrefix: string;
  currentKeyPrefix: string;
  seeds: string;
  data: { dataset: string; source: string | null; files: { file: string; sha: string }[] }[];
  date: string;
  duration: string;
  machine: string;
  backend: string;
  /** The GPU adapter, for runs on one (the webgpu backend's `adapter` detail). */
  adapter: string | null;
  commit: string;
  /** A grid's cells: each with its state, key, run and manifest (the fields above describe the newest cell's run). */
  cells: { label: string; state: string; keyPrefix: string; manifestHref: string | null; duration: string; commit: string }[];
}

/** Dataset descriptions, when the engine puts them beside the catalog's experiment entries. */
type ExperimentEntry = Catalog['experiments'] extends Map<string, infer E> ? E : never;

export function provenanceView(view: ArtifactView, itemId: string, catalog: Catalog): ProvenanceView {
  const manifest = view.manifest;
  const entry = catalog.experiments.get(view.experimentId) as ExperimentEntry | undefined;
  return {
    experimentId: view.experimentId,
    experimentTitle: view.experimentTitle,
    sourceHref: REPO_FROM_OUTPUT + view.sourceFile,
    state: view.state,
    stale: view.state === 'stale',
    refresh: refreshCommand(view) ?? `make figure FIG=${itemId}`,
    notes: view.notes ?? [],
    run: manifest ? runView(manifest, view, entry) : null,
  };
}

/** An experiment that needs a backend this machine lacks says so in a note: "needs webgpu on a GPU to refresh: <command>". */
function refreshCommand(view: ArtifactView): string | null {
  const note = view.notes?.find((n) => /^needs .* to refresh: /.test(n));
  return note ? note.slice(note.indexOf(': ') + 2) : null;
}

const commitOf = (m: Manifest) => (m.environment.git.commit ? `${m.environment.git.commit.slice(0, 7)}${m.environment.git.dirty ? '+dirty' : ''}` : 'not in git');

function runView(manifest: Manifest, view: ArtifactView, entry: ExperimentEntry | undefined): RunView {
  const env = manifest.environment;
  const cells = (view.cells ?? []).map((c) => ({
    label: c.label,
    state: c.state,
    keyPrefix: (c.manifest?.key ?? c.currentKey).slice(0, 12),
    manifestHref: c.artifactDir ? `${REPO_FROM_OUTPUT}${c.artifactDir}/manifest.json` : null,
    duration: c.manifest ? duration(c.manifest.durationMs) : 'not run',
    commit: c.manifest ? commitOf(c.manifest) : '',
  }));
  const grid = view.cells !== undefined;
  const seeds = grid ? [...new Set((view.cells ?? []).flatMap((c) => c.manifest?.components.seeds ?? []))].sort((a, b) => a - b) : manifest.components.seeds;
  const sources = new Map((entry?.datasets ?? []).map((d) => [d.id, d.source]));
  const data = dataReadBy(manifest);
  return {
    manifestHref: view.artifactDir && !grid ? `${REPO_FROM_OUTPUT}${view.artifactDir}/manifest.json` : null,
    profile: manifest.components.profile,
    paramsDigest: digest(manifest.components.params),
    params: flatten(manifest.components.params),
    // A grid's key: the digest of its cells' keys (what views.ts calls the grid's current key).
    keyPrefix: grid ? (view.state === 'current' ? view.currentKey.slice(0, 12) : manifest.key.slice(0, 12)) : manifest.key.slice(0, 12),
    currentKeyPrefix: view.currentKey.slice(0, 12),
    seeds: seeds.join(', '),
    data: Object.keys(data)
      .sort()
      .map((dataset) => ({
        dataset,
        source: sources.get(dataset) ?? null,
        files: Object.keys(data[dataset])
          .sort()
          .map((file) => ({ file, sha: data[dataset][file].slice(0, 12) })),
      })),
    date: runDate(manifest.startedAt),
    duration: grid ? `${duration((view.cells ?? []).reduce((t, c) => t + (c.manifest?.durationMs ?? 0), 0))} over ${cells.length} cells` : duration(manifest.durationMs),
    machine: `${env.os}, ${env.cpu}, ${env.cpus} cores, ${(env.memoryBytes / 2 ** 30).toFixed(0)} GiB, Node ${env.node}`,
    backend: [`${env.backend.name} ${env.backend.version}`, ...Object.entries(env.backend.details ?? {}).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)].join(', '),
    adapter: typeof env.backend.details?.adapter === 'string' ? env.backend.details.adapter : null,
    commit: commitOf(manifest),
    cells,
  };
}

/** A short hash of the canonical JSON of the params (RFC 8785), equal for equal params. */
/**
 * The data files a run read, by data set: what the run recorded reading, or (for a run that recorded
 * nothing) the fingerprints in its key without the data sets its profile has no files of.
 */
export function dataReadBy(manifest: Manifest): Record<string, Record<string, string>> {
  if (Object.keys(manifest.dataRead).length > 0) return manifest.dataRead;
  return Object.fromEntries(Object.entries(manifest.components.data).filter(([, files]) => Object.keys(files).length > 0));
}

export function digest(params: Json): string {
  return createHash('sha256').update(canonicalize(params) ?? 'null').digest('hex').slice(0, 12);
}

/** Params as dotted names and JSON values, sorted by name; arrays of plain values stay one value. */
export function flatten(params: Json, prefix = ''): { name: string; value: string }[] {
  const isLeaf =
    params === null || typeof params !== 'object' || (Array.isArray(params) && params.every((v) => v === null || typeof v !== 'object'));
  if (isLeaf) return [{ name: prefix || '(params)', value: JSON.stringify(params) }];
  const entries = Array.isArray(params)
    ? params.map((v, i) => [String(i), v] as const)
    : Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.flatMap(([key, value]) => flatten(value, prefix ? `${prefix}.${key}` : key));
}

/** "2024-11-29 10:14 UTC", from the manifest's ISO time (never the local clock or locale). */
export function runDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const totalSeconds = Math.round(s);
  if (totalSeconds < 3600) return `${Math.floor(totalSeconds / 60)} min ${String(totalSeconds % 60).padStart(2, '0')} s`;
  const minutes = Math.round(totalSeconds / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}
