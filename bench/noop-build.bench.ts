/**
 * The no-op build: with nothing changed, how long does `make report` take? It runs no experiment (every
 * key is a hit) and renders nothing (the render cache holds), so this is the engine's planning cost:
 * start-up, import graphs, fingerprints (stat only), artifact verification.
 *
 * Measured in one run, on this repository, after one warm-up build:
 *   - `node -e 0` (the floor: starting Node at all), 5 repeats;
 *   - `make -s report` (what a user types), 5 repeats;
 *   - the CLI directly (`node --import tsx engine/cli.ts report`), 5 repeats.
 * Wall-clock medians, and CPU-time medians of the child processes (from /proc/self/stat's cutime and
 * cstime), because this 2-core machine is shared: wall time includes waiting for a core.
 * Prints the ratio of `make report` to `node -e 0` and PASS/MISS against the target (under 3 s).
 *
 * Profile: NOOP_BENCH_PROFILE (default smoke, so the warm-up build on a fresh clone takes seconds; the
 * no-op path is the same code for every profile). Writes build/bench/noop-build.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../engine/commands/project.ts';
import { median } from './timing.ts';

const PROFILE = process.env.NOOP_BENCH_PROFILE ?? 'smoke';
const REPEATS = 5;
const TARGET_S = 1.5;
const OUT = join(REPO_ROOT, 'build', 'bench', 'noop-build.json');

interface Timing {
  wallMs: number;
  cpuMs: number | null;
  minMs: number;
  maxMs: number;
  repeats: number;
}


/** CPU time (user + system, ms) of this process's finished children, or null where /proc is absent. */
function childrenCpuMs(): number | null {
  if (!existsSync('/proc/self/stat')) return null;
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after the command name start at field 3; cutime and cstime are fields 16 and 17 (clock ticks, 100 Hz on Linux).
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
}

function run(command: string, args: string[]): { ms: number; cpuMs: number | null; stderr: string } {
  const cpuBefore = childrenCpuMs();
  const started = performance.now();
  const result = spawnSync(command, args, { cwd: REPO_ROOT, encoding: 'utf8' });
  const ms = performance.now() - started;
  const cpuAfter = childrenCpuMs();
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status}:\n${result.stderr}`);
  return { ms, cpuMs: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore, stderr: result.stderr };
}

function measure(command: string, args: string[], check: (stderr: string) => void = () => {}): Timing {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const r = run(command, args);
    check(r.stderr);
    wall.push(r.ms);
    if (r.cpuMs !== null) cpu.push(r.cpuMs);
  }
  return { wallMs: median(wall), cpuMs: cpu.length ? median(cpu) : null, minMs: Math.min(...wall), maxMs: Math.max(...wall), repeats: REPEATS };
}

/** A no-op build must run nothing and render nothing; anything else is not what this measures. */
function assertNoop(stderr: string): void {
  if (!/experiments: \d+ cached, 0 ran, 0 failed/.test(stderr) || !/is current/.test(stderr)) {
    throw new Error(`not a no-op build (did something change during the benchmark?):\n${stderr}`);
  }
}

console.log(`no-op build benchmark: profile ${PROFILE}, ${REPEATS} repeats, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
const warm = run('make', ['-s', 'report', `PROFILE=${PROFILE}`]);
console.log(`warm-up build: ${(warm.ms / 1000).toFixed(1)} s`);
for (const line of warm.stderr.trim().split('\n')) console.log(`  ${line}`);

const node = measure(process.execPath, ['-e', '0']);
const make = measure('make', ['-s', 'report', `PROFILE=${PROFILE}`], assertNoop);
const cli = measure(process.execPath, ['--import', 'tsx', 'engine/cli.ts', 'report', '--profile', PROFILE], assertNoop);

const fmt = (t: Timing) => `${(t.wallMs / 1000).toFixed(3).padStart(7)} s wall  ${t.cpuMs === null ? '      ?' : (t.cpuMs / 1000).toFixed(3).padStart(7)} s cpu  (min ${(t.minMs / 1000).toFixed(3)}, max ${(t.maxMs / 1000).toFixed(3)})`;
console.log('');
console.log(`node -e 0                        ${fmt(node)}`);
console.log(`make -s report (no-op)           ${fmt(make)}`);
console.log(`engine/cli.ts report (no-op)     ${fmt(cli)}`);
const ratio = make.wallMs / node.wallMs;
const cpuRatio = make.cpuMs !== null && node.cpuMs ? make.cpuMs / node.cpuMs : null;
const verdict = make.wallMs < TARGET_S * 1000 ? 'PASS' : 'MISS';
console.log('');
console.log(`no-op make report vs node -e 0: ${ratio.toFixed(1)}x wall${cpuRatio === null ? '' : `, ${cpuRatio.toFixed(1)}x cpu`}`);
console.log(`no-op make report: ${(make.wallMs / 1000).toFixed(2)} s (target < ${TARGET_S} s): ${verdict}`);

mkdirSync(join(REPO_ROOT, 'build', 'bench'), { recursive: true });
writeFileSync(
  OUT,
  JSON.stringify(
    { profile: PROFILE, loadavg: loadavg(), targetSeconds: TARGET_S, nodeNoop: node, makeReport: make, cliReport: cli, ratioWall: ratio, ratioCpu: cpuRatio, verdict },
    null,
    2,
  ) + '\n',
);
console.log(`wrote ${OUT}`);
