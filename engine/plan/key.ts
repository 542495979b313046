/**
 * The cache key: sha256 over canonical JSON of everything a result depends on (KeyComponents in
 * contract.ts): the project files the experiment imports (normalised-source hashes), the packages they
 * import (name@version), resolved params, seeds, backend, fingerprints of the declared data, profile and
 * the optional cacheVersion salt. The environment (Node, OS, CPU, git) is recorded in the manifest, not
 * hashed: it describes a run, it does not select one.
 */
import type { KeyComponents } from '../contract.ts';
import { canonicalJson, sha256 } from '../files/hash.ts';

/** Bumped only when the meaning of the components changes, so old artifacts are never mistaken for new. */
const KEY_SCHEMA = 1;

export function cacheKey(components: KeyComponents): string {
  return sha256(canonicalJson({ schema: KEY_SCHEMA, components }));
}
