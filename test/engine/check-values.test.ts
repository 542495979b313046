/**
 * `make check` reads values and claims as `make report` does: a path the results lack fails both, a
 * null metric renders as a marked gap and fails check, and a claim on a stale artifact fails check.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, runCli, type FixtureProject } from './fixture.ts';

let project: FixtureProject;
const smoke = ['--profile', 'smoke'];
const html = () => readFileSync(join(project.root, 'build', 'report.html'), 'utf8');
const section = (text: string) => project.write('report/01-gaps.md', `# Gaps\n\n${text}\n`);

beforeAll(() => {
  project = makeProject();
  project.write(
    'experiments/gaps/experiment.ts',
    `import { z } from 'zod';
import { defineExperiment } from '../../engine/contract.ts';

export default defineExperiment({
  id: 'gaps',
  title: 'Gaps',
  summary: 'Writes a metric that was not computed (null).',
  paramsSchema: z.object({}),
  profiles: { smoke: {}, local: {}, paper: {} },
  seeds: [1],
  async run(ctx) {
    ctx.results.metrics({ present: 2, absent: null });
  },
});
`,
  );
});
afterAll(() => project.remove());

describe('make check on values and claims', () => {
  it('passes when every value and claim reads a computed metric of a current artifact', async () => {
    section('Present {{value gaps:present}}; {{claim gaps:present > 1 && sum:total > 0 ? "both positive" : "not both"}}.');
    const report = await runCli(project.root, ['report', ...smoke]);
    expect(report.code, report.stderr).toBe(0);
    expect(html()).toMatch(/<span class="claim" title="claim: gaps:present &gt; 1 &amp;&amp; sum:total &gt; 0 is true; read gaps:present = 2 \(key [0-9a-f]{12}\), sum:total = \d+ \(key [0-9a-f]{12}\)" data-experiments="gaps sum">both positive<\/span>/);
    const check = await runCli(project.root, ['check', ...smoke]);
    expect(check.code, check.stdout).toBe(0);
  });

  it('a null metric renders as a marked gap and fails check, in a value and in a claim', async () => {
    section('Absent {{value gaps:absent}} and {{claim gaps:absent > 1 ? "a" : "b"}}.');
    const report = await runCli(project.root, ['report', ...smoke]);
    expect(report.code, report.stderr).toBe(0);
    expect(html()).toContain('>[missing: gaps:absent]</span> and <span class="value is-missing claim-gap"');
    const check = await runCli(project.root, ['check', ...smoke]);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('report/01-gaps.md:3:8: value gaps.absent: gaps:absent is null in the results (it was not computed)');
    expect(check.stdout).toContain('report/01-gaps.md:3:34: claim on gaps: the claim cannot be decided: gaps:absent is null in the results (it was not computed)');
  });

  it('an unknown metric path fails check exactly as it fails the report', async () => {
    section('Typo {{value gaps:presnt}}.');
    const report = await runCli(project.root, ['report', ...smoke]);
    expect(report.code).toBe(2);
    const message = "no metric 'presnt' in the results of experiment 'gaps' (metrics: absent, present)";
    expect(report.stderr).toContain(`report/01-gaps.md:3:6: ${message}`);
    const check = await runCli(project.root, ['check', ...smoke]);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(`report/01-gaps.md:3:6: value gaps.presnt: ${message}`);
  });

  it('a claim on a stale artifact fails check', async () => {
    section('{{claim sum:total > 0 ? "positive" : "not positive"}}');
    const file = join(project.root, 'experiments', 'lib', 'math.ts');
    writeFileSync(file, readFileSync(file, 'utf8').replace('* scale', '* scale + 0'));
    const check = await runCli(project.root, ['check', ...smoke]);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/^report\/01-gaps\.md:3:1: claim on sum: stale: .*file experiments\/lib\/math\.ts changed/m);
  });
});
