/**
 * Errors of a preview render as the overlay shows them: where (file:line:col, repository-relative),
 * what, and the suggestion the engine made ("did you mean 'x'?"), split from the message.
 */
import { isAbsolute, relative, sep } from 'node:path';
import { ReportError, type SourcePos } from '../render/types.ts';

export interface Problem {
  where: SourcePos | null;
  message: string;
  suggestion: string | null;
}

/** The engine's messages end their hints with " (did you mean 'x'?)", " (known: a, b)" or " (none are defined)". */
const HINT = / \(((?:did you mean |known: |none are defined)[^()]*(?:\([^()]*\)[^()]*)*)\)$/;

export function splitSuggestion(message: string): { message: string; suggestion: string | null } {
  const m = HINT.exec(message);
  return m ? { message: message.slice(0, m.index), suggestion: m[1]! } : { message, suggestion: null };
}

/** `file:line:col: message` as the engine, esbuild and Node print it. */
const LOCATED = /^(?:✘ \[ERROR\] )?((?:[A-Za-z]:)?[^\s:]+):(\d+):(\d+):\s*(?:ERROR:\s*)?(.+)$/;

export function problemsOf(error: unknown, root: string): Problem[] {
  if (error instanceof ReportError) return error.problems.map((p) => ({ where: p.where, ...splitSuggestion(p.message) }));
  const text = error instanceof Error ? error.message : String(error);
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const located = lines.map((line) => LOCATED.exec(line)).filter((m): m is RegExpExecArray => m !== null);
  if (located.length === 0) return [{ where: null, ...splitSuggestion(lines[0] ?? text) }];
  return located.map((m) => {
    const file = isAbsolute(m[1]!) ? relative(root, m[1]!).split(sep).join('/') : m[1]!;
    return { where: { file, line: Number(m[2]), column: Number(m[3]) }, ...splitSuggestion(m[4]!) };
  });
}
