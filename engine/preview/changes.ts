/**
 * What an edit touched, from the paths the watcher reports: the report's text, the templates, which
 * figures modules, which experiments' artifacts. Each kind invalidates its own stage of the preview's
 * render and no other (incremental.ts).
 */
export interface Changes {
  /** report/*.md or references.bib: parse the text again. */
  report: boolean;
  /** templates/: compile the templates again. */
  templates: boolean;
  /** Repository-relative figures.ts files: import them afresh (and their figure ids). */
  figures: Set<string>;
  /** Experiments whose artifact folders changed (`make figure` landed a result): plan and load their views again. */
  artifacts: Set<string>;
  /** Repository-relative paths, for the terminal line. */
  paths: Set<string>;
}

export const noChanges = (): Changes => ({ report: false, templates: false, figures: new Set(), artifacts: new Set(), paths: new Set() });

/** Everything, for the first render. */
export const allChanged = (): Changes => ({ ...noChanges(), report: true, templates: true });

export function mergeChanges(into: Changes, from: Changes): Changes {
  into.report ||= from.report;
  into.templates ||= from.templates;
  for (const f of from.figures) into.figures.add(f);
  for (const a of from.artifacts) into.artifacts.add(a);
  for (const p of from.paths) into.paths.add(p);
  return into;
}

export const isEmpty = (c: Changes): boolean => !c.report && !c.templates && c.figures.size === 0 && c.artifacts.size === 0;

/** Editors' swap and backup files (`.x.swp`, `x~`, `.#x`, `4913`): never part of the report. */
const scratchName = (name: string): boolean => name.startsWith('.') || name.endsWith('~') || name.endsWith('.swp') || /^\d+$/.test(name);

/** A path relative to a watched folder -> the change it means, or null when it means none. */
export function classify(kind: 'report' | 'templates' | 'experiments' | 'artifacts', relativePath: string): Changes | null {
  const parts = relativePath.split(/[\\/]/).filter(Boolean);
  const name = parts.at(-1);
  if (!name) return null;
  const change = noChanges();
  switch (kind) {
    case 'report':
      // The report's text and bibliography; `sed -i` and editors write other names first, then rename.
      if (scratchName(name) || !/\.(md|bib)$/.test(name)) return null;
      change.report = true;
      change.paths.add(`report/${parts.join('/')}`);
      return change;
    case 'templates':
      if (scratchName(name) || !/\.(hbs|css)$/.test(name)) return null;
      change.templates = true;
      change.paths.add(`templates/${parts.join('/')}`);
      return change;
    case 'experiments':
      // Only experiments/<id>/figures.ts; experiment code is the key's business (make report reruns it).
      if (parts.length !== 2 || parts[1] !== 'figures.ts') return null;
      change.figures.add(`experiments/${parts.join('/')}`);
      change.paths.add(`experiments/${parts.join('/')}`);
      return change;
    case 'artifacts':
      // Runs write into .tmp-*, hold .lock-* and report .progress-*: only the installing rename counts.
      if (parts.some((p) => p.startsWith('.'))) return null;
      change.artifacts.add(parts[0]!);
      change.paths.add(`artifacts/${parts.slice(0, 2).join('/')}`);
      return change;
  }
}
