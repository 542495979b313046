/**
 * Mapping markdown-it's positions back to the file. Block tokens carry line maps; inline tokens only
 * know offsets into their parent block's `content`, which markdown-it has stripped of indentation,
 * list and quote markers. The content's lines are suffixes of the file's lines (up to trailing
 * blanks), which is what locates them exactly.
 */
import type { SourcePos } from './types.ts';

/** The position of a block that starts on (0-based) `line`: its first non-blank character. */
export function blockPosition(file: string, lines: readonly string[], line: number): SourcePos {
  const text = lines[line] ?? '';
  return { file, line: line + 1, column: text.length - text.trimStart().length + 1 };
}

/**
 * The position of `offset` in the inline `content` of a block whose first line is (0-based) `firstLine`.
 */
export function inlinePosition(
  file: string,
  lines: readonly string[],
  firstLine: number,
  content: string,
  offset: number,
): SourcePos {
  const before = content.slice(0, offset);
  const lineInContent = before.split('\n').length - 1;
  const contentLineStart = before.lastIndexOf('\n') + 1;
  const contentLine = content.slice(contentLineStart).split('\n')[0];
  const sourceLine = lines[firstLine + lineInContent] ?? '';
  return {
    file,
    line: firstLine + lineInContent + 1,
    column: lineStartInSource(sourceLine, contentLine) + (offset - contentLineStart) + 1,
  };
}

/** Where `contentLine` begins within `sourceLine`: as a suffix normally, else (headings) by search. */
function lineStartInSource(sourceLine: string, contentLine: string): number {
  const source = sourceLine.trimEnd();
  const content = contentLine.trimEnd();
  if (source.endsWith(content)) return source.length - content.length;
  const found = source.indexOf(content.trimStart());
  return found < 0 ? 0 : found - (content.length - content.trimStart().length);
}
