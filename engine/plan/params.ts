/**
 * Validation of an experiment's per-profile params against its zod schema. Errors name the file, the
 * profile and the field, e.g. `experiments/scan-scaling/experiment.ts: profile local: params.lengths[2]:
 * Invalid input: expected number, received string`.
 */
import type { Experiment, Json, Profile } from '../contract.ts';
import { canonicalJson } from '../files/hash.ts';

export type ParamsResult = { ok: true; value: Json } | { ok: false; error: string };

export function validateParams(experiment: Experiment, profile: Profile, file: string): ParamsResult {
  const raw = experiment.profiles?.[profile];
  if (raw === undefined) return { ok: false, error: `${file}: profile ${profile}: no params defined for this profile` };
  const parsed = experiment.paramsSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${file}: profile ${profile}: ${fieldPath(issue.path)}: ${issue.message}`);
    return { ok: false, error: issues.join('\n') };
  }
  try {
    // Params go into the cache key as canonical JSON; anything JSON cannot hold would be silently lost.
    return { ok: true, value: JSON.parse(canonicalJson(parsed.data)) as Json };
  } catch (error) {
    return { ok: false, error: `${file}: profile ${profile}: params are not JSON-serialisable: ${(error as Error).message}` };
  }
}

/** `['lengths', 2]` -> `params.lengths[2]`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = 'params';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `.${String(part)}`;
  return out;
}
