/**
 * Fixture catalogs, artifacts and report sources for the renderer's tests: no engine, no tfjs.
 * Five figures and two tables over two experiments, with manifests shaped like the engine's.
 */
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as Plot from '@observablehq/plot';
import type { ArtifactView, Catalog, FigureSpec, Json, Manifest, Results, Row, TableSpec } from '../../engine/contract.ts';

export function results(experimentId: string, metrics: Record<string, Json>, series: Record<string, Row[]>, params: Json = {}): Results {
  return {
    experimentId,
    profile: 'local',
    params,
    metrics,
    series: (name) => {
      if (!series[name]) throw new Error(`no series '${name}' in ${experimentId}`);
      return series[name];
    },
    json: () => null,
    cells: [],
  };
}

export function manifest(experimentId: string, key: string, extra: Partial<Manifest> = {}): Manifest {
  return {
    schema: 1,
    experimentId,
    key,
    components: {
      experiment: experimentId,
      profile: 'local',
      files: { [`experiments/${experimentId}/experiment.ts`]: 'a'.repeat(64) },
      packages: { '@tensorflow/tfjs-core': '4.22.0' },
      params: { lengths: [64, 128, 256], model: { dModel: 64, dState: 16 }, lr: 0.001 },
      seeds: [1, 2],
      backend: 'wasm',
      data: { 'gettext-en-fr': { 'data/gettext/en-fr.tsv': 'd'.repeat(64) } },
      cacheVersion: null,
    },
    status: 'ok',
    environment: {
      node: 'v20.20.2',
      os: 'linux 6.1 x64',
      cpu: 'AMD EPYC 7B13',
      cpus: 2,
      memoryBytes: 24 * 2 ** 30,
      backend: { name: 'wasm', version: '4.22.0', details: { simd: true, threads: false } },
      git: { commit: 'c8b7ec6f00dd1e2b3c4d5e6f708192a3b4c5d6e7', dirty: true },
    },
    startedAt: '2024-11-29T10:14:05.123Z',
    durationMs: 192_400,
    peakRssBytes: 512 * 2 ** 20,
    dataRead: { 'gettext-en-fr': { 'data/gettext/en-fr.tsv': 'd'.repeat(64) } },
    files: { 'metrics.json': 'e'.repeat(64) },
    ...extra,
  };
}

const timings: Row[] = [64, 128, 256, 512, 1024].flatMap((length) => [
  { length, impl: 'sequential', msPerToken: 0.002 * length },
  { length, impl: 'parallel', msPerToken: 0.05 + 0.0001 * length },
]);
const accuracy: Row[] = [1, 2, 3, 4, 5, 6].flatMap((epoch) => [
  { epoch, model: 'mamba', accuracy: 1 - 0.5 / epoch },
  { epoch, model: 's4', accuracy: 0.4 + 0.02 * epoch },
]);

const figure = (title: string, plot: FigureSpec['plot']): FigureSpec => ({
  title,
  caption: `${title}, measured on this machine.`,
  alt: `A chart of ${title.toLowerCase()}.`,
  plot,
});

export const figures: Record<string, FigureSpec> = {
  'scan-time-per-token': figure('Scan time per token', (r, { width }) => ({
    width,
    x: { type: 'log', label: 'sequence length' },
    y: { label: 'ms per token', grid: true },
    color: { legend: true },
    marks: [Plot.line(r.series('timings'), { x: 'length', y: 'msPerToken', stroke: 'impl' }), Plot.dot(r.series('timings'), { x: 'length', y: 'msPerToken', fill: 'impl' })],
  })),
  'scan-speedup': figure('Speed-up of the parallel scan', (r) => ({
    marks: [Plot.barY(r.series('timings').filter((d) => d.impl === 'parallel'), { x: 'length', y: 'msPerToken' }), Plot.ruleY([0])],
  })),
  'scan-clipped': figure('Clipped area', (r) => ({
    // clip: true makes Plot emit clip-path ids from its process-wide counter
    marks: [Plot.areaY(r.series('timings'), { x: 'length', y: 'msPerToken', fill: 'impl', clip: true })],
  })),
  'copy-accuracy': figure('Selective copying accuracy', (r) => ({
    y: { domain: [0, 1] },
    marks: [Plot.line(r.series('accuracy'), { x: 'epoch', y: 'accuracy', stroke: 'model', marker: 'circle' })],
  })),
  'copy-final': figure('Final accuracy per model', (r) => ({
    marks: [Plot.barX(r.series('accuracy').filter((d) => d.epoch === 6), { y: 'model', x: 'accuracy' })],
  })),
};

export const tables: Record<string, TableSpec> = {
  'scan-crossover': {
    title: 'Crossover lengths',
    caption: 'Where the parallel scan overtakes the sequential one [@gu2023mamba].',
    columns: [
      { key: 'direction', label: 'Direction' },
      { key: 'length', label: 'Length', format: ',.0f' },
      { key: 'speedup', label: 'Speed-up', format: '.2f' },
    ],
    rows: (r) => r.series('crossover'),
  },
  'copy-summary': {
    title: 'Selective copying summary',
    caption: 'Accuracy after training.',
    columns: [
      { key: 'model', label: 'Model' },
      { key: 'accuracy', label: 'Accuracy', format: '.1%' },
    ],
    rows: (r) => r.series('accuracy').filter((d) => d.epoch === 6),
  },
};

export const KEYS = {
  scan: '3fa2c1d9e0b4'.padEnd(64, '0'),
  copy: '77aa00bb11cc'.padEnd(64, '1'),
  copyNow: '9b1c2d3e4f50'.padEnd(64, '2'),
};

export function catalog(): Catalog {
  const experimentOf = (id: string): string => (id.startsWith('scan') ? 'scan-scaling' : 'selective-copying');
  return {
    figures: new Map(Object.entries(figures).map(([id, spec]) => [id, { id, experimentId: experimentOf(id), file: `experiments/${experimentOf(id)}/figures.ts`, spec }])),
    tables: new Map(Object.entries(tables).map(([id, spec]) => [id, { id, experimentId: experimentOf(id), file: `experiments/${experimentOf(id)}/figures.ts`, spec }])),
    experiments: new Map([
      ['scan-scaling', { title: 'Scan scaling', summary: 'Times the selective scan.', sourceFile: 'experiments/scan-scaling/experiment.ts' }],
      ['selective-copying', { title: 'Selective copying', summary: 'Trains on the copying task.', sourceFile: 'experiments/selective-copying/experiment.ts' }],
      ['translation', { title: 'Translation', summary: 'Not built yet.', sourceFile: 'experiments/translation/experiment.ts' }],
    ]),
  };
}

/** scan-scaling current, selective-copying stale, translation absent (missing). */
export function artifacts(): Map<string, ArtifactView> {
  const scan = results(
    'scan-scaling',
    { crossoverForward: 1234.5678, best: { speedup: 3.14159 }, backend: 'wasm' },
    { timings, crossover: [{ direction: 'forward', length: 1234.5678, speedup: 2.5 }, { direction: 'backward', length: 2048, speedup: 1.75 }] },
  );
  const copy = results('selective-copying', { finalAccuracy: 0.9731 }, { accuracy });
  return new Map<string, ArtifactView>([
    ['scan-scaling', { experimentId: 'scan-scaling', experimentTitle: 'Scan scaling', sourceFile: 'experiments/scan-scaling/experiment.ts', currentKey: KEYS.scan, state: 'current', artifactDir: `artifacts/scan-scaling/${KEYS.scan}`, manifest: manifest('scan-scaling', KEYS.scan), results: scan }],
    ['selective-copying', { experimentId: 'selective-copying', experimentTitle: 'Selective copying', sourceFile: 'experiments/selective-copying/experiment.ts', currentKey: KEYS.copyNow, state: 'stale', artifactDir: `artifacts/selective-copying/${KEYS.copy}`, manifest: manifest('selective-copying', KEYS.copy), results: copy }],
  ]);
}

export const BIB = `@article{gu2023mamba,
  title = {Mamba: Linear-Time Sequence Modeling with Selective State Spaces},
  author = {Gu, Albert and Dao, Tri},
  year = {2023},
  journal = {arXiv preprint},
}
@inproceedings{koehn2005europarl,
  title = {Europarl: A Parallel Corpus for Statistical Machine Translation},
  author = {Koehn, Philipp},
  booktitle = {Proceedings of Machine Translation Summit X},
  pages = {79--86},
  year = {2005},
}
@misc{yue2024medmamba,
  title = {MedMamba: Vision Mamba for Medical Image Classification},
  author = {Yue, Yubiao and Li, Zhenzhang},
  year = {2024},
  howpublished = {arXiv:2403.03849},
}
`;

/** Writes a report (file name -> Markdown) and a bibliography into a fresh temporary root. */
export async function writeReport(files: Record<string, string>, bib = BIB): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'render-test-'));
  await mkdir(join(root, 'report'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(root, 'report', name), text);
  await writeFile(join(root, 'report', 'references.bib'), bib);
  return root;
}

export const INDEX = `---
title: A test report
author: A. Author
---

This edition recomputes everything [@gu2023mamba].
`;

export const SECTION_ONE = `# Scan {#sec:scan}

The crossover is at {{value scan-scaling:crossoverForward format=",.0f"}} tokens; see @fig:scan-time-per-token and @tbl:scan-crossover.
The best speed-up is {{value scan-scaling:best.speedup format=".2f"}} on {{value scan-scaling:backend}}.

::: experiments scan-scaling selective-copying
:::

::: figure scan-time-per-token
Both implementations run on the same backend.
:::

::: figure scan-speedup
:::

::: figure scan-clipped
:::

::: table scan-crossover
:::

## Math

The recurrence is $h_t = \\bar{A} h_{t-1} + \\bar{B} x_t$ with
$$
y_t = C h_t.
$$
`;

export const SECTION_TWO = `# Copying {#sec:copy}

Accuracy reaches {{value selective-copying:finalAccuracy format=".1%"}} (@fig:copy-accuracy, @sec:scan) [@koehn2005europarl; @gu2023mamba].
Translation gives {{value translation:bleu format=".1f"}}.[^n]

::: figure copy-accuracy
:::

::: figure copy-final
:::

::: table copy-summary
:::

[^n]: Not built yet, see @sec:copy.
`;
