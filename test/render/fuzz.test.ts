/**
 * A property-based fuzzer for the report side: random Markdown with random directives, ids, formats,
 * claims, citations, BibTeX entries, front matter and manifest params, built from strings that carry
 * markup, quotes, control characters, directive syntax and very long runs. For every case the build
 * either succeeds with every user string escaped (the page, parsed by jsdom, has no event-handler
 * attribute, no javascript:/data: URL and no element the templates, Markdown, KaTeX or Plot do not
 * make), or fails with a ReportError whose every problem is located at a report file's line and column
 * and whose message carries no stack frame. A case may take at most CASE_LIMIT_MS (no hang).
 *
 * A second property runs a few cases through the real CLI (`report --frozen=1` on the engine fixture
 * project): it exits 0 with a complete build/report.html, or 2 with a located error and no stack
 * trace, and in either case build/ holds no partial or temporary file and a failed build leaves the
 * previous page as it was.
 *
 * Seeded and bounded: FUZZ_SEED and FUZZ_RUNS override the defaults; the seed is printed on failure.
 * FUZZ_WILD=1 makes invalid input as likely as valid (the default run keeps most cases buildable).
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { JSDOM } from 'jsdom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactView, Json } from '../../engine/contract.ts';
import { checkNeeds, readReport, renderReport, ReportError } from '../../engine/render/index.ts';
import { makeProject, runCli, type FixtureProject } from '../engine/fixture.ts';
import { artifacts, catalog, INDEX, manifest, SECTION_ONE, SECTION_TWO, writeReport } from './fixtures.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261203);
const RUNS = Number(process.env.FUZZ_RUNS ?? 120);
const CLI_RUNS = Number(process.env.FUZZ_CLI_RUNS ?? 5);
/** A case slower than this counts as a hang (generous: the machine is shared, and a case is ~0.3 s). */
/** FUZZ_WILD=1 draws invalid input as often as valid, to work the error paths harder. */
const WILD = process.env.FUZZ_WILD === '1';
const CASE_LIMIT_MS = 20_000;

// ---- strings

/** Markup, injection attempts, quotes, control characters: text that must come out escaped. */
const HOSTILE = [
  '<script>alert(1)</script>',
  '"onmouseover="alert(1)"x',
  "' onload='alert(1)",
  'javascript:alert(1)',
  '[x](javascript:alert(1))',
  '[x](JaVaScRiPt:alert(1))',
  '[x](java\tscript:alert(1))',
  '[x](<javascript:alert(1)>)',
  '[x](data:text/html;base64,PHNjcmlwdD4=)',
  '[x](vbscript:msgbox)',
  '[x](file:///etc/passwd)',
  '[ok](https://example.org/a?b=1&c="2")',
  '<https://e.com/"onclick="x>',
  '<javascript:alert(1)>',
  '![i](data:image/png;base64,AAAA)',
  '![i](https://e.com/x.png)',
  '<img src=x onerror=alert(1)>',
  '<a href="javascript:x">y</a>',
  '<svg onload=alert(1)>',
  '<style>*{}</style>',
  '$\\href{javascript:alert(1)}{x}$',
  '$\\url{javascript:x}$',
  '$\\htmlClass{x}{y}$',
  '$\\includegraphics{x.png}$',
  '&lt;&amp;&quot;&#x27;',
  '&#106;avascript:',
  '\u0000',
  '\u0007',
  '\u001b[31m',
  '\u202e',
  '\ufeff',
  '\t',
  '{onclick=x}',
  '`',
  '**',
  '_',
  '|',
  '\\',
  '"',
  "'",
  '<',
  '>',
  '&',
  'https://e.com/"onmouseover="alert(8)"x',
  'https://e.com/a&b<c>d',
  'é ß 中文 🙂',
];
/** Directive syntax out of place, which may well be (and then must be reported as) a mistake. */
const DIRECTIVE_ISH = ['{{', '}}', '{{value', '{{claim', '{{valu x}}', ':::', '::: figure', '::: figures x', '---', '@', '[@', '@fig:', '@sec:zz', '[@nokey]', '{#sec:x}', '{.unnumbered}', '{#x onclick=alert(1)}', '```', '[^1]', '[^1]: note', '$x_', '$$', '$\\frac{$', '#', '> ', '- ', '1. ', '    ', '\n', '\n\n', '\r'];

const LONG = fc.constantFrom('x'.repeat(5000), '<b>'.repeat(800), '"'.repeat(2000), '*a'.repeat(1000), 'https://e.com/' + 'a'.repeat(3000));
const WORDS = fc.constantFrom('the', 'scan', 'is', 'fast', 'accuracy', '0.5', '12', 'a', 'model', 'Mamba');
const safeAtom = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE) },
  { weight: 4, arbitrary: WORDS },
  { weight: 2, arbitrary: fc.string({ maxLength: 8 }).map((t) => t.replace(/[{}@:$\[\]\n\r#>`-]/g, '')) },
  { weight: 1, arbitrary: LONG },
);
const wildAtom = fc.oneof(fc.constantFrom(...DIRECTIVE_ISH), fc.string({ maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 6 }));
const atom = fc.oneof({ weight: WILD ? 3 : 60, arbitrary: safeAtom }, { weight: 1, arbitrary: wildAtom });
const text = fc.array(atom, { maxLength: 8 }).map((parts) => parts.join(' '));
/** Text without newlines, for places a line break would end (front matter, directive lines). */
const line = text.map((t) => t.replace(/[\r\n]/g, ' '));
const safeLine = fc.array(safeAtom, { maxLength: 6 }).map((parts) => parts.join(' ').replace(/[\r\n]/g, ' '));

/** Mostly valid, sometimes not: a build of only invalid input tests only the error path. */
const mostly = <T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<T>) => fc.oneof({ weight: WILD ? 1 : 30, arbitrary: valid }, { weight: 1, arbitrary: invalid });

// ---- directives

const experimentId = mostly(fc.constantFrom('scan-scaling', 'selective-copying', 'translation'), fc.oneof(fc.constantFrom('scan-scalin', 'nope', ''), fc.string({ maxLength: 6 })));
const VALID_VALUES = ['scan-scaling:crossoverForward', 'scan-scaling:best.speedup', 'scan-scaling:backend', 'scan-scaling:params.html', 'selective-copying:finalAccuracy', 'translation:bleu'];
const valueRef = mostly(fc.constantFrom(...VALID_VALUES), fc.tuple(experimentId, fc.oneof(fc.constantFrom('nothing', 'best', 'best.speedup.x'), fc.string({ maxLength: 10 }))).map(([id, p]) => `${id}:${p}`));
const format = mostly(fc.constantFrom(',.0f', '.2f', '.1%', '.3s', 'd', '~s', '.20f', '$,.2f', '0>8.2f', '+.1e'), fc.oneof(fc.constantFrom('.1q', 'Q', '', '.500f', '%%', ' ', '"'), fc.string({ maxLength: 5 })));
const value = fc.tuple(valueRef, fc.option(format), fc.constantFrom('"', "'")).map(([ref, f, q]) => `{{value ${ref}${f === null ? '' : ` format=${q}${f}${q}`}}}`);

const NUMERIC = ['scan-scaling:crossoverForward', 'scan-scaling:best.speedup', 'selective-copying:finalAccuracy', 'translation:bleu'];
const number = fc.oneof(fc.constantFrom(...NUMERIC), fc.constantFrom('0', '1', '0.5', '-2', '1e3', '1e999'), fc.constantFrom(...NUMERIC).map((r) => `abs(${r})`));
const comparison = fc.tuple(number, fc.constantFrom('+', '-', '*', '/'), number, fc.constantFrom('<', '<=', '>', '>=', '==', '!='), number).map(([a, o, b, c, d]) => `${a} ${o} ${b} ${c} ${d}`);
const validCondition = fc.array(comparison, { minLength: 1, maxLength: 3 }).chain((cs) => fc.array(fc.constantFrom('&&', '||'), { minLength: cs.length - 1, maxLength: cs.length - 1 }).map((ops) => cs.map((c, i) => (i === 0 ? c : `${ops[i - 1]} ${c}`)).join(' ')));
const wildCondition = fc.array(fc.oneof(number, fc.constantFrom('+', '<', '&&', '!', '(', ')', '<>', '=', 'x', '"'), fc.string({ maxLength: 3 })), { minLength: 1, maxLength: 5 }).map((ts) => ts.join(' '));
const quoted = mostly(safeLine, line).map((t) => `"${t.replace(/"/g, '\\"')}"`);
const claim = mostly(
  fc.tuple(validCondition, quoted, quoted).map(([c, t, f]) => `{{claim ${c} ? ${t} : ${f}}}`),
  fc.oneof(fc.tuple(wildCondition, quoted, quoted).map(([c, t, f]) => `{{claim ${c} ? ${t} : ${f}}}`), fc.tuple(validCondition, line).map(([c, t]) => `{{claim ${c} ? ${t}}}`)),
);

const FIGURES = ['scan-time-per-token', 'scan-speedup', 'scan-clipped', 'copy-accuracy', 'copy-final'];
const TABLES = ['scan-crossover', 'copy-summary'];
const KEYS = ['gu2023mamba', 'koehn2005europarl', 'yue2024medmamba'];
const citeKey = mostly(fc.constantFrom(...KEYS), fc.string({ maxLength: 6 }));
const citation = fc.array(citeKey, { minLength: 1, maxLength: 3 }).map((keys) => `[${keys.map((k) => `@${k}`).join('; ')}]`);
const crossref = mostly(fc.constant('@sec:a'), fc.tuple(fc.constantFrom('fig', 'tbl', 'sec'), fc.string({ maxLength: 5 })).map(([k, l]) => `@${k}:${l}`));
const inline = fc.oneof({ weight: 6, arbitrary: text }, value, claim, citation, crossref, fc.constantFrom('$x^2$', '$\\frac{a}{b}$', '**bold**', '_em_', '`code`', '[link](https://example.org)', '[rel](../kernels/scan.ts)'));
const paragraph = fc.array(inline, { minLength: 1, maxLength: 5 }).map((parts) => parts.join(' '));

// Each figure and table may be placed once; placements draw from a shuffled list so that most cases are valid.
const placement = mostly(
  fc.tuple(fc.constantFrom('figure', 'table'), fc.nat(), fc.option(paragraph)).map(([kind, n, inner]) => ({ kind, n, inner, closed: true, name: kind })),
  fc.tuple(fc.constantFrom('figure', 'table', 'figures', 'tabel'), fc.nat(), fc.option(paragraph), fc.boolean()).map(([name, n, inner, closed]) => ({ kind: name.startsWith('f') ? 'figure' : 'table', n, inner, closed, name })),
);
const container = fc.oneof(
  { weight: 12, arbitrary: placement.map((p) => ({ placement: p })) },
  { weight: 4, arbitrary: fc.array(experimentId, { minLength: 1, maxLength: 3 }).map((ids) => ({ text: `::: experiments ${ids.join(' ')}\n:::` })) },
  { weight: 4, arbitrary: fc.tuple(safeLine, paragraph).map(([title, inner]) => ({ text: `::: original ${title}\n${inner}\n:::` })) },
  { weight: 1, arbitrary: fc.constant({ text: ':::' }) },
);
const heading = fc.tuple(fc.constantFrom('#', '##', '###'), safeLine, fc.constantFrom('', '', ' {.unnumbered}')).map(([h, t, a]) => ({ text: `${h} ${t.trim() || 'Heading'}${a}` }));
const block = fc.oneof(
  { weight: 5, arbitrary: paragraph.map((t) => ({ text: t })) },
  { weight: 2, arbitrary: container },
  { weight: 2, arbitrary: heading },
  fc.constantFrom('$$\nx^2\n$$', '| a | b |\n|---|---|\n| 1 | <b> |', '- one\n- two', '> quote', '```\n<script>\n:::\n```', '[^1]: a note', '# Section a {#sec:a}').map((t) => ({ text: t })),
);

type Block = { text: string } | { placement: { kind: string; n: number; inner: string | null; closed: boolean; name: string } };

/** Blocks to Markdown; figures and tables not yet placed are taken in turn, so a repeat is the exception. */
function markdown(blocks: Block[], unplaced: { figure: string[]; table: string[] }): string {
  return blocks
    .map((b) => {
      if ('text' in b) return b.text;
      const { kind, n, inner, closed, name } = b.placement;
      const pool = unplaced[kind as 'figure' | 'table'];
      const id = pool.length ? pool.splice(n % pool.length, 1)[0] : (kind === 'figure' ? FIGURES : TABLES)[n % 2];
      return `::: ${name} ${id}\n${inner ?? ''}\n${closed ? ':::' : ''}`;
    })
    .join('\n\n');
}
const body = fc.array(block, { maxLength: 6 });

const frontPairs = mostly<[string, string][]>(
  fc.uniqueArray(fc.tuple(fc.constantFrom('subtitle', 'author', 'affiliation', 'date'), safeLine), { maxLength: 4, selector: ([k]) => k }),
  fc.array(fc.tuple(fc.constantFrom('titel', 'x', '', 'title', 'author'), line), { minLength: 1, maxLength: 3 }),
);
const frontMatter = fc.tuple(safeLine, frontPairs).map(([title, pairs]) => `---\ntitle: ${title.trim() || 'T'}\n${pairs.map(([k, v]) => `${k}: ${v}`).join('\n')}\n---\n`);
const sectionFront = fc.option(mostly(fc.constant(''), frontMatter), { nil: undefined, freq: 4 });

const bibField = mostly(safeLine, line).map((t) => t.replace(/[{}]/g, ''));
const bibEntry = fc.tuple(fc.constantFrom('article', 'misc', 'book'), bibField, bibField, fc.option(bibField)).map(([type, title, author, url]) => ({ type, title, author, url }));
const bibliography = fc.tuple(fc.array(bibEntry, { minLength: 3, maxLength: 3 }), mostly(fc.constant(false), fc.constant(true))).map(([entries, duplicate]) =>
    entries
      .map((e, i) => `@${e.type}{${duplicate && i === 2 ? KEYS[0] : KEYS[i]},\n  title = {${e.title}},\n  author = {${e.author}},\n  year = {2024},${e.url === null ? '' : `\n  url = {${e.url}},`}\n}\n`)
      .join('\n'),
);

const markupJson: fc.Arbitrary<Json> = fc.letrec<{ json: Json }>((tie) => ({
  json: fc.oneof({ depthSize: 'small' }, atom, fc.double(), fc.boolean(), fc.constant(null), fc.array(tie('json'), { maxLength: 3 }), fc.dictionary(atom, tie('json'), { maxKeys: 3 })),
})).json;
const scalar: fc.Arbitrary<Json> = mostly(fc.oneof(safeAtom, fc.double(), fc.boolean(), fc.constant(null)), markupJson);

const reportCase = fc.record({
  front: frontMatter,
  index: body,
  sections: fc.array(fc.tuple(sectionFront, body), { maxLength: 2 }),
  bib: bibliography,
  params: markupJson,
  metric: scalar,
  caption: safeLine,
});
type ReportCase = typeof reportCase extends fc.Arbitrary<infer T> ? T : never;

function files(c: ReportCase): Record<string, string> {
  const unplaced = { figure: [...FIGURES], table: [...TABLES] };
  const out: Record<string, string> = { 'index.md': `${c.front}\n# Opening {#sec:a}\n\n${markdown(c.index, unplaced)}\n` };
  c.sections.forEach(([front, blocks], i) => (out[`0${i + 1}-s.md`] = `${front ?? ''}${markdown(blocks, unplaced)}\n`));
  return out;
}

/** The fixture artifacts, with the random params in scan-scaling's manifest and a random metric at `params.html`. */
function views(c: ReportCase): Map<string, ArtifactView> {
  const out = artifacts();
  const scan = out.get('scan-scaling')!;
  const metrics = { ...scan.results!.metrics, params: { html: c.metric } } as Record<string, Json>;
  const m = manifest('scan-scaling', scan.currentKey);
  out.set('scan-scaling', { ...scan, manifest: { ...m, components: { ...m.components, params: c.params } }, results: { ...scan.results!, metrics } });
  return out;
}

// ---- the properties checked on a page

/** Elements the templates and Markdown make outside KaTeX's and Plot's own subtrees. */
const ELEMENTS = new Set(
  'html head meta title style script body header h1 h2 h3 h4 h5 h6 p br nav ol ul li a span strong em s main section figure figcaption div details summary dl dt dd table thead tbody tr th td code pre sup sub hr blockquote aside'.split(' '),
);
const URL_ATTRIBUTES = ['href', 'src', 'xlink:href', 'action', 'formaction', 'poster', 'data', 'srcset'];

function pageProblems(html: string): string[] {
  const problems: string[] = [];
  const document = new JSDOM(html).window.document;
  for (const element of document.querySelectorAll('*')) {
    const tag = element.tagName.toLowerCase();
    const inLibrary = element.closest('.katex, .katex-display, .plot') !== null;
    if (!inLibrary && !ELEMENTS.has(tag)) problems.push(`an element <${tag}> the templates do not make`);
    for (const name of element.getAttributeNames()) {
      if (/^on/i.test(name)) problems.push(`an event-handler attribute ${name} on <${tag}>`);
      const value = element.getAttribute(name) ?? '';
      if (URL_ATTRIBUTES.includes(name.toLowerCase()) || name === 'style') {
        const squeezed = value.replace(/[\u0000-\u0020\u007f]+/g, '').toLowerCase();
        if (/(?:^|url\()\s*['"]?(?:javascript|data|vbscript):/.test(squeezed)) problems.push(`a ${squeezed.slice(0, 40)} URL in ${name} of <${tag}>`);
      }
    }
  }
  const scripts = [...document.querySelectorAll('script')].map((s) => s.textContent ?? '');
  if (JSON.stringify(scripts) !== JSON.stringify(templateScripts)) problems.push('a script other than the template\'s');
  if (!html.endsWith('</html>\n')) problems.push('the page is not complete');
  return problems;
}

/** A failure must be a ReportError, each problem at a report file's line and column, without stack frames. */
function errorProblems(error: unknown): string[] {
  if (!(error instanceof ReportError)) return [`not a located error: ${error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error)}`];
  const problems: string[] = [];
  for (const p of error.problems) {
    if (!/^report\/[\w.-]+\.(md|bib)$/.test(p.where.file) || !(p.where.line >= 1) || !(p.where.column >= 1)) problems.push(`badly located: ${JSON.stringify(p.where)} ${p.message}`);
  }
  if (/\n\s+at \S+ \(|\n\s+at file:/.test(error.message)) problems.push(`a stack frame in the message: ${error.message}`);
  return problems;
}

/** The scripts the page template itself carries (possibly none): the only ones a page may have. */
let templateScripts: string[] = [];
let counted = { cases: 0, built: 0, refused: 0, slowestMs: 0 };

beforeAll(async () => {
  // A full render first, so that no case is charged for loading Plot, KaTeX and citation-js.
  const root = await writeReport({ 'index.md': INDEX, '01-scan.md': SECTION_ONE, '02-copy.md': SECTION_TWO });
  const html = await renderReport(await readReport(root), { catalog: catalog(), artifacts: artifacts(), profile: 'local', frozen: false });
  templateScripts = [...new JSDOM(html).window.document.querySelectorAll('script')].map((s) => s.textContent ?? '');
  rmSync(root, { recursive: true, force: true });
});

async function buildCase(c: ReportCase): Promise<void> {
  const started = performance.now();
  const root = await writeReport(files(c), c.bib);
  const cat = catalog();
  const entry = cat.figures.get('copy-final')!;
  cat.figures.set('copy-final', { ...entry, spec: { ...entry.spec, caption: c.caption, title: c.caption } });
  let problems: string[];
  try {
    const report = await readReport(root);
    checkNeeds(report, cat);
    const html = await renderReport(report, { catalog: cat, artifacts: views(c), profile: 'local', frozen: false });
    problems = pageProblems(html);
    counted.built++;
  } catch (error) {
    problems = errorProblems(error);
    counted.refused++;
    if (process.env.FUZZ_VERBOSE) console.log(`refused: ${String((error as Error).message).split('\n')[0]!.slice(0, 200)}`);
    if (process.env.FUZZ_VERBOSE === 'files') console.log(JSON.stringify(files(c)).slice(0, 1500));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const ms = performance.now() - started;
  counted.slowestMs = Math.max(counted.slowestMs, ms);
  counted.cases++;
  if (ms > CASE_LIMIT_MS) problems.push(`took ${Math.round(ms)} ms`);
  if (problems.length > 0) throw new Error(`${problems.join('\n')}\n--- files: ${JSON.stringify(files(c)).slice(0, 3000)}`);
}

describe('the report side under random input', () => {
  it(`builds safely or fails located (${RUNS} cases, seed ${SEED})`, async () => {
    const started = performance.now();
    counted = { cases: 0, built: 0, refused: 0, slowestMs: 0 };
    try {
      await fc.assert(fc.asyncProperty(reportCase, buildCase), { seed: SEED, numRuns: RUNS, endOnFailure: true });
    } catch (error) {
      console.error(`fuzz: failed with FUZZ_SEED=${SEED} (FUZZ_RUNS=${RUNS}); rerun with these to reproduce`);
      throw error;
    }
    console.log(`fuzz: ${counted.cases} cases in ${((performance.now() - started) / 1000).toFixed(1)} s (seed ${SEED}): ${counted.built} built, ${counted.refused} refused with located errors; slowest ${Math.round(counted.slowestMs)} ms`);
    // Both outcomes must occur, or the generators have drifted away from what they are meant to test.
    if (!WILD) expect(counted.built).toBeGreaterThan(0);
    expect(counted.refused).toBeGreaterThan(0);
  });
});

/** The engine fixture project's ids in place of the render fixtures' ones. */
const forFixture = (t: string): string =>
  t.replaceAll('scan-time-per-token', 'sum-line').replaceAll('scan-crossover', 'sum-table').replaceAll('scan-scaling', 'sum').replaceAll('crossoverForward', 'total').replaceAll('selective-copying', 'sleeper');

describe('the CLI under random reports', () => {
  // Frozen builds run nothing: the page is rendered (with placeholders) from whatever the store holds.
  let project: FixtureProject;
  beforeAll(() => {
    project = makeProject();
  });
  afterAll(() => project.remove());

  it(`exits 0 with a whole page or 2 with a located error, never leaving a partial file (${CLI_RUNS} cases, seed ${SEED})`, async () => {
    const page = join(project.root, 'build', 'report.html');
    const cliCase = fc.record({ blocks: body, front: sectionFront });
    try {
      await fc.assert(
        fc.asyncProperty(cliCase, async ({ blocks, front }) => {
          const t = markdown(blocks, { figure: ['sum-line'], table: ['sum-table'] });
          const before = existsSync(page) ? readFileSync(page, 'utf8') : null;
          writeFileSync(join(project.root, 'report', '01-fuzz.md'), `${front ?? ''}${forFixture(t)}\n`);
          const result = await runCli(project.root, ['report', '--profile', 'smoke', '--frozen=1']);
          const build = join(project.root, 'build');
          expect(existsSync(build) ? readdirSync(build).filter((f) => f !== 'report.html') : []).toEqual([]);
          const after = existsSync(page) ? readFileSync(page, 'utf8') : null;
          if (result.code === 0) {
            expect(after?.endsWith('</html>\n')).toBe(true);
          } else {
            expect(result.code, result.stderr).toBe(2);
            expect(result.stderr).toMatch(/^error: report\/[\w.-]+\.(md|bib):\d+:\d+: /m);
            expect(result.stderr).not.toMatch(/\n\s+at /);
            expect(after).toBe(before);
          }
        }),
        { seed: SEED, numRuns: CLI_RUNS, endOnFailure: true },
      );
    } catch (error) {
      console.error(`fuzz (CLI): failed with FUZZ_SEED=${SEED} (FUZZ_CLI_RUNS=${CLI_RUNS}); rerun with these to reproduce`);
      throw error;
    } finally {
      rmSync(join(project.root, 'report', '01-fuzz.md'), { force: true });
    }
  });
});
