/**
 * KaTeX's stylesheet for the math in the page, self-contained: each @font-face the rendered math can
 * use is inlined as a woff2 data URI and the others are dropped, so the file needs no network and
 * carries only the fonts it shows (a typical equation needs KaTeX_Main and KaTeX_Math, about 60 kB).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const katexDist = dirname(createRequire(import.meta.url).resolve('katex/dist/katex.min.css'));

interface Face {
  family: string;
  weight: string;
  style: string;
}
const faceKey = (f: Face): string => `${f.family}|${f.weight}|${f.style}`;

/** The CSS for `html`'s math, or '' when it has none. */
export async function katexCss(html: string): Promise<string> {
  if (!html.includes('class="katex')) return '';
  const css = await readFile(join(katexDist, 'katex.min.css'), 'utf8');
  const used = usedFaces(css, classesIn(html));
  const rules: string[] = [];
  for (const rule of css.split(/(?<=\})/)) {
    if (!rule.startsWith('@font-face')) {
      rules.push(rule);
      continue;
    }
    const face = declaredFace(rule);
    if (!used.has(faceKey(face))) continue;
    const woff2 = /url\((fonts\/[^)]+\.woff2)\)/.exec(rule)![1];
    const data = (await readFile(join(katexDist, woff2))).toString('base64');
    rules.push(rule.replace(/src:[^;}]+/, `src:url(data:font/woff2;base64,${data}) format("woff2")`));
  }
  return rules.join('');
}

function classesIn(html: string): Set<string> {
  const classes = new Set<string>();
  for (const m of html.matchAll(/class="([^"]*)"/g)) for (const c of m[1].split(/\s+/)) classes.add(c);
  return classes;
}

function declaredFace(rule: string): Face {
  return {
    family: /font-family:([^;}]+)/.exec(rule)![1].trim(),
    weight: /font-weight:(\w+)/.exec(rule)?.[1] ?? '400',
    style: /font-style:(\w+)/.exec(rule)?.[1] ?? 'normal',
  };
}

/**
 * The faces selected by rules whose selectors match classes present in the math. A rule that sets
 * only weight or style (`.textbf`) applies to the inherited KaTeX_Main.
 */
function usedFaces(css: string, classes: Set<string>): Set<string> {
  const used = new Set<string>([faceKey({ family: 'KaTeX_Main', weight: '400', style: 'normal' })]);
  for (const m of css.matchAll(/(?<=^|\})([^@{}][^{}]*)\{([^}]*)\}/g)) {
    const [selectors, body] = [m[1], m[2]];
    const family = /font(?:-family)?:[^;}]*?(KaTeX_\w+)/.exec(body)?.[1];
    const weight = /font-weight:(\w+)/.exec(body)?.[1];
    const style = /font-style:(\w+)/.exec(body)?.[1];
    if (!family && !weight && !style) continue;
    const matches = selectors.split(',').some((selector) => {
      const needed = [...selector.matchAll(/\.([\w-]+)/g)].map((c) => c[1]);
      return needed.length > 0 && needed.every((c) => classes.has(c));
    });
    if (!matches) continue;
    const face = { family: family ?? 'KaTeX_Main', weight: weight === 'bold' ? '700' : (weight ?? '400'), style: style ?? 'normal' };
    used.add(faceKey(face));
  }
  return used;
}
