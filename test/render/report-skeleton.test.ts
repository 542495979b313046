/**
 * The report in report/ reads, its citations and cross-references resolve, and it renders with a
 * catalog that holds the ids it names (the experiments' real catalog is the engine's concern).
 */
import { describe, expect, it } from 'vitest';
import type { Catalog } from '../../engine/contract.ts';
import { checkNeeds, readReport, renderReport } from '../../engine/render/index.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

function catalogOf(needs: Awaited<ReturnType<typeof readReport>>['needs']): Catalog {
  const catalog: Catalog = { figures: new Map(), tables: new Map(), experiments: new Map() };
  const experimentOf = (id: string): string => (id.startsWith('scan') ? 'scan-scaling' : 'selective-copying');
  for (const need of needs) {
    if (need.kind === 'claim') {
      for (const { experimentId } of need.refs) catalog.experiments.set(experimentId, { title: experimentId, summary: '', sourceFile: `experiments/${experimentId}/experiment.ts` });
      continue;
    }
    const experimentId = need.kind === 'value' ? need.experimentId : need.kind === 'experiment' ? need.id : experimentOf(need.id);
    catalog.experiments.set(experimentId, { title: experimentId, summary: '', sourceFile: `experiments/${experimentId}/experiment.ts` });
    const base = { id: '', experimentId, file: `experiments/${experimentId}/figures.ts` };
    if (need.kind === 'figure') catalog.figures.set(need.id, { ...base, id: need.id, spec: { title: need.id, caption: '', alt: '', plot: () => ({ marks: [] }) } });
    if (need.kind === 'table') catalog.tables.set(need.id, { ...base, id: need.id, spec: { title: need.id, caption: '', columns: [], rows: () => [] } });
  }
  return catalog;
}

describe('report/', () => {
  it('has the four sections of the original and the table beside it, each linked to what computes it', async () => {
    const report = await readReport(ROOT);
    expect(report.headings.filter((h) => h.level === 1).map((h) => `${h.number} ${h.text}`)).toEqual([
      'I Summary of the Mamba model',
      'II A dropout variant for machine translation',
      'III Mamba for image classification: MedMamba',
      'IV Conclusion',
      'V The original study beside this edition',
    ]);
    const experiments = report.needs.filter((n) => n.kind === 'experiment').map((n) => (n.kind === 'experiment' ? n.id : ''));
    expect(experiments).toEqual(['mamba-block', 'scan-scaling', 'scan-scaling-gpu', 'selective-copying', 'image-classification']);
    const checked = catalogOf(report.needs);
    expect(() => checkNeeds(report, checked)).not.toThrow();
    const html = await renderReport(report, { catalog: checked, artifacts: new Map(), profile: 'local', frozen: true });
    expect(html).toContain('Reported by the original study, not recomputed here');
    expect(html.match(/class="ref-number"/g)?.length).toBe(14);
  });
});
