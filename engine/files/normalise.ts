/**
 * The normal form of a project source file for its cache fingerprint: esbuild's transform of it with
 * whitespace minified and comments dropped. Comment-only, formatting-only and type-only edits (types are
 * erased) therefore leave a cache key unchanged, while any change to what runs changes it. Renaming an
 * identifier does change it: identifiers are kept. Files esbuild does not compile (JSON, text) are hashed
 * as bytes.
 */
import { extname } from 'node:path';
import type { Loader } from 'esbuild';

const LOADERS: Record<string, Loader> = {
  '.ts': 'ts',
  '.mts': 'ts',
  '.cts': 'ts',
  '.tsx': 'tsx',
  '.js': 'js',
  '.mjs': 'js',
  '.cjs': 'js',
  '.jsx': 'jsx',
};

export async function normaliseSource(path: string, bytes: Uint8Array): Promise<Uint8Array | string> {
  const loader = LOADERS[extname(path)];
  if (!loader) return bytes;
  const { transform } = await import('esbuild');
  const result = await transform(Buffer.from(bytes).toString('utf8'), {
    loader,
    format: 'esm',
    target: 'esnext',
    minifyWhitespace: true,
    legalComments: 'none',
    sourcefile: path,
  });
  return result.code;
}
