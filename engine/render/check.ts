/**
 * checkNeeds: everything the text names must exist — figures and tables in the catalog, experiments
 * behind values and "Computed by" boxes, citation keys in report/references.bib, cross-reference
 * labels in the report itself. All problems are reported at once, each at its file:line:col.
 */
import type { Catalog } from '../contract.ts';
import { BIBLIOGRAPHY_FILE } from './bibliography.ts';
import { suggestion } from './closest.ts';
import { metaOf, type CitationMeta, type CrossRefMeta, type DirectiveEnv, type ParseProblem } from './directives.ts';
import { createMarkdown } from './markdown.ts';
import { ReportError, type CitationUse, type CrossRefUse, type ParsedReport } from './types.ts';

const CROSSREF_NOUN = { fig: 'figure', tbl: 'table', sec: 'section' } as const;

export function checkNeeds(report: ParsedReport, catalog: Catalog): void {
  const problems: ParseProblem[] = [];
  for (const need of report.needs) {
    if (need.kind === 'figure' && !catalog.figures.has(need.id)) {
      problems.push({ where: need.where, message: `unknown figure '${need.id}'${suggestion(need.id, catalog.figures.keys())}` });
    } else if (need.kind === 'table' && !catalog.tables.has(need.id)) {
      problems.push({ where: need.where, message: `unknown table '${need.id}'${suggestion(need.id, catalog.tables.keys())}` });
    } else if (need.kind === 'experiment' && !catalog.experiments.has(need.id)) {
      problems.push({ where: need.where, message: `unknown experiment '${need.id}'${suggestion(need.id, catalog.experiments.keys())}` });
    } else if (need.kind === 'value' && !catalog.experiments.has(need.experimentId)) {
      problems.push({
        where: need.where,
        message: `value of unknown experiment '${need.experimentId}'${suggestion(need.experimentId, catalog.experiments.keys())}`,
      });
    } else if (need.kind === 'claim') {
      for (const ref of need.refs.filter((r) => !catalog.experiments.has(r.experimentId))) {
        problems.push({ where: need.where, message: `claim reads unknown experiment '${ref.experimentId}'${suggestion(ref.experimentId, catalog.experiments.keys())}` });
      }
    }
  }
  const citations: (CitationUse & { context?: string })[] = [...report.citations];
  const crossrefs: (CrossRefUse & { context?: string })[] = [...report.crossrefs];
  // Captions come from figures.ts and may cite or cross-reference too; a problem there is reported at
  // the directive that places the figure, naming the caption's file.
  const md = createMarkdown();
  for (const need of report.needs) {
    if (need.kind !== 'figure' && need.kind !== 'table') continue;
    const entry = (need.kind === 'figure' ? catalog.figures : catalog.tables).get(need.id);
    if (!entry) continue;
    const env: DirectiveEnv = { file: entry.file, problems: [] };
    const context = `in the caption of ${need.kind} '${need.id}' (${entry.file}): `;
    for (const token of md.parseInline(entry.spec.caption, env as unknown as Record<string, unknown>).flatMap((t) => t.children ?? [])) {
      if (token.type === 'report_citation') {
        for (const { key } of metaOf<CitationMeta>(token).keys) citations.push({ key, where: need.where, context });
      } else if (token.type === 'report_crossref') {
        const { kind, label } = metaOf<CrossRefMeta>(token);
        crossrefs.push({ kind, label, where: need.where, context });
      } else if (token.type === 'report_value' || token.type === 'report_claim') {
        problems.push({ where: need.where, message: `${context}values and claims cannot be used in captions; write them in the report's text` });
      }
    }
  }
  for (const { key, where, context = '' } of citations) {
    if (!report.bibliography.has(key)) {
      problems.push({ where, message: `${context}unknown citation key '${key}': not in ${BIBLIOGRAPHY_FILE}${suggestion(key, report.bibliography.keys())}` });
    }
  }
  for (const { kind, label, where, context = '' } of crossrefs) {
    if (!report.labels.has(`${kind}:${label}`)) {
      const known = [...report.labels.keys()].filter((k) => k.startsWith(`${kind}:`)).map((k) => k.slice(kind.length + 1));
      const hint = kind === 'sec' ? ' (label a heading with {#sec:name})' : ` (a ${CROSSREF_NOUN[kind]} is labelled by its '::: ${CROSSREF_NOUN[kind]} <id>' directive)`;
      problems.push({ where, message: `${context}unknown cross-reference label '@${kind}:${label}'${known.length ? suggestion(label, known) : hint}` });
    }
  }
  if (problems.length > 0) throw new ReportError(problems);
}
