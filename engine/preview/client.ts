/**
 * The script the preview adds to the page it serves (page-client.js), and only there: build/report.html
 * never has it. It is plain browser JavaScript read as text, so no TypeScript transform touches it.
 */
import { readFileSync } from 'node:fs';
import type { Problem } from './problems.ts';

/** Where the page listens for the server's state (server-sent events). */
export const EVENTS_PATH = '/__preview/events';

/** Marks the injected script, so tests can tell a preview page from a built one. */
export const CLIENT_MARKER = 'data-preview-client';

/** The state the server sends: the version of the page it serves now, and the current problems. */
export interface PreviewState {
  version: string;
  problems: Problem[];
}

const SOURCE = readFileSync(new URL('./page-client.js', import.meta.url), 'utf8');

/** `html` with the client script before its closing </body>, for the page of `version`. */
export function injectClient(html: string, version: string): string {
  // JSON in a script: '<' escaped so no value can close the element.
  const literal = (value: string): string => JSON.stringify(value).replace(/</g, '\\u003c');
  const code = SOURCE.replace('PREVIEW_VERSION, PREVIEW_EVENTS', `${literal(version)}, ${literal(EVENTS_PATH)}`);
  const script = `<script ${CLIENT_MARKER} data-version="${version.replace(/[^0-9a-z]/g, '')}">\n${code}</script>\n`;
  const at = html.lastIndexOf('</body>');
  return at < 0 ? html + script : html.slice(0, at) + script + html.slice(at);
}
