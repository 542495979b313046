/**
 * The pinned Debian packages of the local translation corpus: parsing their sha256 list and checking
 * downloaded .deb files against it. The list (gettext-corpus-debs.sha256) has `sha256  FILE` lines as
 * sha256sum writes them, FILE being `PACKAGE_VERSION_ARCH.deb` with ':' in VERSION written as %3a
 * (apt's file naming); '#' lines are comments. Package and version for `apt-get download
 * PACKAGE=VERSION` are read back from the file name.
 */
import { createHash } from 'node:crypto';

export interface DebPin {
  file: string;
  sha256: string;
  pkg: string;
  version: string;
}

export function parseDebPins(text: string, name: string): DebPin[] {
  const pins: DebPin[] = [];
  text.split('\n').forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    const m = /^([0-9a-f]{64}) [ *]([^/\s]+\.deb)$/.exec(t);
    if (!m) throw new Error(`${name}:${i + 1}: expected 'SHA256  PACKAGE_VERSION_ARCH.deb', got '${t}'`);
    const parts = m[2].slice(0, -4).split('_');
    if (parts.length !== 3) throw new Error(`${name}:${i + 1}: '${m[2]}' is not PACKAGE_VERSION_ARCH.deb`);
    pins.push({ file: m[2], sha256: m[1], pkg: parts[0], version: decodeURIComponent(parts[1]) });
  });
  if (pins.length === 0) throw new Error(`${name}: no packages listed`);
  return pins;
}

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Throws naming the package when `bytes` (or their absence) does not match the pin. */
export function verifyDeb(pin: DebPin, bytes: Uint8Array | undefined): void {
  if (bytes === undefined) {
    throw new Error(
      `package ${pin.pkg}=${pin.version} (${pin.file}) is missing: 'apt-get download ${pin.pkg}=${pin.version}' did not produce it; ` +
        'the pinned version may have left the Debian archive (see snapshot.debian.org)',
    );
  }
  const actual = sha256Hex(bytes);
  if (actual !== pin.sha256) {
    throw new Error(`package ${pin.pkg}=${pin.version} (${pin.file}): sha256 ${actual}, expected ${pin.sha256}`);
  }
}
