/**
 * The renderer's API, as the engine's CLI uses it:
 *   readReport(root)            parse report/*.md, collect what the text needs (with file:line:col)
 *   checkNeeds(report, catalog) every named figure, table, experiment, citation and label exists
 *   renderReport(report, input) the complete, self-contained HTML
 *   printPdf(html, pdf)         the PDF, printed by headless Chromium
 */
export { readReport } from './read.ts';
export { checkNeeds } from './check.ts';
export { renderReport, FIGURE_WIDTH, type RenderInput } from './render.ts';
export { printPdf } from './pdf.ts';
export { ReportError, formatPos, type Need, type SourcePos, type ParsedReport, type CitationUse, type CrossRefUse } from './types.ts';
