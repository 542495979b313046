/**
 * checkNeeds: everything the text names must exist — figures and tables in the catalog, experiments
 * behind values and "Computed by" boxes, citation keys in report/references.bib, cross-reference
 * labels in the report itself. All problems are reported at once, each at its file:line:col.
 */
import type { Catalog } from '../contract.ts';
import { BIBLIOGRAPHY_FILE } from './bibliography.ts';
import { suggestion } from './closest.ts';
import type { ParseProblem } from './directives.ts';
import { ReportError, type ParsedReport } from './types.ts';

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
    }
  }
  for (const { key, where } of report.citations) {
    if (!report.bibliography.has(key)) {
      problems.push({ where, message: `unknown citation key '${key}': not in ${BIBLIOGRAPHY_FILE}${suggestion(key, report.bibliography.keys())}` });
    }
  }
  for (const { kind, label, where } of report.crossrefs) {
    if (!report.labels.has(`${kind}:${label}`)) {
      const known = [...report.labels.keys()].filter((k) => k.startsWith(`${kind}:`)).map((k) => k.slice(kind.length + 1));
      const hint = kind === 'sec' ? ' (label a heading with {#sec:name})' : ` (a ${CROSSREF_NOUN[kind]} is labelled by its '::: ${CROSSREF_NOUN[kind]} <id>' directive)`;
      problems.push({ where, message: `unknown cross-reference label '@${kind}:${label}'${known.length ? suggestion(label, known) : hint}` });
    }
  }
  if (problems.length > 0) throw new ReportError(problems);
}
