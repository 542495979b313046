/**
 * Progress of running experiments: on a TTY one live bar per running experiment (step or epoch, loss,
 * ETA), redrawn in place; otherwise plain lines, at most one per experiment every few seconds, so CI logs
 * stay readable.
 */
import type { Clock, Terminal } from '../commands/effects.ts';
import type { ProgressState } from './protocol.ts';

export interface ProgressDisplay {
  started(id: string): void;
  progress(id: string, state: ProgressState): void;
  finished(id: string): void;
  /** A line printed above the bars (a result, a warning). */
  line(text: string): void;
  close(): void;
}

interface Running {
  startedAt: number;
  state: ProgressState | null;
  /** When the first progress update arrived: the ETA counts from there, past module loading. */
  firstAt: number;
  firstStep: number;
  lastLineAt: number;
}

export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

function eta(run: Running, now: number): number {
  const state = run.state;
  if (!state || state.step <= run.firstStep || state.total <= 0) return NaN;
  const rate = (state.step - run.firstStep) / ((now - run.firstAt) / 1000);
  return (state.total - state.step) / rate;
}

function describe(run: Running, now: number): string {
  const s = run.state;
  if (!s) return `starting (${formatSeconds((now - run.startedAt) / 1000)})`;
  const parts = [`${s.unit ?? 'step'} ${s.step}/${s.total}`];
  if (s.loss !== undefined) parts.push(`loss ${Number(s.loss).toPrecision(4)}`);
  if (s.step < s.total) parts.push(`ETA ${formatSeconds(eta(run, now))}`);
  if (s.note) parts.push(s.note);
  return parts.join('  ');
}

export function createProgressDisplay(terminal: Terminal, clock: Clock): ProgressDisplay {
  return terminal.isTTY ? ttyDisplay(terminal, clock) : plainDisplay(terminal, clock);
}

function track(runs: Map<string, Running>, id: string, state: ProgressState, now: number): Running {
  const run = runs.get(id)!;
  if (!run.state) {
    run.firstAt = now;
    run.firstStep = state.step;
  }
  run.state = state;
  return run;
}

const PLAIN_INTERVAL_MS = 5000;

function plainDisplay(terminal: Terminal, clock: Clock): ProgressDisplay {
  const runs = new Map<string, Running>();
  return {
    started(id) {
      const now = clock.now();
      runs.set(id, { startedAt: now, state: null, firstAt: now, firstStep: 0, lastLineAt: now });
      terminal.write(`run    ${id}\n`);
    },
    progress(id, state) {
      const now = clock.now();
      const run = track(runs, id, state, now);
      if (now - run.lastLineAt < PLAIN_INTERVAL_MS) return;
      run.lastLineAt = now;
      terminal.write(`       ${id}: ${describe(run, now)}\n`);
    },
    finished(id) {
      runs.delete(id);
    },
    line(text) {
      terminal.write(text + '\n');
    },
    close() {},
  };
}

const BAR_WIDTH = 24;
const REDRAW_MS = 100;

function ttyDisplay(terminal: Terminal, clock: Clock): ProgressDisplay {
  const runs = new Map<string, Running>();
  let drawn = 0;
  let timer: NodeJS.Timeout | null = null;
  const clear = () => {
    if (drawn > 0) terminal.write(`\x1b[${drawn}A\x1b[0J`);
    drawn = 0;
  };
  const draw = () => {
    const now = clock.now();
    const width = Math.max(...[...runs.keys()].map((id) => id.length), 0);
    const lines = [...runs.entries()].map(([id, run]) => {
      const s = run.state;
      const fraction = s && s.total > 0 ? Math.min(1, s.step / s.total) : 0;
      const filled = Math.round(fraction * BAR_WIDTH);
      const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
      return `${id.padEnd(width)} ${bar} ${describe(run, now)}`.slice(0, terminal.columns - 1);
    });
    clear();
    if (lines.length) terminal.write(lines.join('\n') + '\n');
    drawn = lines.length;
  };
  const schedule = () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      draw();
    }, REDRAW_MS);
  };
  // Keep ETAs and "starting" timers moving between updates.
  const ticker = setInterval(() => runs.size && draw(), 1000);
  ticker.unref();
  return {
    started(id) {
      const now = clock.now();
      runs.set(id, { startedAt: now, state: null, firstAt: now, firstStep: 0, lastLineAt: now });
      schedule();
    },
    progress(id, state) {
      track(runs, id, state, clock.now());
      schedule();
    },
    finished(id) {
      runs.delete(id);
      draw();
    },
    line(text) {
      clear();
      terminal.write(text + '\n');
      draw();
    },
    close() {
      if (timer) clearTimeout(timer);
      clearInterval(ticker);
      clear();
    },
  };
}
