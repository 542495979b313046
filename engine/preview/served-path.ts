/**
 * Which file a request may read: only files under the served folder (the build output and its assets).
 * The path is decoded once, as a browser encodes it; a `..` segment, a backslash or a NUL anywhere after
 * decoding is refused outright (not normalised away), and a symbolic link that leads outside the folder
 * is refused when the file is opened (realpath).
 */
import { realpathSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';

/** The absolute path `requestPath` (the request target, query included) names under `base`, or null when it names none. */
export function servedPath(base: string, requestPath: string): string | null {
  if (!requestPath.startsWith('/')) return null;
  const pathname = requestPath.split(/[?#]/, 1)[0]!;
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..')) return null;
  const root = resolve(base);
  const file = resolve(root, ...segments);
  return file === root || file.startsWith(root + sep) ? file : null;
}

/** The real path of the regular file `requestPath` names under `base`, when it is still under `base`; else null. */
export function servablePath(base: string, requestPath: string): string | null {
  const file = servedPath(base, requestPath);
  if (!file) return null;
  try {
    const realBase = realpathSync(base);
    const real = realpathSync(file);
    if (!real.startsWith(realBase + sep)) return null;
    return statSync(real).isFile() ? real : null;
  } catch {
    return null;
  }
}
