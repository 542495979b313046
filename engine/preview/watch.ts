/**
 * Watching what the preview shows: report/, experiments/ (for figures.ts files), the renderer's templates/
 * and the artifact store, each with fs.watch (recursive; Node 20 supports it on Linux). Events are
 * classified into Changes (changes.ts) and handed on as they come; the caller batches them.
 */
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { classify, type Changes } from './changes.ts';

export interface Watched {
  kind: 'report' | 'templates' | 'experiments' | 'artifacts';
  dir: string;
}

export interface Watcher {
  /** The folders watched (those that exist). */
  watching: Watched[];
  close(): void;
}

export function watchFolders(folders: readonly Watched[], onChange: (change: Changes) => void, onError: (message: string) => void): Watcher {
  const watchers: FSWatcher[] = [];
  const watching: Watched[] = [];
  for (const folder of folders) {
    if (!existsSync(folder.dir)) {
      onError(`not watching ${folder.dir}: it does not exist`);
      continue;
    }
    const watcher = watch(folder.dir, { recursive: true }, (_event, filename) => {
      if (!filename) return;
      const change = classify(folder.kind, filename.toString());
      if (change) onChange(change);
    });
    watcher.on('error', (error) => onError(`watching ${folder.dir}: ${error.message}`));
    watchers.push(watcher);
    watching.push(folder);
  }
  return { watching, close: () => watchers.forEach((w) => w.close()) };
}
