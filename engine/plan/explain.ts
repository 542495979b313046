/**
 * Which component of a cache key changed between a stored artifact and now, in words:
 * `file kernels/scan/fused.ts changed`, `param lengths changed: [64,128] -> [64,256]`,
 * `package zod 4.6.7 -> 4.7.0`, `data fashion-mnist/train-images changed`.
 */
import type { Json, KeyComponents } from '../contract.ts';
import { canonicalJson } from '../files/hash.ts';

const show = (value: unknown): string => (value === undefined ? '(none)' : canonicalJson(value));

function diffRecord(label: string, before: Record<string, string>, after: Record<string, string>, changedWord: (name: string, a: string, b: string) => string): string[] {
  const lines: string[] = [];
  for (const name of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    const a = before[name];
    const b = after[name];
    if (a === b) continue;
    if (a === undefined) lines.push(`${label} ${name} added`);
    else if (b === undefined) lines.push(`${label} ${name} removed`);
    else lines.push(changedWord(name, a, b));
  }
  return lines;
}

/** Leaf-level differences between two JSON values, named by dotted path. */
function diffJson(path: string, a: Json | undefined, b: Json | undefined, out: string[]): void {
  const isObject = (v: unknown): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObject(a) && isObject(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) diffJson(path ? `${path}.${k}` : k, a[k], b[k], out);
  } else if (show(a) !== show(b)) {
    out.push(`param ${path || '(all)'} changed: ${show(a)} -> ${show(b)}`);
  }
}

export function explainChange(before: KeyComponents, after: KeyComponents): string[] {
  const lines: string[] = [];
  if (before.profile !== after.profile) lines.push(`profile ${before.profile} -> ${after.profile}`);
  lines.push(...diffRecord('file', before.files, after.files, (name) => `file ${name} changed`));
  lines.push(...diffRecord('package', before.packages, after.packages, (name, a, b) => `package ${name} ${a} -> ${b}`));
  diffJson('', before.params, after.params, lines);
  if (show(before.seeds) !== show(after.seeds)) lines.push(`seeds ${show(before.seeds)} -> ${show(after.seeds)}`);
  if (before.backend !== after.backend) lines.push(`backend ${before.backend} -> ${after.backend}`);
  const flatten = (data: KeyComponents['data']) =>
    Object.fromEntries(Object.entries(data).flatMap(([id, files]) => Object.entries(files).map(([file, hash]) => [`${id}/${file}`, hash])));
  lines.push(...diffRecord('data', flatten(before.data), flatten(after.data), (name) => `data ${name} changed`));
  if (before.cacheVersion !== after.cacheVersion) lines.push(`cacheVersion ${show(before.cacheVersion)} -> ${show(after.cacheVersion)}`);
  if (show(before.cell) !== show(after.cell)) lines.push(`cell ${show(before.cell)} -> ${show(after.cell)}`);
  lines.push(...diffRecord('use', before.uses ?? {}, after.uses ?? {}, (name, a, b) => `use ${name}: its result changed (key ${a.slice(0, 12)} -> ${b.slice(0, 12)})`));
  return lines;
}
