/**
 * The claim directive: parse (with located errors), evaluation against known answers, rendering of
 * the chosen text with its provenance, gaps for missing or null values, and errors for unknown paths.
 */
import { describe, expect, it } from 'vitest';
import type { ArtifactView } from '../../engine/contract.ts';
import { evaluateClaim, parseClaim, type ClaimRef, type ReadValue } from '../../engine/render/claim.ts';
import { checkNeeds, readReport, renderReport, ReportError } from '../../engine/render/index.ts';
import { artifacts, catalog, INDEX, KEYS, manifest, results, writeReport } from './fixtures.ts';

function claimOf(src: string) {
  const parsed = parseClaim(src);
  if (!parsed.ok) throw new Error(`did not parse: ${parsed.message}`);
  return parsed.claim;
}

const METRICS: Record<string, number | boolean | string | null> = {
  'a:x': 0.8,
  'a:y': 0.3,
  'a:model=mamba.finalAccuracy.mean': 0.771,
  'b:zero': 0,
  'b:flag': true,
  'b:name': 'wasm',
  'b:nothing': null,
};
const read = (ref: ClaimRef): ReadValue => {
  const v = METRICS[`${ref.experimentId}:${ref.path}`];
  if (v === undefined) return { ok: false, reason: 'no such metric' };
  if (v === null) return { ok: false, reason: 'null' };
  return { ok: true, value: v };
};
const decide = (src: string): boolean | string => {
  const outcome = evaluateClaim(claimOf(`{{claim ${src} ? "T" : "F"}}`), read);
  return outcome.kind === 'decided' ? outcome.value : outcome.kind === 'gap' ? `gap: ${outcome.gaps.map((g) => g.ref).join(', ')}` : `error: ${outcome.message}`;
};

describe('claim expressions', () => {
  it('evaluate with the usual precedence and known answers', () => {
    expect(decide('a:x - a:y > 0.1')).toBe(true); // 0.5 > 0.1
    expect(decide('a:x - a:y > 0.6')).toBe(false);
    expect(decide('a:y - a:x < -0.4')).toBe(true); // -0.5
    expect(decide('abs(a:y - a:x) >= 0.5')).toBe(true);
    expect(decide('abs(a:y - a:x) > 0.5')).toBe(false);
    expect(decide('1 + 2 * 3 == 7')).toBe(true); // not 9
    expect(decide('(1 + 2) * 3 == 9')).toBe(true);
    expect(decide('8 / 2 / 2 == 2')).toBe(true); // left-associative
    expect(decide('10 - 2 - 3 == 5')).toBe(true);
    expect(decide('- a:x == -0.8')).toBe(true);
    expect(decide('a:x > 0.5 && a:y > 0.5')).toBe(false);
    expect(decide('a:x > 0.5 || a:y > 0.5')).toBe(true);
    expect(decide('a:x > 0.9 || a:y > 0.2 && a:y < 0.25')).toBe(false); // && binds tighter
    expect(decide('!(a:x > 0.5)')).toBe(false);
    expect(decide('! b:flag')).toBe(false);
    expect(decide('b:flag')).toBe(true);
    expect(decide('b:flag == (a:x > 0.5)')).toBe(true);
    expect(decide('a:x != a:y')).toBe(true);
    expect(decide('a:model=mamba.finalAccuracy.mean > 0.125 * 6')).toBe(true); // grid path; 0.771 > 0.75
    expect(decide('1e-3 < 0.01')).toBe(true);
  });

  it('name every missing or null value, and treat division by zero as undecided', () => {
    expect(decide('a:x > a:nope && b:nothing > 0')).toBe('gap: a:nope, b:nothing');
    expect(decide('a:x / b:zero > 1')).toMatch(/^gap: /);
    expect(decide('b:name > 1')).toMatch(/^error: claim: b:name is the text 'wasm'/);
    expect(decide('b:flag > 1')).toMatch(/^error: claim: b:flag is true, where a number is needed/);
  });

  it('keep the texts, with \\" for a quote, and list what they read once each', () => {
    const claim = claimOf('{{claim a:x > a:y && a:x < 1 ? "the \\"selective\\" *one*" : "neither"}}');
    expect(claim.whenTrue).toBe('the "selective" *one*');
    expect(claim.whenFalse).toBe('neither');
    expect(claim.condition).toBe('a:x > a:y && a:x < 1');
    expect(claim.refs).toEqual([
      { experimentId: 'a', path: 'x' },
      { experimentId: 'a', path: 'y' },
    ]);
  });

  it('reject malformed claims at the offending token, with a hint', () => {
    const problem = (src: string) => {
      const parsed = parseClaim(src);
      expect(parsed.ok).toBe(false);
      return parsed.ok ? null : { at: parsed.offset, message: parsed.message.split(' (a claim reads')[0] };
    };
    expect(problem('{{claim a:x>0.5 ? "t" : "f"}}')).toEqual({ at: 8, message: "'a:x>0.5': separate the operator '>' by spaces" });
    expect(problem('{{claim a:x > ? "t" : "f"}}')).toEqual({ at: 14, message: "expected a value, a number or '(' before '?'" });
    expect(problem('{{claim a:x > 1 "t" : "f"}}')).toEqual({ at: 16, message: "expected '?' after the condition, found a quoted text" });
    expect(problem('{{claim a:x > 1 ? "t" "f"}}')).toEqual({ at: 22, message: "expected ':' between the two texts, found a quoted text" });
    expect(problem('{{claim a:x > 1 ? t : "f"}}')).toEqual({ at: 18, message: "expected the text when true, in double quotes, after '?'; found 't'" });
    expect(problem('{{claim a:x > 1 ? "t : "f"}}')).toEqual({ at: 25, message: `the text that starts here is not closed by a '"'` });
    expect(problem('{{claim a:x > 1 ? "t" : "f}}')).toEqual({ at: 24, message: `the text that starts here is not closed by a '"'` });
    expect(problem('{{claim a:x ? "t" : "f"')).toEqual({ at: 0, message: "the claim is not closed by '}}'" });
    expect(problem('{{claim a:x + 1 ? "t" : "f"}}')).toEqual({ at: 8, message: 'the condition is a number, not true or false; compare it (for example \'> 0\')' });
    expect(problem('{{claim 1 < a:x < 2 ? "t" : "f"}}')?.message).toBe("comparisons do not chain ('a < b < c'); write 'a < b && b < c'");
    expect(problem('{{claim (a:x > 1) + 1 > 0 ? "t" : "f"}}')).toEqual({ at: 9, message: "'+' needs a number, not a comparison" });
    expect(problem('{{claim a:x > 1 && 2 ? "t" : "f"}}')).toEqual({ at: 19, message: "'&&' needs true or false, not a number" });
    expect(problem('{{claim abs a:x > 1 ? "t" : "f"}}')?.message).toBe("'abs' takes its argument in parentheses: abs(x)");
    expect(problem('{{claim (a:x > 1 ? "t" : "f"}}')?.message).toMatch(/^expected '\)' to close/);
    expect(problem('{{claim accuracy > 1 ? "t" : "f"}}')?.message).toBe("'accuracy' is not a value (experiment:path), a number or abs(...)");
    expect(problem('{{claim a:x > 1 ? "t" : "f" x}}')).toEqual({ at: 28, message: "expected '}}' after the text when false, found 'x'" });
  });
});

const section = (text: string) => ({ 'index.md': INDEX, '01-a.md': `# A\n\n${text}\n` });

async function renderText(text: string, views = artifacts()): Promise<string> {
  const report = await readReport(await writeReport(section(text)));
  checkNeeds(report, catalog());
  const html = await renderReport(report, { catalog: catalog(), artifacts: views, profile: 'local', frozen: false });
  const start = html.indexOf('<main>');
  return html.slice(start + '<main>'.length, html.indexOf('</main>', start)).trim();
}

describe('the claim directive in a report', () => {
  it('renders the text the results choose, as inline Markdown, marked with the values it read', async () => {
    const body = await renderText('The scan {{claim scan-scaling:best.speedup > 3 ? "is *more* than three times faster" : "is not much faster"}} here.');
    expect(body).toContain(
      `The scan <span class="claim" title="claim: scan-scaling:best.speedup &gt; 3 is true; read scan-scaling:best.speedup = 3.142 (key ${KEYS.scan.slice(0, 12)})" data-experiments="scan-scaling">is <em>more</em> than three times faster</span> here.`,
    );
    const other = await renderText('It {{claim scan-scaling:best.speedup > 4 ? "wins" : "does not win by 4x"}}.');
    expect(other).toContain('>does not win by 4x</span>.');
  });

  it('escapes the texts (raw HTML is text), and marks a claim on a stale run', async () => {
    const body = await renderText('A {{claim selective-copying:finalAccuracy > 0.5 ? "<img src=x onerror=alert(1)> \\"q\\"" : "no"}}.');
    expect(body).toContain('class="claim is-stale"');
    expect(body).toContain('&lt;img src=x onerror=alert(1)&gt; “q”');
    expect(body).toContain('<sup class="stale-mark">stale</sup>');
    expect(body).not.toContain('<img');
  });

  it('renders a visible gap naming what is missing, never a dash, for a missing artifact or a null metric', async () => {
    const views = artifacts();
    const scan = views.get('scan-scaling')!;
    views.set('scan-scaling', { ...scan, results: results('scan-scaling', { crossoverForward: null, best: { speedup: 2 } }, {}) } satisfies ArtifactView);
    const body = await renderText('A {{claim translation:bleu > 20 ? "good" : "bad"}}, B {{claim scan-scaling:crossoverForward > 1 ? "x" : "y"}}, C {{value scan-scaling:crossoverForward}}.', views);
    expect(body).toContain('A <span class="value is-missing claim-gap" title="translation:bleu: no artifact of experiment translation');
    expect(body).toContain('>[missing: translation:bleu]</span>');
    expect(body).toContain('>[missing: scan-scaling:crossoverForward]</span>, C');
    expect(body).toContain('C <span class="value is-missing" title="the metric is null in the results of experiment &#x27;scan-scaling&#x27; (it was not computed)">[missing: scan-scaling:crossoverForward]</span>');
    expect(body).not.toContain('—');
  });

  it('fails on a path the current results do not have, as a value does, at the directive', async () => {
    await expect(renderText('Text {{claim scan-scaling:best.sped > 1 ? "a" : "b"}}.')).rejects.toThrow(
      "report/01-a.md:3:6: no metric 'best.sped' in the results of experiment 'scan-scaling' (metrics: backend, best, crossoverForward)",
    );
  });

  it('reports parse errors at file:line:col, also on a wrapped line, and refuses directives in the texts', async () => {
    const root = await writeReport(section('First line\nand {{claim scan-scaling:best.speedup >1 ? "a" : "b"}}.\n\nSee {{claim scan-scaling:best.speedup > 1 ? "as in [@gu2023mamba]" : "b"}}.'));
    const error = await readReport(root).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(ReportError);
    const lines = (error as ReportError).message.split('\n');
    expect(lines[0]).toBe("report/01-a.md:4:39: expected '?' after the condition, found '>1' (a claim reads {{claim <experiment>:<metric> > 0.5 ? \"text when true\" : \"text when false\"}}; operators are separated by spaces)");
    expect(lines[1]).toMatch(/^report\/01-a\.md:6:45: the text when true contains a directive/);
  });

  it('names an unknown experiment with the closest known one, and an unknown inline directive', async () => {
    const report = await readReport(await writeReport(section('A {{claim scan-scalin:x > 1 ? "a" : "b"}}.')));
    expect(() => checkNeeds(report, catalog())).toThrow("report/01-a.md:3:3: claim reads unknown experiment 'scan-scalin' (did you mean 'scan-scaling'?)");
    await expect(readReport(await writeReport(section('A {{clam x}} and {{valeu y}}.')))).rejects.toThrow(
      "report/01-a.md:3:3: unknown directive '{{clam' (did you mean '{{claim'?)\nreport/01-a.md:3:18: unknown directive '{{valeu' (did you mean '{{value'?)",
    );
  });

  it('is a need of every experiment it reads', async () => {
    const report = await readReport(await writeReport(section('{{claim scan-scaling:best.speedup > selective-copying:finalAccuracy ? "a" : "b"}}')));
    expect(report.needs).toEqual([
      {
        kind: 'claim',
        refs: [
          { experimentId: 'scan-scaling', path: 'best.speedup' },
          { experimentId: 'selective-copying', path: 'finalAccuracy' },
        ],
        claim: '{{claim scan-scaling:best.speedup > selective-copying:finalAccuracy ? "a" : "b"}}',
        where: { file: 'report/01-a.md', line: 3, column: 1 },
      },
    ]);
  });
});

void manifest;
