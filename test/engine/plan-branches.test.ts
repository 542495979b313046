/**
 * Every branch of planning (engine/plan/plan.ts) on experiment entries made by hand, without a catalog:
 * invalid facts, params and backends, the backend chosen and the files it brings into the key, grids and
 * their cells, uses (resolved, missing, mismatched, uncomputable), and the order of experiments that use others.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GridAxes, Use } from '../../engine/contract.ts';
import { FingerprintCache } from '../../engine/files/fingerprints.ts';
import type { CatalogIndex, ExperimentEntry } from '../../engine/plan/catalog.ts';
import type { ExperimentFacts } from '../../engine/plan/facts.ts';
import { cacheKey } from '../../engine/plan/key.ts';
import { planExperiments, withUses, type PlanEntry, type PlanOptions } from '../../engine/plan/plan.ts';
import { artifactDir } from '../../engine/store/store.ts';
import { manifestOf, writeArtifact } from './stored.ts';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'engine-plan-'));
  mkdirSync(join(root, 'inputs'));
  writeFileSync(join(root, 'inputs', 'a.txt'), 'a\n');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const H = (c: string) => c.repeat(64);
const graph = (hashes: Record<string, string>, packages: Record<string, string> = {}) => ({ files: Object.keys(hashes), packages, hashes, hash: H('0') });
const SETUPS = { cpu: graph({ 'kernels/backend/setup/cpu.ts': H('c') }, { cpupkg: '1' }), wasm: graph({ 'kernels/backend/setup/wasm.ts': H('w') }), webgpu: graph({ 'kernels/backend/setup/webgpu.ts': H('g') }) };

function facts(id: string, over: Partial<ExperimentFacts> = {}): ExperimentFacts {
  return {
    id, title: `Title of ${id}`, summary: '', seeds: [1, 2], cacheVersion: null, unsupportedBackends: [], requiresBackend: null, datasets: [],
    params: { smoke: { ok: true, value: { n: 1 } }, local: { ok: true, value: { n: 2 } }, paper: { ok: true, value: { n: 3 } } },
    grid: null, uses: {}, ...over,
  };
}

function entry(id: string, f: ExperimentEntry['facts'] | Partial<ExperimentFacts> = {}): ExperimentEntry {
  return {
    id, sourceFile: `experiments/${id}/experiment.ts`, figuresFile: null,
    facts: 'ok' in f ? (f as ExperimentEntry['facts']) : { ok: true, value: facts(id, f as Partial<ExperimentFacts>) },
    graph: graph({ [`experiments/${id}/experiment.ts`]: H('e'), 'engine/contract.ts': H('d') }, { zod: '4' }),
    backendSetups: SETUPS,
  };
}

const index = (...entries: ExperimentEntry[]): CatalogIndex => ({ experiments: new Map(entries.map((e) => [e.id, e])), figures: new Map(), tables: new Map(), figuresGraphs: new Map(), errors: [] });
const options = (over: Partial<PlanOptions> = {}): PlanOptions => ({ profile: 'smoke', backend: 'cpu', fingerprints: FingerprintCache.load(null), ...over });
const plan = (idx: CatalogIndex, ids: string[], over: Partial<PlanOptions> = {}) => planExperiments(root, idx, ids, options(over));
const only = async (e: ExperimentEntry, over: Partial<PlanOptions> = {}) => (await plan(index(e), [e.id], over))[0]!;
const keyed = (p: PlanEntry) => {
  if (p.status !== 'miss' && p.status !== 'hit') throw new Error(`expected a key, got ${p.status}: ${JSON.stringify(p)}`);
  return p;
};

describe('invalid experiments', () => {
  it('a module that did not load, naming the error, with the id as title and label', async () => {
    expect(await only(entry('x', { ok: false, error: 'experiments/x/experiment.ts: SyntaxError' }))).toEqual({
      experimentId: 'x', sourceFile: 'experiments/x/experiment.ts', title: 'x', label: 'x', status: 'invalid', error: 'experiments/x/experiment.ts: SyntaxError',
    });
  });

  it("params invalid for the build's profile only", async () => {
    const e = entry('x', { params: { ...facts('x').params, local: { ok: false, error: 'params.n: expected number' } } });
    expect(await only(e, { profile: 'local' })).toMatchObject({ status: 'invalid', error: 'params.n: expected number', title: 'Title of x' });
    expect((await only(e, { profile: 'smoke' })).status).toBe('miss');
  });

  it('no backend left to run on, named with the file', async () => {
    const e = entry('x', { unsupportedBackends: ['cpu', 'wasm'] });
    expect(await only(e)).toMatchObject({ status: 'invalid', error: 'experiments/x/experiment.ts: no backend left: cpu and all fallbacks (wasm, cpu) are unsupported' });
  });
});

describe('the key of a plain experiment', () => {
  it("holds the experiment's graph and its backend's setup graph only, params, seeds, profile, backend", async () => {
    const p = keyed(await only(entry('x')));
    expect(p).toMatchObject({ status: 'miss', label: 'x', rejected: null, failure: null, needsBackend: null, uses: {} });
    expect(p.components).toEqual({
      experiment: 'x', profile: 'smoke', backend: 'cpu', params: { n: 1 }, seeds: [1, 2], data: {}, cacheVersion: null,
      files: { 'engine/contract.ts': H('d'), 'experiments/x/experiment.ts': H('e'), 'kernels/backend/setup/cpu.ts': H('c') },
      packages: { cpupkg: '1', zod: '4' },
    });
    expect(Object.keys(p.components.files)).toEqual(['engine/contract.ts', 'experiments/x/experiment.ts', 'kernels/backend/setup/cpu.ts']);
    expect(p.key).toBe(cacheKey(p.components));
  });

  it('falls back from an unsupported backend, and takes a required one whatever the build asks', async () => {
    expect(keyed(await only(entry('x', { unsupportedBackends: ['cpu'] }))).components).toMatchObject({ backend: 'wasm', files: { 'kernels/backend/setup/wasm.ts': H('w') } });
    const gpu = entry('g', { requiresBackend: 'webgpu' });
    expect(keyed(await only(gpu))).toMatchObject({ components: { backend: 'webgpu' }, needsBackend: null });
    expect(keyed(await only(gpu, { available: ['cpu', 'wasm'] }))).toMatchObject({ needsBackend: 'webgpu' });
    expect(keyed(await only(gpu, { available: ['cpu', 'webgpu'] }))).toMatchObject({ needsBackend: null });
  });

  it('takes a backend without a setup graph as no extra files', async () => {
    const e = { ...entry('x'), backendSetups: {} };
    expect(Object.keys(keyed(await only(e)).components.files)).toEqual(['engine/contract.ts', 'experiments/x/experiment.ts']);
  });

  it('fingerprints declared data, and is unavailable without it', async () => {
    const dataset = (file: string) => ({ id: 'd', title: 'D', source: 's', files: { smoke: [file], local: [file], paper: [file] } });
    const p = keyed(await only(entry('x', { datasets: [dataset('inputs/a.txt')] })));
    expect(p.components.data).toEqual({ d: { 'inputs/a.txt': expect.stringMatching(/^[0-9a-f]{64}$/) } });
    expect(await only(entry('x', { datasets: [dataset('inputs/none.txt')] }))).toMatchObject({ status: 'unavailable', unavailable: ['inputs/none.txt'] });
  });
});

describe('declared data missing, served from a stored artifact', () => {
  const dataset = (id: string, files: string[]) => ({ id, title: id, source: 's', files: { smoke: files, local: files, paper: files } });
  /** Stores an artifact of the entry's current components with `data` as its recorded fingerprints. */
  async function storeWith(e: ExperimentEntry, data: Record<string, Record<string, string>>) {
    const p = await only(e);
    if (p.status !== 'unavailable' && p.status !== 'miss') throw new Error(p.status);
    const components = { ...p.components, data };
    writeArtifact(artifactDir(root, e.id, cacheKey(components)), manifestOf(components));
    return components;
  }
  afterEach(() => rmSync(join(root, 'artifacts'), { recursive: true, force: true }));

  it('fills a missing file of one dataset from the artifact while another dataset is present', async () => {
    const e = entry('m', { datasets: [dataset('d1', ['inputs/none.txt']), dataset('d2', ['inputs/a.txt'])] });
    const present = keyed(await only(entry('m', { datasets: [dataset('d2', ['inputs/a.txt'])] }))).components.data.d2!;
    const stored = await storeWith(e, { d1: { 'inputs/none.txt': H('1') }, d2: present });
    expect(await only(e)).toMatchObject({ status: 'hit', key: cacheKey(stored), unverifiedData: ['inputs/none.txt'] });
  });

  it('is unavailable when the artifact recorded only some of the missing files', async () => {
    const e = entry('m', { datasets: [dataset('d1', ['inputs/none.txt', 'inputs/gone.txt'])] });
    await storeWith(e, { d1: { 'inputs/none.txt': H('1') } });
    expect(await only(e)).toMatchObject({ status: 'unavailable', unavailable: ['inputs/none.txt', 'inputs/gone.txt'] });
  });

  it('is a hit when it recorded all of them', async () => {
    const e = entry('m', { datasets: [dataset('d1', ['inputs/none.txt', 'inputs/gone.txt'])] });
    await storeWith(e, { d1: { 'inputs/none.txt': H('1'), 'inputs/gone.txt': H('2') } });
    expect(await only(e)).toMatchObject({ status: 'hit', unverifiedData: ['inputs/none.txt', 'inputs/gone.txt'] });
  });
});

describe('grids', () => {
  const grid = (axes: GridAxes) => ({ smoke: axes, local: axes, paper: axes });

  it('plans every cell, in grid order, each with its cell in the key and its seed from a seed axis', async () => {
    const planned = (await plan(index(entry('t', { grid: grid({ size: [1, 2], seed: [5, 6] }) })), ['t'])).map(keyed);
    expect(planned.map((p) => p.label)).toEqual(['t[size=1 seed=5]', 't[size=1 seed=6]', 't[size=2 seed=5]', 't[size=2 seed=6]']);
    expect(planned.map((p) => p.components.seeds)).toEqual([[5], [6], [5], [6]]);
    expect(planned[1]!.components.cell).toEqual({ size: 1, seed: 6 });
    expect(new Set(planned.map((p) => p.key)).size).toBe(4);
    // Without a seed axis every cell takes the experiment's seeds.
    const noSeed = (await plan(index(entry('t', { grid: grid({ size: ['a'] }) })), ['t'])).map(keyed);
    expect(noSeed[0]!.components.seeds).toEqual([1, 2]);
    expect('cell' in keyed(await only(entry('x'))).components).toBe(false);
    // A seed axis of names is no seed.
    const named = (await plan(index(entry('t', { grid: grid({ seed: ['one'] }) })), ['t'])).map(keyed);
    expect(named[0]!.components.seeds).toEqual([1, 2]);
  });
});

describe('uses', () => {
  const grid = (axes: GridAxes) => ({ smoke: axes, local: axes, paper: axes });
  const tokens = entry('tokens', { grid: grid({ pair: ['a', 'b'] }) });
  const train = (uses: Record<string, Use>, axes: GridAxes = { pair: ['a', 'b'], seed: [1] }) => entry('train', { grid: grid(axes), uses });

  it("puts the used cell's key in each cell's key, matching on the use's axes, and plans the used first", async () => {
    const planned = await plan(index(train({ tok: { experiment: 'tokens', axes: ['pair'] } }), tokens), ['train']);
    expect(planned.map((p) => p.label)).toEqual(['tokens[pair=a]', 'tokens[pair=b]', 'train[pair=a seed=1]', 'train[pair=b seed=1]']);
    const [ta, tb, a, b] = planned.map(keyed);
    expect(a!.components.uses).toEqual({ tok: ta!.key });
    expect(b!.components.uses).toEqual({ tok: tb!.key });
    expect(a!.uses).toEqual({ tok: { experimentId: 'tokens', key: ta!.key, label: 'tokens[pair=a]' } });
  });

  it('uses an experiment without a grid from every cell', async () => {
    const planned = (await plan(index(train({ base: { experiment: 'x' } }), entry('x')), ['train'])).map(keyed);
    expect(planned.slice(1).map((p) => p.components.uses)).toEqual([{ base: planned[0]!.key }, { base: planned[0]!.key }]);
  });

  it('names a use of an experiment that does not exist', async () => {
    expect((await plan(index(train({ tok: { experiment: 'nope' } })), ['train']))[0]).toMatchObject({
      status: 'invalid', label: 'train', error: "experiments/train/experiment.ts: use 'tok': no experiment 'nope'",
    });
  });

  it("names a use whose axes do not match the used experiment's grid", async () => {
    const planned = (await plan(index(train({ tok: { experiment: 'tokens' } }), tokens), ['train'])).at(-1);
    expect(planned).toMatchObject({ status: 'invalid', error: "experiments/train/experiment.ts: use 'tok' matches on [] but tokens's grid has axes [pair]: they must be the same" });
  });

  it('names a cell with no matching cell in the used grid', async () => {
    const planned = await plan(index(train({ tok: { experiment: 'tokens', axes: ['pair'] } }, { pair: ['a', 'c'] }), tokens), ['train']);
    expect(planned.slice(2).map((p) => p.status)).toEqual(['miss', 'invalid']);
    expect(planned[3]).toMatchObject({ label: 'train[pair=c]', error: "experiments/train/experiment.ts: use 'tok' (tokens at pair=c): no such cell in tokens's grid for profile smoke" });
  });

  it('is invalid when the used result cannot be computed (invalid, or its data unavailable)', async () => {
    const broken = entry('x', { ok: false, error: 'first line\nsecond line' });
    expect((await plan(index(entry('u', { uses: { base: { experiment: 'x' } } }), broken), ['u']))[1]).toMatchObject({
      status: 'invalid', error: "experiments/u/experiment.ts: use 'base' (x) cannot be computed: first line",
    });
    const noData = entry('x', { datasets: [{ id: 'd', title: 'D', source: 's', files: { smoke: ['inputs/none.txt'], local: [], paper: [] } }] });
    expect((await plan(index(entry('u', { uses: { base: { experiment: 'x' } } }), noData), ['u']))[1]).toMatchObject({
      status: 'invalid', error: "experiments/u/experiment.ts: use 'base' (x) cannot be computed: data unavailable: inputs/none.txt",
    });
  });

  it('orders experiments after those they use, each once, and refuses a cycle or an unknown id', () => {
    const idx = index(entry('c', { uses: { b: { experiment: 'b' } } }), entry('b', { uses: { a: { experiment: 'a' } } }), entry('a'), entry('z', { uses: { gone: { experiment: 'gone' } } }));
    expect(withUses(idx, ['c', 'a', 'b'])).toEqual(['a', 'b', 'c']);
    expect(withUses(idx, ['z'])).toEqual(['z']);
    expect(() => withUses(idx, ['nope'])).toThrow("unknown experiment 'nope'");
    const cyclic = index(entry('p', { uses: { q: { experiment: 'q' } } }), entry('q', { uses: { p: { experiment: 'p' } } }));
    expect(() => withUses(cyclic, ['p'])).toThrow('experiments use each other in a cycle: p -> q -> p');
    // An experiment that failed to load uses nothing as far as ordering goes.
    expect(withUses(index(entry('e', { ok: false, error: 'x' }), entry('a')), ['e', 'a'])).toEqual(['e', 'a']);
  });
});
