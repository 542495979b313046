/**
 * What `make check` asks of every value and claim whose experiments are current: the same reading the
 * renderer does (engine/render/values.ts, claim.ts), so a path `make report` rejects fails here too,
 * and a null or missing metric (which the page shows as a marked gap) fails instead of passing.
 */
import type { ArtifactView } from '../contract.ts';
import { evaluateClaim, parseClaim, type ClaimRef, type ReadValue } from '../render/claim.ts';
import { lookupMetric, unknownMetric } from '../render/values.ts';
import type { Need } from './renderer.ts';

/** The value at `ref` in a current view, or why there is none. */
export function readCurrent(views: ReadonlyMap<string, ArtifactView>, ref: ClaimRef): ReadValue {
  const view = views.get(ref.experimentId);
  if (!view?.results) return { ok: false, reason: `experiment '${ref.experimentId}' has no results` };
  const found = lookupMetric(view.results.metrics, ref.path);
  if (!found.found) return { ok: false, reason: unknownMetric(found.reason, ref.experimentId, view.results.metrics) };
  if (found.value === null) return { ok: false, reason: `${ref.experimentId}:${ref.path} is null in the results (it was not computed)` };
  return { ok: true, value: found.value };
}

/** Why a value or claim need, all of whose experiments are current, would not render a computed result; null when it would. */
export function valueProblem(need: Need, views: ReadonlyMap<string, ArtifactView>): string | null {
  if (need.kind === 'value') {
    const read = readCurrent(views, need);
    return read.ok ? null : read.reason;
  }
  if (need.kind !== 'claim') return null;
  const parsed = parseClaim(need.claim);
  if (!parsed.ok) return `the claim does not parse: ${parsed.message}`;
  const outcome = evaluateClaim(parsed.claim, (ref) => readCurrent(views, ref));
  if (outcome.kind === 'decided') return null;
  if (outcome.kind === 'error') return outcome.message;
  return `the claim cannot be decided: ${outcome.gaps.map((g) => g.reason).join('; ')}`;
}
