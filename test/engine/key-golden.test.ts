/**
 * The cache key's exact values. Every committed artifact is filed under its key, so a change in how keys
 * are computed (the schema number, the canonical encoding, the hash, a renamed component) would orphan all
 * of them at once: it must be a deliberate edit of these expectations, never a side effect.
 */
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KeyComponents } from '../../engine/contract.ts';
import { REPO_ROOT } from '../../engine/commands/project.ts';
import { canonicalJson, prettyJson, rowsJson, sha256 } from '../../engine/files/hash.ts';
import { cacheKey } from '../../engine/plan/key.ts';
import { readManifestIn } from '../../engine/store/manifest.ts';

const BASE: KeyComponents = {
  experiment: 'scan-scaling',
  profile: 'local',
  files: { 'experiments/a.ts': 'a'.repeat(64), 'kernels/scan/index.ts': 'b'.repeat(64) },
  packages: { '@tensorflow/tfjs-core': '4.22.0' },
  params: { width: 256, rates: [0.1, 0.2], name: 'é "q"' },
  seeds: [1, 2, 3],
  backend: 'wasm',
  data: { mnist: { 'data/x.gz': 'c'.repeat(64) } },
  cacheVersion: null,
};

describe('cache key values', () => {
  it('is sha256 over the canonical JSON of { schema: 1, components }, pinned for fixed inputs', () => {
    expect(cacheKey(BASE)).toBe('3b662164a1a3be39c2ddc4d739a7c96bddec099d22e1822c0298da1d74740aa5');
    expect(cacheKey({ ...BASE, cell: { seed: 2, model: 'mamba' }, uses: { baseline: 'd'.repeat(64) } })).toBe(
      '77875a8dd24bde77049329bba016e8273f40247fa313d8d263868a8ea2fa2d0c',
    );
    expect(cacheKey(BASE)).toBe(sha256(canonicalJson({ schema: 1, components: BASE })));
  });

  it('ignores the order of object keys, and nothing else', () => {
    const reordered = Object.fromEntries(Object.entries(BASE).reverse()) as unknown as KeyComponents;
    expect(cacheKey(reordered)).toBe(cacheKey(BASE));
    const changes: Partial<KeyComponents>[] = [
      { seeds: [3, 2, 1] },
      { params: { width: 257, rates: [0.1, 0.2], name: 'é "q"' } },
      { cacheVersion: '' },
      { backend: 'cpu' },
      { profile: 'paper' },
      { cell: {} },
      { uses: {} },
      { files: { ...BASE.files, 'experiments/a.ts': 'e'.repeat(64) } },
    ];
    const keys = changes.map((change) => cacheKey({ ...BASE, ...change }));
    expect(new Set([cacheKey(BASE), ...keys]).size).toBe(changes.length + 1);
  });

  it('still gives every committed artifact its recorded key', () => {
    const artifacts = join(REPO_ROOT, 'artifacts');
    const dirs = existsSync(artifacts)
      ? readdirSync(artifacts, { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .flatMap((e) => readdirSync(join(artifacts, e.name), { withFileTypes: true }).filter((a) => a.isDirectory() && !a.name.startsWith('.')).map((a) => join(artifacts, e.name, a.name)))
      : [];
    for (const dir of dirs) {
      const read = readManifestIn(dir);
      if (!read.ok) continue; // corrupt manifests are the store's tests' business
      expect(cacheKey(read.manifest.components), dir).toBe(read.manifest.key);
      expect(dir.endsWith(read.manifest.key.slice(0, 12)), dir).toBe(true);
    }
  });
});

describe('encodings the cache relies on', () => {
  it('canonical JSON sorts keys, drops whitespace and writes numbers the RFC 8785 way', () => {
    expect(canonicalJson({ b: [1, 1e21, 0.1, -0], a: { d: 'x"\u00e9\n', c: null, e: true } })).toBe('{"a":{"c":null,"d":"x\\"é\\n","e":true},"b":[1,1e+21,0.1,0]}');
    expect(() => canonicalJson(undefined)).toThrow('value cannot be encoded as canonical JSON');
  });

  it('sha256 is hex of the bytes', () => {
    expect(sha256('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256(new Uint8Array([97, 98, 99]))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('stored JSON: two-space indent, keys sorted at every depth, final newline; series one row per line', () => {
    expect(prettyJson({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{\n  "a": [\n    {\n      "c": 2,\n      "d": 1\n    }\n  ],\n  "b": 1\n}\n');
    expect(prettyJson(null)).toBe('null\n');
    expect(rowsJson([])).toBe('[]\n');
    expect(rowsJson([{ y: 1, x: [2, { b: 1, a: 0 }] }, { x: 3 }])).toBe('[\n  {"x":[2,{"a":0,"b":1}],"y":1},\n  {"x":3}\n]\n');
  });
});
