/**
 * The claim directive: a sentence chosen by a condition on results, so that comparative prose follows
 * the numbers instead of being typed once and left behind.
 *
 *   {{claim selective-copying:model=mamba.finalAccuracy.mean - selective-copying:model=lti.finalAccuracy.mean > 0.1 ? "clearly ahead" : "not clearly ahead"}}
 *
 * EXPR is built from values `experiment:path` (the paths of `{{value}}`), numbers, `+ - * /`, `abs(x)`,
 * comparisons `< <= > >= == !=`, `&&`, `||`, `!` and parentheses, with operators separated by spaces.
 * The two texts are double-quoted (`\"` for a quote; every other backslash is kept for Markdown).
 *
 * This module is pure: parse (with offsets for file:line:col errors), a static type check, and an
 * evaluation over a lookup of metrics. Nothing here reads files, so `make check` and the renderer share it.
 */

export type BinaryOp = '+' | '-' | '*' | '/' | '<' | '<=' | '>' | '>=' | '==' | '!=' | '&&' | '||';

export type Expr =
  | { type: 'number'; value: number; offset: number }
  | { type: 'ref'; experimentId: string; path: string; offset: number }
  | { type: 'not' | 'neg' | 'abs'; arg: Expr; offset: number }
  /** `offset` is where the node starts (its left operand); `opOffset` where its operator is. */
  | { type: 'binary'; op: BinaryOp; left: Expr; right: Expr; offset: number; opOffset: number };

export interface ClaimRef {
  experimentId: string;
  path: string;
}

export interface Claim {
  /** The directive as written, from `{{claim` to `}}`. */
  source: string;
  /** The condition as written (between `{{claim` and `?`), for provenance notes. */
  condition: string;
  expr: Expr;
  whenTrue: string;
  whenFalse: string;
  /** Offsets of the two texts' opening quotes within `source`. */
  textOffsets: [number, number];
  /** Every value the condition reads, in order of first appearance, without repeats. */
  refs: ClaimRef[];
}

export type ClaimParse = { ok: true; claim: Claim } | { ok: false; offset: number; message: string; length: number };

export const CLAIM_SYNTAX = '{{claim <experiment>:<metric> > 0.5 ? "text when true" : "text when false"}}';
const HINT = ` (a claim reads ${CLAIM_SYNTAX}; operators are separated by spaces)`;

type Tok =
  | { kind: 'word'; text: string; offset: number }
  | { kind: 'string'; text: string; offset: number }
  | { kind: 'open' | 'close'; offset: number }
  | { kind: 'end'; offset: number };

const OPERATORS = new Set(['+', '-', '*', '/', '<', '<=', '>', '>=', '==', '!=', '&&', '||', '!', '?', ':']);
const NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
// A path may hold `=` and `,` (grid paths: `model=mamba,size=2.finalAccuracy.mean`), never an operator.
const REF = /^([A-Za-z0-9][\w-]*):([^\s<>!&|?*+/:()"{}]+)$/;

class SyntaxProblem extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Parses the claim at the start of `src` (which begins with `{{claim`). On a problem, `length` is how
 * far the directive reaches (to its `}}`, or all of `src`), so the caller can skip it whole.
 */
export function parseClaim(src: string): ClaimParse {
  if (!/^\{\{claim(?=\s)/.test(src)) return { ok: false, offset: 0, message: `malformed claim${HINT}`, length: Math.min(src.length, 7) };
  let toks: Tok[];
  try {
    toks = tokenize(src, '{{claim'.length);
  } catch (error) {
    if (error instanceof SyntaxProblem) return { ok: false, offset: error.offset, message: error.message, length: src.length };
    throw error;
  }
  const end = toks.at(-1)!;
  const length = end.offset + 2;
  try {
    const parser = new Parser(toks);
    const expr = parser.expression();
    const question = parser.take();
    if (!(question.kind === 'word' && question.text === '?')) throw new SyntaxProblem(question.offset, `expected '?' after the condition, found ${describe(question)}${HINT}`);
    const whenTrue = parser.take();
    if (whenTrue.kind !== 'string') throw new SyntaxProblem(whenTrue.offset, `expected the text when true, in double quotes, after '?'; found ${describe(whenTrue)}${HINT}`);
    const colon = parser.take();
    if (!(colon.kind === 'word' && colon.text === ':')) throw new SyntaxProblem(colon.offset, `expected ':' between the two texts, found ${describe(colon)}${HINT}`);
    const whenFalse = parser.take();
    if (whenFalse.kind !== 'string') throw new SyntaxProblem(whenFalse.offset, `expected the text when false, in double quotes, after ':'; found ${describe(whenFalse)}${HINT}`);
    const last = parser.take();
    if (last.kind !== 'end') throw new SyntaxProblem(last.offset, `expected '}}' after the text when false, found ${describe(last)}${HINT}`);
    const type = typeOf(expr);
    if (type === 'number') throw new SyntaxProblem(expr.offset, `the condition is a number, not true or false; compare it (for example '> 0')${HINT}`);
    const refs: ClaimRef[] = [];
    collectRefs(expr, refs);
    return {
      ok: true,
      claim: {
        source: src.slice(0, length),
        condition: src.slice('{{claim'.length, question.offset).trim(),
        expr,
        whenTrue: whenTrue.text,
        whenFalse: whenFalse.text,
        textOffsets: [whenTrue.offset, whenFalse.offset],
        refs,
      },
    };
  } catch (error) {
    if (error instanceof SyntaxProblem) return { ok: false, offset: error.offset, message: error.message, length };
    throw error;
  }
}

function describe(tok: Tok): string {
  switch (tok.kind) {
    case 'word':
      return `'${tok.text}'`;
    case 'string':
      return 'a quoted text';
    case 'open':
      return "'('";
    case 'close':
      return "')'";
    case 'end':
      return "the end of the claim '}}'";
  }
}

/** Words are runs of anything but space, quotes, parentheses and braces; the claim ends at `}}`. */
function tokenize(src: string, start: number): Tok[] {
  const toks: Tok[] = [];
  let i = start;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      toks.push({ kind: c === '(' ? 'open' : 'close', offset: i });
      i++;
    } else if (c === '}') {
      if (src[i + 1] !== '}') throw new SyntaxProblem(i, `a single '}' in a claim; it ends with '}}'${HINT}`);
      toks.push({ kind: 'end', offset: i });
      return toks;
    } else if (c === '{') {
      throw new SyntaxProblem(i, `'{' inside a claim (directives cannot nest)${HINT}`);
    } else if (c === '"') {
      let j = i + 1;
      let text = '';
      for (; j < src.length && src[j] !== '"'; j++) {
        if (src[j] === '\\' && src[j + 1] === '"') {
          text += '"';
          j++;
        } else text += src[j];
      }
      if (j >= src.length) throw new SyntaxProblem(i, `the text that starts here is not closed by a '"'${HINT}`);
      toks.push({ kind: 'string', text, offset: i });
      i = j + 1;
    } else {
      let j = i;
      while (j < src.length && !/[\s()"{}]/.test(src[j])) j++;
      const word = src.slice(i, j);
      // `!x` and `!(...)` read naturally; the negation is split off its operand.
      if (word.length > 1 && word[0] === '!' && word !== '!=') {
        toks.push({ kind: 'word', text: '!', offset: i });
        i++;
        continue;
      }
      toks.push({ kind: 'word', text: word, offset: i });
      i = j;
    }
  }
  throw new SyntaxProblem(0, `the claim is not closed by '}}'${HINT}`);
}

type Type = 'number' | 'boolean' | 'any';

class Parser {
  private at = 0;
  constructor(private readonly toks: Tok[]) {}

  peek(): Tok {
    return this.toks[this.at];
  }
  take(): Tok {
    const tok = this.toks[this.at];
    if (tok.kind !== 'end') this.at++;
    return tok;
  }
  private isOp(...ops: string[]): string | null {
    const tok = this.peek();
    return tok.kind === 'word' && ops.includes(tok.text) ? tok.text : null;
  }

  expression(): Expr {
    return this.or();
  }
  private or(): Expr {
    let left = this.and();
    for (let op; (op = this.isOp('||')); ) left = this.binary(op as BinaryOp, left, () => this.and());
    return left;
  }
  private and(): Expr {
    let left = this.comparison();
    for (let op; (op = this.isOp('&&')); ) left = this.binary(op as BinaryOp, left, () => this.comparison());
    return left;
  }
  private comparison(): Expr {
    const left = this.sum();
    const op = this.isOp('<', '<=', '>', '>=', '==', '!=');
    if (!op) return left;
    const node = this.binary(op as BinaryOp, left, () => this.sum());
    const again = this.isOp('<', '<=', '>', '>=', '==', '!=');
    if (again) throw new SyntaxProblem(this.peek().offset, `comparisons do not chain ('a < b < c'); write 'a < b && b < c'${HINT}`);
    return node;
  }
  private sum(): Expr {
    let left = this.product();
    for (let op; (op = this.isOp('+', '-')); ) left = this.binary(op as BinaryOp, left, () => this.product());
    return left;
  }
  private product(): Expr {
    let left = this.unary();
    for (let op; (op = this.isOp('*', '/')); ) left = this.binary(op as BinaryOp, left, () => this.unary());
    return left;
  }
  private binary(op: BinaryOp, left: Expr, right: () => Expr): Expr {
    const opOffset = this.take().offset;
    const node: Expr = { type: 'binary', op, left, right: right(), offset: left.offset, opOffset };
    typeOf(node);
    return node;
  }
  private unary(): Expr {
    const tok = this.peek();
    if (tok.kind === 'word' && (tok.text === '!' || tok.text === '-')) {
      this.take();
      const node: Expr = { type: tok.text === '!' ? 'not' : 'neg', arg: this.unary(), offset: tok.offset };
      typeOf(node);
      return node;
    }
    return this.primary();
  }
  private primary(): Expr {
    const tok = this.take();
    if (tok.kind === 'open') {
      const inner = this.expression();
      const close = this.take();
      if (close.kind !== 'close') throw new SyntaxProblem(close.offset, `expected ')' to close the '(' at offset ${tok.offset}, found ${describe(close)}${HINT}`);
      return inner;
    }
    if (tok.kind !== 'word') throw new SyntaxProblem(tok.offset, `expected a value, a number or '(', found ${describe(tok)}${HINT}`);
    if (tok.text === 'abs') {
      const open = this.take();
      if (open.kind !== 'open') throw new SyntaxProblem(open.offset, `'abs' takes its argument in parentheses: abs(x)${HINT}`);
      const arg = this.expression();
      const close = this.take();
      if (close.kind !== 'close') throw new SyntaxProblem(close.offset, `expected ')' to close abs(, found ${describe(close)}${HINT}`);
      const node: Expr = { type: 'abs', arg, offset: tok.offset };
      typeOf(node);
      return node;
    }
    if (NUMBER.test(tok.text)) return { type: 'number', value: Number(tok.text), offset: tok.offset };
    const ref = REF.exec(tok.text);
    if (ref) return { type: 'ref', experimentId: ref[1], path: ref[2], offset: tok.offset };
    if (OPERATORS.has(tok.text)) throw new SyntaxProblem(tok.offset, `expected a value, a number or '(' before '${tok.text}'${HINT}`);
    const glued = /^[^<>=!&|+*/]+([<>=!&|+*/]+)/.exec(tok.text);
    if (glued) throw new SyntaxProblem(tok.offset, `'${tok.text}': separate the operator '${glued[1]}' by spaces${HINT}`);
    throw new SyntaxProblem(tok.offset, `'${tok.text}' is not a value (experiment:path), a number or abs(...)${HINT}`);
  }
}

/** The static type of a node; a value read from results may be a number or a boolean ('any'). */
function typeOf(node: Expr): Type {
  const need = (arg: Expr, want: 'number' | 'boolean', what: string): void => {
    const got = typeOf(arg);
    if (got !== 'any' && got !== want) throw new SyntaxProblem(arg.offset, `${what} needs ${want === 'number' ? 'a number' : 'true or false'}, not ${got === 'number' ? 'a number' : 'a comparison'}${HINT}`);
  };
  switch (node.type) {
    case 'number':
      return 'number';
    case 'ref':
      return 'any';
    case 'not':
      need(node.arg, 'boolean', "'!'");
      return 'boolean';
    case 'neg':
      need(node.arg, 'number', "'-'");
      return 'number';
    case 'abs':
      need(node.arg, 'number', 'abs()');
      return 'number';
    case 'binary':
      switch (node.op) {
        case '+':
        case '-':
        case '*':
        case '/':
          need(node.left, 'number', `'${node.op}'`);
          need(node.right, 'number', `'${node.op}'`);
          return 'number';
        case '<':
        case '<=':
        case '>':
        case '>=':
          need(node.left, 'number', `'${node.op}'`);
          need(node.right, 'number', `'${node.op}'`);
          return 'boolean';
        case '==':
        case '!=': {
          const [l, r] = [typeOf(node.left), typeOf(node.right)];
          if (l !== 'any' && r !== 'any' && l !== r) throw new SyntaxProblem(node.opOffset, `'${node.op}' compares a number with a comparison${HINT}`);
          return 'boolean';
        }
        case '&&':
        case '||':
          need(node.left, 'boolean', `'${node.op}'`);
          need(node.right, 'boolean', `'${node.op}'`);
          return 'boolean';
      }
  }
}

function collectRefs(node: Expr, out: ClaimRef[]): void {
  if (node.type === 'ref') {
    if (!out.some((r) => r.experimentId === node.experimentId && r.path === node.path)) out.push({ experimentId: node.experimentId, path: node.path });
  } else if (node.type === 'binary') {
    collectRefs(node.left, out);
    collectRefs(node.right, out);
  } else if (node.type !== 'number') collectRefs(node.arg, out);
}

export const refName = (ref: ClaimRef): string => `${ref.experimentId}:${ref.path}`;

/** What a lookup of one value gives: a number or boolean, or why there is none (missing, null, ...). */
export type ReadValue = { ok: true; value: number | boolean | string } | { ok: false; reason: string };

export type ClaimOutcome =
  /** The condition could be decided: `value` picks the text; `reads` are the values it read. */
  | { kind: 'decided'; value: boolean; reads: { ref: ClaimRef; value: number | boolean }[] }
  /** Some value is not there (or null, or the arithmetic has no answer): the claim is a visible gap. */
  | { kind: 'gap'; gaps: { ref: string; reason: string }[] }
  /** The results do not fit the claim (a string where a number is needed): the author's mistake. */
  | { kind: 'error'; message: string };

class Undecided extends Error {}

/**
 * Evaluates the condition. Every value is read first, so every missing one is named at once; the
 * operators do not short-circuit, so what a claim reads does not depend on the data.
 */
export function evaluateClaim(claim: Claim, read: (ref: ClaimRef) => ReadValue): ClaimOutcome {
  const values = new Map<string, number | boolean>();
  const gaps: { ref: string; reason: string }[] = [];
  for (const ref of claim.refs) {
    const got = read(ref);
    if (!got.ok) gaps.push({ ref: refName(ref), reason: got.reason });
    else if (typeof got.value === 'string') return { kind: 'error', message: `claim: ${refName(ref)} is the text '${got.value}', not a number or true/false` };
    else values.set(refName(ref), got.value);
  }
  if (gaps.length > 0) return { kind: 'gap', gaps };
  const num = (v: number | boolean, node: Expr): number => {
    if (typeof v !== 'number') throw new TypeError(`claim: ${show(node)} is ${v}, where a number is needed`);
    return v;
  };
  const bool = (v: number | boolean, node: Expr): boolean => {
    if (typeof v !== 'boolean') throw new TypeError(`claim: ${show(node)} is the number ${v}, where true or false is needed`);
    return v;
  };
  const finite = (v: number, node: Expr): number => {
    if (!Number.isFinite(v)) throw new Undecided(`${show(node)} has no finite value`);
    return v;
  };
  const ev = (node: Expr): number | boolean => {
    switch (node.type) {
      case 'number':
        return node.value;
      case 'ref': {
        const v = values.get(refName(node))!;
        if (typeof v === 'number' && !Number.isFinite(v)) throw new Undecided(`${refName(node)} is ${v}`);
        return v;
      }
      case 'not':
        return !bool(ev(node.arg), node.arg);
      case 'neg':
        return -num(ev(node.arg), node.arg);
      case 'abs':
        return Math.abs(num(ev(node.arg), node.arg));
      case 'binary': {
        const [l, r] = [ev(node.left), ev(node.right)];
        switch (node.op) {
          case '+':
            return finite(num(l, node.left) + num(r, node.right), node);
          case '-':
            return finite(num(l, node.left) - num(r, node.right), node);
          case '*':
            return finite(num(l, node.left) * num(r, node.right), node);
          case '/':
            if (num(r, node.right) === 0) throw new Undecided(`${show(node)} divides by zero`);
            return finite(num(l, node.left) / num(r, node.right), node);
          case '<':
            return num(l, node.left) < num(r, node.right);
          case '<=':
            return num(l, node.left) <= num(r, node.right);
          case '>':
            return num(l, node.left) > num(r, node.right);
          case '>=':
            return num(l, node.left) >= num(r, node.right);
          case '==':
            if (typeof l !== typeof r) throw new TypeError(`claim: '==' compares ${show(node.left)} (${typeof l}) with ${show(node.right)} (${typeof r})`);
            return l === r;
          case '!=':
            if (typeof l !== typeof r) throw new TypeError(`claim: '!=' compares ${show(node.left)} (${typeof l}) with ${show(node.right)} (${typeof r})`);
            return l !== r;
          case '&&':
            return bool(l, node.left) && bool(r, node.right);
          case '||':
            return bool(l, node.left) || bool(r, node.right);
        }
      }
    }
  };
  try {
    const value = ev(claim.expr);
    if (typeof value !== 'boolean') return { kind: 'error', message: `claim: the condition gave the number ${value}, not true or false` };
    return { kind: 'decided', value, reads: claim.refs.map((ref) => ({ ref, value: values.get(refName(ref))! })) };
  } catch (error) {
    if (error instanceof Undecided) return { kind: 'gap', gaps: [{ ref: claim.condition, reason: error.message }] };
    if (error instanceof TypeError) return { kind: 'error', message: error.message };
    throw error;
  }
}

/** A node written back as an expression, for messages. */
export function show(node: Expr): string {
  switch (node.type) {
    case 'number':
      return String(node.value);
    case 'ref':
      return refName(node);
    case 'not':
      return `!${wrap(node.arg)}`;
    case 'neg':
      return `-${wrap(node.arg)}`;
    case 'abs':
      return `abs(${show(node.arg)})`;
    case 'binary':
      return `${wrap(node.left)} ${node.op} ${wrap(node.right)}`;
  }
}
const wrap = (node: Expr): string => (node.type === 'binary' ? `(${show(node)})` : show(node));
