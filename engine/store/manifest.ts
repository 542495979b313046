/**
 * Manifests on disk: their schema, their seal and how they are read back. Every manifest (and failure
 * record) read from the store is validated against the schema; a successful run's manifest must also
 * carry its key's components (the key recomputed from them must equal the recorded key) and an
 * `integrity` hash over all its other fields. So a hand edit of any field (a param, the commit, a
 * duration) is detected exactly like a changed result file, and a truncated or unparsable manifest is
 * reported as corrupt rather than as "never built".
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { BACKENDS, PROFILES, type Json, type Manifest } from '../contract.ts';
import { canonicalJson, sha256 } from '../files/hash.ts';
import { cacheKey } from '../plan/key.ts';

const json: z.ZodType<Json> = z.lazy(() => z.union([z.null(), z.boolean(), z.number(), z.string(), z.array(json), z.record(z.string(), json)]));
const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in hex');
const cellValue = z.union([z.string(), z.number()]);

const componentsSchema = z.strictObject({
  experiment: z.string().min(1),
  profile: z.enum(PROFILES),
  files: z.record(z.string(), hex64),
  packages: z.record(z.string(), z.string()),
  params: json,
  seeds: z.array(z.number().int()),
  backend: z.enum(BACKENDS),
  data: z.record(z.string(), z.record(z.string(), hex64)),
  cacheVersion: z.string().nullable(),
  cell: z.record(z.string(), cellValue).optional(),
  uses: z.record(z.string(), hex64).optional(),
  adapter: z.enum(['gpu', 'software']).optional(),
});

const environmentSchema = z.strictObject({
  node: z.string(),
  os: z.string(),
  cpu: z.string(),
  cpus: z.number().int().nonnegative(),
  memoryBytes: z.number().nonnegative(),
  host: z.string().optional(),
  backend: z.strictObject({ name: z.enum(BACKENDS), version: z.string(), details: z.record(z.string(), json).optional() }),
  git: z.strictObject({ commit: z.string().nullable(), dirty: z.boolean() }),
  slurm: z.strictObject({ jobId: z.string(), partition: z.string().nullable(), node: z.string().nullable() }).optional(),
});

export const manifestSchema = z.strictObject({
  schema: z.literal(1),
  experimentId: z.string().min(1),
  key: hex64,
  components: componentsSchema,
  status: z.enum(['ok', 'failed']),
  error: z.strictObject({ message: z.string(), stack: z.string().optional() }).optional(),
  environment: environmentSchema,
  startedAt: z.iso.datetime(),
  durationMs: z.number().nonnegative(),
  peakRssBytes: z.number().nonnegative(),
  dataRead: z.record(z.string(), z.record(z.string(), hex64)),
  files: z.record(z.string(), hex64),
  blobs: z.record(z.string(), z.strictObject({ sha256: hex64, bytes: z.number().int().nonnegative() })).optional(),
  integrity: hex64.optional(),
});

/** The manifest's integrity hash: sha256 of its canonical JSON without the `integrity` field. */
export function integrityOf(manifest: Manifest): string {
  const { integrity: _, ...rest } = manifest;
  return sha256(canonicalJson(rest));
}

/** The manifest with its integrity field set: what is written to disk. */
export function sealManifest(manifest: Manifest): Manifest {
  return { ...manifest, integrity: integrityOf(manifest) };
}

export type ManifestRead = { ok: true; manifest: Manifest } | { ok: false; missing: boolean; reason: string };

/** Parse and validate a manifest or failure record; `where` names the file in errors. */
export function parseManifest(text: string, where: string): ManifestRead {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { ok: false, missing: false, reason: `${where} is corrupt: not JSON (${(error as Error).message})` };
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, missing: false, reason: `${where} is corrupt: ${issue.path.join('.') || '(top level)'}: ${issue.message}` };
  }
  const manifest = parsed.data as Manifest;
  if (manifest.integrity === undefined) return { ok: false, missing: false, reason: `${where} has no integrity hash (not written by this engine)` };
  if (integrityOf(manifest) !== manifest.integrity) return { ok: false, missing: false, reason: `${where} was edited: its fields no longer match its integrity hash` };
  if (manifest.status === 'ok' && cacheKey(manifest.components) !== manifest.key) {
    return { ok: false, missing: false, reason: `${where} was edited: its key components no longer give its key` };
  }
  return { ok: true, manifest };
}

export function readManifestFile(path: string, where: string): ManifestRead {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false, missing: true, reason: `${where} is missing` };
    return { ok: false, missing: false, reason: `${where} cannot be read (${(error as Error).message})` };
  }
  return parseManifest(text, where);
}

export function readManifestIn(dir: string): ManifestRead {
  return readManifestFile(join(dir, 'manifest.json'), 'manifest.json');
}
