/**
 * Fingerprints of the data an experiment declares: sha256 of every file `Dataset.files(profile)` lists.
 * A missing file does not crash a build: it is reported as unavailable and the experiment is not run.
 */
import { isAbsolute, join } from 'node:path';
import type { Profile } from '../contract.ts';
import type { DatasetFacts } from './facts.ts';
import type { FingerprintCache } from '../files/fingerprints.ts';

export interface DataFingerprints {
  /** Dataset id -> file (as declared) -> sha256. */
  data: Record<string, Record<string, string>>;
  /** Declared files that do not exist (as declared). */
  unavailable: string[];
}

export function resolveDataPath(root: string, file: string): string {
  return isAbsolute(file) ? file : join(root, file);
}

export async function fingerprintData(
  root: string,
  datasets: readonly DatasetFacts[],
  profile: Profile,
  fingerprints: FingerprintCache,
): Promise<DataFingerprints> {
  const data: Record<string, Record<string, string>> = {};
  const unavailable: string[] = [];
  for (const dataset of datasets) {
    const files: Record<string, string> = {};
    for (const file of dataset.files[profile]) {
      try {
        files[file] = await fingerprints.hash(resolveDataPath(root, file), 'bytes');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        unavailable.push(file);
      }
    }
    data[dataset.id] = files;
  }
  return { data, unavailable };
}
