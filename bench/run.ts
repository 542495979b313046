/**
 * `make bench`: every bench/*.bench.ts in turn (or only `make bench BENCH=<name>`), each in its own
 * process so one benchmark's warm caches and memory do not colour the next. Benchmarks report; this
 * runner only fails when a benchmark crashes.
 *
 * Usage: node --import tsx bench/run.ts [name ...]
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const BENCH_DIR = import.meta.dirname;
const available = readdirSync(BENCH_DIR)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .sort();
const wanted = process.argv.slice(2).filter(Boolean);
const unknown = wanted.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}
const names = wanted.length > 0 ? wanted : available;
const crashed: string[] = [];
for (const name of names) {
  console.log(`\n== bench/${name}.bench.ts ==`);
  const started = performance.now();
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(BENCH_DIR, `${name}.bench.ts`)], { stdio: 'inherit' });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    crashed.push(name);
    console.log(`== ${name}: exited with ${result.status ?? result.signal} after ${seconds} s ==`);
  } else console.log(`== ${name}: done in ${seconds} s ==`);
}
if (crashed.length > 0) {
  console.error(`\nbenchmarks that crashed: ${crashed.join(', ')}`);
  process.exit(1);
}
