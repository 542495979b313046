/**
 * readReport: parse the report's Markdown files (report/index.md, then report/NN-*.md) and collect
 * everything the build must provide, each with the file:line:col where the text asks for it.
 */
import { readFile } from 'node:fs/promises';
import { readBibliography } from './bibliography.ts';
import { collect } from './collect.ts';
import type { DirectiveEnv, ParseProblem } from './directives.ts';
import { splitFrontMatter } from './front-matter.ts';
import { createMarkdown } from './markdown.ts';
import { reportFiles } from './report-files.ts';
import { ReportError, type FrontMatter, type ParsedFile, type ParsedReport } from './types.ts';

export async function readReport(root: string): Promise<ParsedReport> {
  const md = createMarkdown();
  const paths = await reportFiles(root);
  if (paths.length === 0) throw new Error(`no report files in ${root}/report (expected index.md and NN-name.md)`);
  const problems: ParseProblem[] = [];
  const sources = new Map<string, string[]>();
  const files: ParsedFile[] = [];
  let front: Partial<FrontMatter> = {};
  // markdown-it-anchor keeps its registry of heading ids in env; sharing it keeps ids unique across files.
  const anchors = {};
  for (const file of paths) {
    const split = splitFrontMatter(file, (await readFile(`${root}/${file}`, 'utf8')).replace(/\r\n?/g, '\n'));
    if (file === 'report/index.md') front = split.front;
    // The title block belongs to the whole report; front matter elsewhere would be dropped, so it is refused.
    else if (split.hasFrontMatter) {
      problems.push({ where: { file, line: 1, column: 1 }, message: 'front matter is read only in report/index.md; move these lines there (or remove them)' });
    }
    const lines = split.body.split('\n');
    sources.set(file, lines);
    const env: DirectiveEnv & Record<string, unknown> = {
      file,
      problems,
      docId: file.replace(/^report\//, '').replace(/\.md$/, ''),
      markdownItAnchor: anchors,
    };
    files.push({ file, tokens: parseLocated(md, split.body, env, lines), env });
  }
  const collected = collect(files, sources);
  problems.push(...collected.problems);
  if (!front.title) problems.unshift({ where: { file: paths[0], line: 1, column: 1 }, message: 'the report needs a `title:` in the front matter of report/index.md' });
  if (problems.length > 0) throw new ReportError(problems);
  return {
    root,
    front: front as FrontMatter,
    files,
    needs: collected.needs,
    citations: collected.citations,
    crossrefs: collected.crossrefs,
    labels: collected.labels,
    headings: collected.headings,
    bibliography: await readBibliography(root),
  };
}

/** markdown-it-anchor throws a bare Error for a repeated `{#id}`; this locates it in the file. */
function parseLocated(md: ReturnType<typeof createMarkdown>, body: string, env: DirectiveEnv, lines: string[]) {
  try {
    return md.parse(body, env as unknown as Record<string, unknown>);
  } catch (error) {
    const id = /`id` attribute `([^`]+)` is not unique/.exec((error as Error).message)?.[1];
    if (!id) throw error;
    const line = lines.findLastIndex((l) => l.includes(`#${id}`));
    throw ReportError.at({ file: env.file, line: line + 1, column: lines[line].indexOf(`#${id}`) + 1 }, `heading id '${id}' is used twice`);
  }
}
