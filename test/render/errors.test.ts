import { describe, expect, it } from 'vitest';
import { checkNeeds, readReport, ReportError } from '../../engine/render/index.ts';
import { catalog, INDEX, writeReport } from './fixtures.ts';

/** The ReportError a promise rejects with. */
async function rejection(promise: Promise<unknown>): Promise<ReportError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(ReportError);
  return error as ReportError;
}

async function problem(section: string, bib?: string): Promise<ReportError> {
  const root = await writeReport({ 'index.md': INDEX, '01-a.md': section }, bib);
  try {
    checkNeeds(await readReport(root), catalog());
  } catch (error) {
    expect(error).toBeInstanceOf(ReportError);
    return error as ReportError;
  }
  throw new Error('expected a ReportError');
}

describe('errors name the exact file:line:col of the directive', () => {
  it('an unknown figure id, with the closest known id', async () => {
    const error = await problem('# A\n\nText.\n\n  ::: figure scan-time-per-tokn\n  :::\n');
    expect(error.message).toBe("report/01-a.md:5:3: unknown figure 'scan-time-per-tokn' (did you mean 'scan-time-per-token'?)");
    expect(error.where).toEqual({ file: 'report/01-a.md', line: 5, column: 3 });
  });

  it('an unknown table id far from any known one lists the known ids', async () => {
    const error = await problem('::: table zzz\n:::\n');
    expect(error.message).toBe("report/01-a.md:1:1: unknown table 'zzz' (known: copy-summary, scan-crossover)");
  });

  it('an unknown citation key, inside a list item on a wrapped line', async () => {
    const error = await problem('- First item\n  continues [@gu2023mamba; @koehn2005europarll] here.\n');
    expect(error.message).toBe("report/01-a.md:2:28: unknown citation key 'koehn2005europarll': not in report/references.bib (did you mean 'koehn2005europarl'?)");
  });

  it('a value of an unknown experiment and an unknown cross-reference label, all reported at once', async () => {
    const error = await problem('# A {#sec:a}\n\n> Quoted {{value scan-scalin:crossoverForward}} and @sec:b and @fig:nothing.\n');
    expect(error.problems.map((p) => p.where.column)).toEqual([10, 53, 64]);
    expect(error.message.split('\n')).toEqual([
      "report/01-a.md:3:10: value of unknown experiment 'scan-scalin' (did you mean 'scan-scaling'?)",
      "report/01-a.md:3:53: unknown cross-reference label '@sec:b' (did you mean 'a'?)",
      "report/01-a.md:3:64: unknown cross-reference label '@fig:nothing' (a figure is labelled by its '::: figure <id>' directive)",
    ]);
  });

  it('a malformed directive and a bad number format fail while reading', async () => {
    const root = await writeReport({ 'index.md': INDEX, '01-a.md': 'A {{value scan-scaling}} and {{value scan-scaling:x format="%%q"}}.\n' });
    await expect(readReport(root)).rejects.toThrow(
      /^report\/01-a\.md:1:3: malformed value directive.*\nreport\/01-a\.md:1:30: invalid number format '%%q'/,
    );
  });

  it('a figure placed twice and math that does not parse', async () => {
    const root = await writeReport({ 'index.md': INDEX, '01-a.md': '::: figure copy-final\n:::\n\n::: figure copy-final\n:::\n\n$$\n\\frac{1}{\n$$\n' });
    const error = await rejection(readReport(root));
    expect(error.message).toContain("report/01-a.md:4:1: 'fig:copy-final' is already used at report/01-a.md:1:1");
    expect(error.message).toContain('report/01-a.md:7:1: math does not parse');
  });

  it('front matter lines keep their line numbers and the title is required', async () => {
    const root = await writeReport({ 'index.md': '---\nauthor: X\n---\n\n[@nope]\n' });
    const error = await rejection(readReport(root));
    expect(error.message).toBe('report/index.md:1:1: the report needs a `title:` in the front matter of report/index.md');
    const titled = await writeReport({ 'index.md': '---\ntitle: T\n---\n\nSee [@nope].\n' });
    const report = await readReport(titled);
    expect(() => checkNeeds(report, catalog())).toThrow(/^report\/index\.md:5:6: unknown citation key 'nope'/);
  });
});

describe('captions from figures.ts are checked where the figure is placed', () => {
  it('an unknown citation key in a caption names the caption and its file', async () => {
    const root = await writeReport({ 'index.md': INDEX, '01-a.md': 'Text.\n\n::: table scan-crossover\n:::\n' });
    const broken = catalog();
    const entry = broken.tables.get('scan-crossover')!;
    broken.tables.set('scan-crossover', { ...entry, spec: { ...entry.spec, caption: 'As in [@gu2023mambo], see @fig:nowhere.' } });
    const report = await readReport(root);
    expect(() => checkNeeds(report, broken)).toThrow(
      "report/01-a.md:3:1: in the caption of table 'scan-crossover' (experiments/scan-scaling/figures.ts): unknown citation key 'gu2023mambo': not in report/references.bib (did you mean 'gu2023mamba'?)\n" +
        "report/01-a.md:3:1: in the caption of table 'scan-crossover' (experiments/scan-scaling/figures.ts): unknown cross-reference label '@fig:nowhere' (a figure is labelled by its '::: figure <id>' directive)",
    );
  });
});
