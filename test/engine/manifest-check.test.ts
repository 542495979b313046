/**
 * Fault trials on the report side, kept as tests: a hand-edited manifest (a param, the commit), a
 * truncated one and a deleted one. Each is detected: `make check` names the artifact as corrupt (not
 * "never built"), a frozen report does not show the edited values, and a rebuild recomputes it.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, runCli, type FixtureProject } from './fixture.ts';

let project: FixtureProject;
const smoke = ['--profile', 'smoke'];
const manifestPath = () => {
  const store = join(project.root, 'artifacts', 'sum');
  const [dir] = readdirSync(store).filter((d) => /^[0-9a-f]{12}$/.test(d));
  return join(store, dir!, 'manifest.json');
};

beforeAll(async () => {
  project = makeProject();
  const built = await runCli(project.root, ['report', ...smoke]);
  expect(built.code, built.stderr).toBe(0);
});
afterAll(() => project.remove());

async function expectCorrupt(reason: RegExp): Promise<void> {
  const check = await runCli(project.root, ['check', ...smoke]);
  expect(check.code).toBe(1);
  expect(check.stdout).toMatch(new RegExp(`^report/index\\.md:5:\\d+: value sum\\.total: corrupt: artifacts/sum/[0-9a-f]{12}: ${reason.source}`, 'm'));
  expect(check.stdout).not.toMatch(/never built/);
}

describe('a damaged manifest is corrupt, never "never built" and never shown', () => {
  it('a hand-edited param and commit', async () => {
    const path = manifestPath();
    const original = readFileSync(path, 'utf8');
    const manifest = JSON.parse(original);
    manifest.components.params.offset = 999;
    manifest.environment.git.commit = 'f'.repeat(40);
    writeFileSync(path, JSON.stringify(manifest, null, 2));
    await expectCorrupt(/manifest\.json was edited: its fields no longer match its integrity hash/);
    const frozen = await runCli(project.root, ['report', ...smoke, '--frozen=1']);
    expect(frozen.code, frozen.stderr).toBe(0);
    const html = readFileSync(join(project.root, 'build', 'report.html'), 'utf8');
    expect(html).not.toContain('999');
    expect(html).not.toContain('<code>fffffff');
    expect(html).toContain('the artifact of the current key is corrupt, so it is not shown: manifest.json was edited');
    writeFileSync(path, original);
    expect((await runCli(project.root, ['check', ...smoke])).code).toBe(0);
  });

  it('a truncated manifest', async () => {
    const path = manifestPath();
    const original = readFileSync(path, 'utf8');
    writeFileSync(path, original.slice(0, Math.floor(original.length / 2)));
    await expectCorrupt(/manifest\.json is corrupt: not JSON/);
    writeFileSync(path, original);
  });

  it('a deleted manifest, and a rebuild recomputes it', async () => {
    rmSync(manifestPath());
    await expectCorrupt(/manifest\.json is missing/);
    const rebuilt = await runCli(project.root, ['report', ...smoke]);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(rebuilt.stderr).toMatch(/1 ran/);
    expect((await runCli(project.root, ['check', ...smoke])).code).toBe(0);
  });
});
