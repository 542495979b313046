/**
 * What every benchmark measures with: medians of wall and CPU time after warm-up calls. CPU time is
 * reported beside wall time because this machine is often shared: a ratio of CPU times holds up when
 * another process takes a core, a ratio of wall times does not.
 */
export interface Timing {
  /** Median wall time. */
  wallMs: number;
  /** Median CPU time (user + system) of this process. */
  cpuMs: number;
  minMs: number;
  maxMs: number;
  repeats: number;
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** CPU time (user + system) this process has used so far, in ms. */
export function cpuNowMs(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

function summarise(wall: number[], cpu: number[]): Timing {
  return { wallMs: median(wall), cpuMs: median(cpu), minMs: Math.min(...wall), maxMs: Math.max(...wall), repeats: wall.length };
}

/** Median wall and CPU time of `run` after `warmup` unmeasured calls. */
export function measure(run: () => void, repeats: number, warmup = 1): Timing {
  for (let i = 0; i < warmup; i++) run();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const [w, c] = [performance.now(), cpuNowMs()];
    run();
    cpu.push(cpuNowMs() - c);
    wall.push(performance.now() - w);
  }
  return summarise(wall, cpu);
}

/** `measure` for a run that must be awaited (results read back from a backend, say). */
export async function measureAsync(run: () => Promise<void> | void, repeats: number, warmup = 1): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await run();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const [w, c] = [performance.now(), cpuNowMs()];
    await run();
    cpu.push(cpuNowMs() - c);
    wall.push(performance.now() - w);
  }
  return summarise(wall, cpu);
}
