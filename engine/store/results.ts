/**
 * Result files of a run: how a worker writes them (ResultsWriter of contract.ts) and how figures, tables
 * and values read them back (Results). Layout inside an artifact folder: `metrics.json`,
 * `series/<name>.json` (one row per line), `<name>.json` for other JSON; sorted keys throughout; and
 * `blobs/<name>` for binary results, which git never holds (see BLOBS_DIR).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CellResults, Json, Manifest, Results, ResultsWriter, Row } from '../contract.ts';
import { prettyJson, rowsJson } from '../files/hash.ts';
import { writeFileAtomic } from '../files/fsx.ts';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * Binary results live in `blobs/` inside the artifact folder. The rule that keeps them out of git is
 * a `.gitignore` line for every `blobs/` folder under artifacts/: JSON results are always committed, blobs never (a
 * model's weights are megabytes to gigabytes). The manifest lists every blob with its sha256 and size,
 * so a clone without them still verifies and renders the JSON results.
 */
export const BLOBS_DIR = 'blobs';
const RESERVED = new Set(['manifest', 'metrics']);

function checkName(kind: string, name: string): void {
  if (!NAME.test(name) || name.endsWith('.json')) throw new Error(`${kind} name '${name}' must match ${NAME} without .json`);
  if (kind === 'json' && RESERVED.has(name)) throw new Error(`json name '${name}' is reserved`);
}

/** JSON cannot hold NaN or Infinity (JSON.stringify would turn them into null silently): refuse them. */
function checkJson(where: string, value: unknown): void {
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`${where} is ${value}: JSON cannot hold it; write null explicitly`);
  if (Array.isArray(value)) value.forEach((v, i) => checkJson(`${where}[${i}]`, v));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) checkJson(`${where}.${k}`, v);
  else if (value !== null && !['number', 'string', 'boolean'].includes(typeof value)) throw new Error(`${where} is a ${typeof value}, not JSON`);
}

export function createResultsWriter(dir: string): ResultsWriter {
  const metrics: Record<string, Json> = {};
  return {
    metrics(values) {
      for (const [name, value] of Object.entries(values)) checkJson(`metric '${name}'`, value);
      Object.assign(metrics, values);
      writeFileAtomic(join(dir, 'metrics.json'), prettyJson(metrics));
    },
    series(name, rows) {
      checkName('series', name);
      rows.forEach((row, i) => {
        for (const [column, cell] of Object.entries(row)) {
          if (cell !== null && typeof cell === 'object') throw new Error(`series '${name}' row ${i} column '${column}' is not a flat cell`);
          checkJson(`series '${name}' row ${i} column '${column}'`, cell);
        }
      });
      mkdirSync(join(dir, 'series'), { recursive: true });
      writeFileAtomic(join(dir, 'series', `${name}.json`), rowsJson(rows));
    },
    json(name, value) {
      checkName('json', name);
      checkJson(`json '${name}'`, value);
      writeFileAtomic(join(dir, `${name}.json`), prettyJson(value));
    },
    file(name, bytes) {
      checkName('blob', name);
      if (!(bytes instanceof Uint8Array)) throw new Error(`blob '${name}' must be a Uint8Array`);
      writeFileAtomic(join(dir, BLOBS_DIR, name), bytes);
    },
  };
}

/** Blob files of a finished run, relative to the blobs folder. */
export function blobFiles(dir: string): string[] {
  const blobs = join(dir, BLOBS_DIR);
  return existsSync(blobs) ? readdirSync(blobs).filter((f) => !f.startsWith('.')).sort() : [];
}

/** Result files of a finished run, relative to its folder (run.log and manifest.json are not results). */
export function resultFiles(dir: string): string[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'manifest.json');
  const seriesDir = join(dir, 'series');
  if (existsSync(seriesDir)) files.push(...readdirSync(seriesDir).filter((f) => f.endsWith('.json')).map((f) => `series/${f}`));
  return files.sort();
}

/** The Results view of an artifact folder; files are read on first use. `cells`: a grid's cells. */
export function loadResults(dir: string, manifest: Manifest, cells: CellResults[] = []): Results {
  return { ...loadCellResults(dir, manifest), experimentId: manifest.experimentId, profile: manifest.components.profile, params: manifest.components.params, cells };
}

/** One run's results: metrics, series and JSON by name. */
export function loadCellResults(dir: string, manifest: Manifest): CellResults {
  const read = (file: string): unknown => JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const metricsFile = join(dir, 'metrics.json');
  return {
    cell: manifest.components.cell ?? {},
    metrics: existsSync(metricsFile) ? (read('metrics.json') as Record<string, Json>) : {},
    series(name: string): Row[] {
      if (!(`series/${name}.json` in manifest.files)) {
        throw new Error(`experiment ${manifest.experimentId} has no series '${name}' (it has: ${seriesNames(manifest).join(', ') || 'none'})`);
      }
      return read(`series/${name}.json`) as Row[];
    },
    json(name: string): Json {
      if (!(`${name}.json` in manifest.files)) throw new Error(`experiment ${manifest.experimentId} has no json result '${name}'`);
      return read(`${name}.json`) as Json;
    },
  };
}

function seriesNames(manifest: Manifest): string[] {
  return Object.keys(manifest.files)
    .filter((f) => f.startsWith('series/'))
    .map((f) => f.slice('series/'.length, -'.json'.length));
}
