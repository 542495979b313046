/**
 * Choosing and preparing a backend: kernels/backend/index.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { findNativeTensorflow, resolveBackend, setupBackend } from '../../kernels/backend/index.ts';
import { ADDED_KERNELS, WRAPPED_KERNELS } from '../../kernels/backend/wasm/index.ts';
import * as tf from '../../kernels/tf.ts';

const root = resolve(import.meta.dirname, '../..');

describe('resolveBackend', () => {
  it('maps auto to tensorflow when a native binding is found, else to wasm', () => {
    const found = () => ({ package: '@tensorflow/tfjs-node' as const, binding: '/x/tfjs_binding.node' });
    expect(resolveBackend('auto', found)).toBe('tensorflow');
    expect(resolveBackend('auto', () => null)).toBe('wasm');
  });

  it('passes explicit names through and rejects unknown ones', () => {
    for (const name of ['wasm', 'cpu', 'tensorflow', 'webgpu'] as const) expect(resolveBackend(name, () => null)).toBe(name);
    expect(() => resolveBackend('gpu' as 'cpu')).toThrow(/unknown backend 'gpu'/);
  });

  it('loads no TensorFlow.js to decide', () => {
    const code =
      `const m = await import(${JSON.stringify(pathToFileURL(join(root, 'kernels/backend/index.ts')).href)});` +
      `m.resolveBackend('auto');` +
      `console.log(JSON.stringify({ tfLoaded: '_tfengine' in globalThis || '_tfGlobals' in globalThis }));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, encoding: 'utf8' });
    expect(JSON.parse(out.trim().split('\n').at(-1)!)).toEqual({ tfLoaded: false });
  });
});

describe('findNativeTensorflow', () => {
  const dir = mkdtempSync(join(tmpdir(), 'native-tf-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const from = join(dir, 'index.js');
  const fakePackage = (name: string, withBinding: boolean) => {
    const pkg = join(dir, 'node_modules', name);
    mkdirSync(join(pkg, 'lib', 'napi-v8'), { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name, version: '4.22.0', main: 'index.js' }));
    writeFileSync(join(pkg, 'index.js'), '');
    if (withBinding) writeFileSync(join(pkg, 'lib', 'napi-v8', 'tfjs_binding.node'), '');
  };

  it('finds nothing when no native package is installed', () => {
    expect(findNativeTensorflow(from)).toBeNull();
  });

  it('ignores a package installed without its binding (a failed download)', () => {
    fakePackage('@tensorflow/tfjs-node-gpu', false);
    expect(findNativeTensorflow(from)).toBeNull();
  });

  it('finds a package with its binding, preferring tfjs-node-gpu', () => {
    fakePackage('@tensorflow/tfjs-node', true);
    expect(findNativeTensorflow(from)?.package).toBe('@tensorflow/tfjs-node');
    fakePackage('@tensorflow/tfjs-node-gpu', true);
    const found = findNativeTensorflow(from);
    expect(found?.package).toBe('@tensorflow/tfjs-node-gpu');
    expect(found?.binding).toBe(join(dir, 'node_modules/@tensorflow/tfjs-node-gpu/lib/napi-v8/tfjs_binding.node'));
  });
});

describe('setupBackend', () => {
  it('wasm: selects it, reports simd/threads, registers the training kernels, idempotently', async () => {
    const handlers = () => [process.listenerCount('uncaughtException'), process.listenerCount('unhandledRejection')];
    const before = handlers();
    const info = await setupBackend('wasm');
    // The Emscripten glue's process-wide error handlers are taken off again.
    expect(handlers()).toEqual(before);
    expect(tf.getBackend()).toBe('wasm');
    expect(info.name).toBe('wasm');
    expect(info.version).toBe(tf.version_core);
    expect(typeof info.details?.simd).toBe('boolean');
    expect(info.details?.threads).toBeGreaterThanOrEqual(1);
    const names = [...ADDED_KERNELS, ...WRAPPED_KERNELS];
    const funcs = names.map((n) => tf.getKernel(n, 'wasm')?.kernelFunc);
    expect(funcs.every((f) => f != null)).toBe(true);
    await setupBackend('wasm');
    expect(names.map((n) => tf.getKernel(n, 'wasm')?.kernelFunc)).toEqual(funcs);
  });

  it('cpu: selects the pure-JS backend', async () => {
    const info = await setupBackend('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(info).toMatchObject({ name: 'cpu', version: tf.version_core });
  });

  it('webgpu: selects the backend and names its adapter, or says which libraries are missing', async () => {
    const info = await setupBackend('webgpu').catch((err: Error) => err);
    if (info instanceof Error) expect(info.message).toMatch(/found no WebGPU adapter/);
    else {
      expect(tf.getBackend()).toBe('webgpu');
      expect(info).toMatchObject({ name: 'webgpu', version: tf.version_core });
      expect(typeof info.details?.adapter).toBe('string');
      (await import('../../kernels/webgpu/index.ts')).releaseWebGPU();
    }
  });

  it.skipIf(findNativeTensorflow() != null)('tensorflow: a clear error when neither native package loads', async () => {
    await expect(setupBackend('tensorflow')).rejects.toThrow(/tfjs-node-gpu or @tensorflow\/tfjs-node.*neither loaded/);
  });
});
