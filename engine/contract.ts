/**
 * The contract between experiment modules, the build engine and the renderer.
 *
 * An experiment lives in `experiments/<id>/experiment.ts` and default-exports `defineExperiment({...})`.
 * Its presentation lives beside it in `experiments/<id>/figures.ts`, which exports `figures` and `tables`
 * built with `defineFigure` / `defineTable`. experiment.ts never imports figures.ts: the cache key covers
 * everything experiment.ts imports, so restyling a plot never reruns a computation.
 */
import type { z } from 'zod';

export const PROFILES = ['smoke', 'local', 'paper'] as const;
/** smoke: seconds, generated fixtures (CI); local: the default, real offline data on a CPU; paper: the original setup. */
export type Profile = (typeof PROFILES)[number];

/** Compute backends an experiment can run on; `auto` is resolved by kernels/backend before keys are computed. */
export const BACKENDS = ['wasm', 'cpu', 'tensorflow', 'webgpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** One row of a tabular series: flat, JSON-safe cells. */
export type Row = Record<string, number | string | boolean | null>;

/** A data set an experiment reads: the files it consists of for a profile. Fingerprints go into the cache key. */
export interface Dataset {
  id: string;
  title: string;
  /** Where it comes from (package, URL) and its licence: shown in provenance notes. */
  source: string;
  /** Absolute paths (or paths relative to the repository root) of the files read under `profile`. */
  files(profile: Profile): string[];
}

export interface Progress {
  /** Report where a run stands; `step`/`total` drive the progress bar and ETA. Cheap: call it every step. */
  update(state: { step: number; total: number; unit?: string; loss?: number; note?: string }): void;
}

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

export interface ResultsWriter {
  /** Merge named scalar (or small JSON) results into metrics.json. Report `value` directives read these. */
  metrics(values: Record<string, Json>): void;
  /** A tabular series (one JSON array of flat rows), read by figures and tables. */
  series(name: string, rows: Row[]): void;
  /** Any other JSON result (a confusion matrix, a config echo). */
  json(name: string, value: Json): void;
  /**
   * A binary result (model weights, a trained tokenizer's tables, predictions) under `blobs/<name>`.
   * Hashed in the manifest and verified on load like JSON results, but never committed to git
   * (git ignores every `blobs/` folder under artifacts): the manifest lists each blob, so a clone without it still
   * renders every figure from the JSON results.
   */
  file(name: string, bytes: Uint8Array): void;
}

export interface DataAccess {
  /** Absolute path of a declared data set's file; reading it through `read` records its fingerprint. */
  files(datasetId: string): string[];
  /** Read one file of a declared data set; its sha256 is recorded in the manifest as data actually read. */
  read(datasetId: string, file: string): Promise<Buffer>;
}

/** A named typed array of a checkpoint: weights, optimizer moments, anything a run must restore. */
export interface CheckpointArray {
  dtype: 'float32' | 'int32';
  shape: number[];
  data: Float32Array | Int32Array;
}

/** What a long run saves to resume from: small JSON (step, epoch, RNG states, data cursor) plus arrays. */
export interface CheckpointState {
  meta: Json;
  arrays: Record<string, CheckpointArray>;
}

/**
 * Scratch space of one run (one cell), keyed like its result and outside the final artifact.
 * `save` replaces the previous checkpoint atomically (a kill mid-save leaves the old one); `load`
 * returns the newest complete checkpoint, or null on a fresh start. Finished runs lose their scratch.
 */
export interface Checkpoint {
  save(state: CheckpointState): Promise<void>;
  load(): Promise<CheckpointState | null>;
}

/** One cell of a grid: a value for each axis, e.g. `{ system: 'mamba', seed: 2 }`. */
export type Cell = Record<string, string | number>;

/** A grid's axes for one profile: axis name -> its values. Cells are the cartesian product, in declared order. */
export type GridAxes = Record<string, readonly (string | number)[]>;

/**
 * A study as a grid of cells: `experiments/<id>/grid.ts` exports `grid: Grid`, axes with values per
 * profile. Each cell is cached, run, failed and resumed on its own; its key has the cell's coordinates
 * and the experiment's code, never the grid file, so adding a seed or a size runs only the new cells.
 * (Like figures.ts, grid.ts is never imported by experiment.ts.) A `seed` axis gives each cell its seed.
 */
export type Grid = Record<Profile, GridAxes>;

/**
 * A result another experiment produced that a run builds on (a tokenizer trained once, a data split).
 * The used experiment's cell is the one whose coordinates on `axes` equal this cell's (`axes` omitted:
 * the used experiment has no grid). Its key becomes part of this cell's key.
 */
export interface Use {
  experiment: string;
  axes?: readonly string[];
}

/** A finished result a run uses (RunContext.uses): its folder, its results, its blobs. */
export interface UsedResult {
  key: string;
  results: Results;
  /** Absolute path of a blob the used run wrote with `results.file(name, ...)`; throws when absent here. */
  blob(name: string): string;
}

export interface RunContext<P> {
  experimentId: string;
  profile: Profile;
  params: P;
  /** The run's seeds; `seed` is the first (a grid's `seed` axis gives each cell one). Every random choice derives from these. */
  seed: number;
  seeds: readonly number[];
  backend: BackendName;
  progress: Progress;
  log: Logger;
  results: ResultsWriter;
  data: DataAccess;
  /** Aborted on Ctrl-C / kill: long loops should check it between steps. */
  signal: AbortSignal;
  /** The cell this run computes (its coordinates), or `{}` for an experiment without a grid. */
  cell: Cell;
  /** Scratch space to save and resume from: a killed run started again continues where it saved. */
  checkpoint: Checkpoint;
  /** A result declared in the experiment's `uses`, by name. */
  uses(name: string): UsedResult;
}

export interface Experiment<P = unknown> {
  id: string;
  title: string;
  /** One or two sentences for the provenance note and `make list`. */
  summary: string;
  /** Validates each profile's params; errors name the field and the experiment file. */
  paramsSchema: z.ZodType<P>;
  profiles: Record<Profile, unknown>;
  /** The seeds of every run; optional for a grid with a `seed` axis, which gives each cell its own. */
  seeds?: readonly number[];
  datasets: readonly Dataset[];
  /** Bump to force a rerun when nothing the key sees has changed (e.g. a fix in an external tool). */
  cacheVersion?: string;
  /** Backends the experiment cannot run on (the engine then falls back to another in this order: wasm, cpu). */
  unsupportedBackends?: readonly BackendName[];
  /**
   * The one backend the experiment measures (a GPU series, say): its key uses it whatever the build's
   * backend, and where that backend is not available the engine never runs it (engine/README.md).
   * 'webgpu' means a hardware GPU: a software adapter (llvmpipe) does not count, and the key's adapter
   * class is 'gpu' wherever it is planned.
   */
  requiresBackend?: BackendName;
  /** Results of other experiments each cell builds on, by the name `ctx.uses(name)` takes. */
  uses?: Record<string, Use>;
  run(ctx: RunContext<P>): Promise<void>;
}

export function defineExperiment<S extends z.ZodType>(def: {
  id: string;
  title: string;
  summary: string;
  paramsSchema: S;
  profiles: Record<Profile, z.input<S>>;
  seeds?: readonly number[];
  datasets?: readonly Dataset[];
  cacheVersion?: string;
  unsupportedBackends?: readonly BackendName[];
  requiresBackend?: BackendName;
  uses?: Record<string, Use>;
  run(ctx: RunContext<z.output<S>>): Promise<void>;
}): Experiment<z.output<S>> {
  return { datasets: [], ...def } as Experiment<z.output<S>>;
}

// ---------------------------------------------------------------------------------------------
// What a finished run left behind, as figures and tables see it.

export interface Results {
  experimentId: string;
  profile: Profile;
  params: Json;
  metrics: Record<string, Json>;
  /** Rows of a series written with `results.series(name, rows)`; throws naming the series when absent. */
  series(name: string): Row[];
  json(name: string): Json;
  /**
   * A grid experiment's cells, each with its coordinates and its own results, in grid order (empty
   * for an experiment without a grid, whose results are the fields above). Only current cells and
   * the newest stale ones appear; a cell that never ran is absent.
   */
  cells: CellResults[];
}

/** One cell's results, as figures see them. */
export interface CellResults {
  cell: Cell;
  metrics: Record<string, Json>;
  series(name: string): Row[];
  json(name: string): Json;
}

/** Figures and tables receive the results and, for layout, the page's content width in CSS pixels. */
export interface PresentContext {
  width: number;
}

export interface FigureSpec {
  title: string;
  /** Caption markdown (inline). The engine appends profile and data to it. */
  caption: string;
  /** Text alternative for screen readers: what the figure shows, in words. */
  alt: string;
  /** Observable Plot options (what `Plot.plot(options)` takes). Typed loosely to keep Plot out of this file. */
  plot(results: Results, ctx: PresentContext): Record<string, unknown>;
}

export interface TableColumn {
  key: string;
  label: string;
  /** d3-format specifier for numbers, e.g. ".3f", ",.0f", ".1%". */
  format?: string;
  align?: 'left' | 'right';
}

export interface TableSpec {
  title: string;
  caption: string;
  columns: TableColumn[];
  rows(results: Results): Row[];
}

export const defineFigure = (spec: FigureSpec): FigureSpec => spec;
export const defineTable = (spec: TableSpec): TableSpec => spec;

/** The shape of `experiments/<id>/figures.ts`. Figure and table ids are global across the report. */
export interface FiguresModule {
  figures?: Record<string, FigureSpec>;
  tables?: Record<string, TableSpec>;
}

// ---------------------------------------------------------------------------------------------
// Artifacts: what the engine stores and hands to the renderer.

/** Everything the cache key is computed from. `make explain` diffs two of these. */
export interface KeyComponents {
  experiment: string;
  profile: Profile;
  /** Repository-relative path -> sha256 of the file's normalised source, for every project file the experiment imports. */
  files: Record<string, string>;
  /** Package name -> installed version, for every package that import graph reaches directly. */
  packages: Record<string, string>;
  params: Json;
  seeds: number[];
  backend: BackendName;
  /** Dataset id -> file (as declared) -> sha256 of its bytes. */
  data: Record<string, Record<string, string>>;
  cacheVersion: string | null;
  /** A grid experiment's cell (absent otherwise, so keys of experiments without a grid are unchanged). */
  cell?: Cell;
  /** Use name -> key of the result used (absent when the experiment uses none). */
  uses?: Record<string, string>;
  /**
   * webgpu only (absent for every other backend, so their keys are unchanged): the adapter's class,
   * 'gpu' or 'software' (a CPU renderer such as llvmpipe); a result of one is never taken for the other.
   */
  adapter?: AdapterClass;
}

export type AdapterClass = 'gpu' | 'software';

export interface Environment {
  node: string;
  os: string;
  cpu: string;
  cpus: number;
  memoryBytes: number;
  /** The machine's host name (where a cell ran, on a cluster). */
  host?: string;
  /** Backend name, tfjs version, and for GPUs the adapter. */
  backend: { name: BackendName; version: string; details?: Record<string, Json> };
  git: { commit: string | null; dirty: boolean };
  /** The Slurm job that ran it, when the Slurm executor did. */
  slurm?: { jobId: string; partition: string | null; node: string | null };
}

export interface Manifest {
  schema: 1;
  experimentId: string;
  key: string;
  components: KeyComponents;
  status: 'ok' | 'failed';
  error?: { message: string; stack?: string };
  environment: Environment;
  /** ISO time the run started, and how long it took. */
  startedAt: string;
  durationMs: number;
  peakRssBytes: number;
  /** Fingerprints of the data files the run actually read (subset of components.data). */
  dataRead: Record<string, Record<string, string>>;
  /** Result file (relative to the artifact folder) -> sha256 of its bytes. */
  files: Record<string, string>;
  /** Binary results (`blobs/<name>`): sha256 and size. Never committed to git; verified when present. */
  blobs?: Record<string, { sha256: string; bytes: number }>;
  /** sha256 of the manifest's canonical JSON without this field: a hand edit of any field is detected. */
  integrity?: string;
}

/** The state of one experiment's newest artifact relative to the current key. */
export type ArtifactState = 'current' | 'stale' | 'missing' | 'failed';

export interface ArtifactView {
  experimentId: string;
  experimentTitle: string;
  /** Repository-relative path of experiment.ts, for links. */
  sourceFile: string;
  /** The key the sources give now. */
  currentKey: string;
  state: ArtifactState;
  /** Repository-relative artifact folder, when one exists. */
  artifactDir?: string;
  manifest?: Manifest;
  results?: Results;
  /**
   * Optional: what the engine knows beyond `state`, one sentence each, for the report to show: why the
   * artifact is not current ("data unavailable: data/x.gz", "file kernels/scan/fused.ts changed", the
   * failed run's error), or that the data behind a current artifact could not be re-read here.
   */
  notes?: string[];
  /**
   * A grid experiment's cells, each with its own state (the view's `state` is the worst of them,
   * `manifest` the newest cell's run, `results.cells` the cells' results).
   */
  cells?: CellView[];
}

export interface CellView {
  cell: Cell;
  /** Short label of the cell, `system=mamba seed=2`. */
  label: string;
  currentKey: string;
  state: ArtifactState;
  artifactDir?: string;
  manifest?: Manifest;
  notes?: string[];
}

export interface CatalogEntry<S> {
  id: string;
  experimentId: string;
  /** Repository-relative path of the figures.ts that defines it. */
  file: string;
  spec: S;
}

/** Every figure and table the experiments define, by global id. */
export interface Catalog {
  figures: Map<string, CatalogEntry<FigureSpec>>;
  tables: Map<string, CatalogEntry<TableSpec>>;
  experiments: Map<string, { title: string; summary: string; sourceFile: string; datasets?: readonly { id: string; source: string }[] }>;
}
