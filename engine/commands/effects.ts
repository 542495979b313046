/**
 * The effects the engine performs, passed in so tests can replace them: the clock and the terminal.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export interface Terminal {
  /** A TTY gets live progress bars; anything else gets plain lines. */
  isTTY: boolean;
  columns: number;
  write(text: string): void;
}

export const systemClock: Clock = { now: () => Date.now() };

export function stderrTerminal(): Terminal {
  return {
    isTTY: Boolean(process.stderr.isTTY) && process.env.TERM !== 'dumb',
    columns: process.stderr.columns || 100,
    write: (text) => void process.stderr.write(text),
  };
}
