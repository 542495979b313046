/**
 * Paths in messages the page shows (a failure recorded in a manifest, an error thrown by figure code)
 * are written relative to the repository: the absolute path of whichever checkout ran the experiment
 * means nothing to a reader, and would make the page differ between machines.
 */

/** Top-level folders of a checkout; an absolute path through one of them is cut to start there. */
const TOP_LEVEL = ['engine', 'experiments', 'kernels', 'report', 'templates', 'test', 'bench', 'artifacts', 'data', 'node_modules', 'build'];
const ABSOLUTE = new RegExp(`(?:file://)?(?:/[^\\s'"\`()<>:/]+)+?/((?:${TOP_LEVEL.join('|')})/)`, 'g');

/** `text` with `root` (this checkout) and any other checkout's absolute prefix removed from its paths. */
export function relativeToRepo(text: string, root: string): string {
  const own = root.endsWith('/') ? root : `${root}/`;
  return text.replaceAll(`file://${own}`, '').replaceAll(own, '').replace(ABSOLUTE, '$1');
}
