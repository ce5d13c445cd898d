/**
 * The campaign condition language: a tokenizer, a recursive-descent parser and an evaluator.
 * Pure and safe: no `eval`, no access to anything but the context handed in, integers only
 * (money in minor units). Bounded: an expression is at most 2,000 characters and 50 levels deep,
 * list functions nest at most 2 deep (each level multiplies the work by the length of a list),
 * and an evaluation stops after maxSteps steps — the condition then does not hold, which is as
 * deterministic as the data it ran over.
 *
 *   expr     := or
 *   or       := and ("or" and)*
 *   and      := not ("and" not)*
 *   not      := "not" not | compare
 *   compare  := sum (("==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not" "in") sum)?
 *   sum      := product (("+" | "-") product)*
 *   product  := unary (("*" | "/" | "%") unary)*
 *   unary    := "-" unary | postfix
 *   postfix  := primary ("." name | "[" expr "]")*
 *   primary  := integer | string | "true" | "false" | "null" | "[" (expr ("," expr)*)? "]"
 *             | name "(" (expr ("," expr)*)? ")" | name | "(" expr ")"
 *
 * Functions: any(list, cond), all(list, cond), count(list[, cond]), sum(list, value[, cond]),
 * min(a, b), max(a, b), lower(s), contains(list-or-string, x), len(list-or-string). Inside the
 * list functions, `item` is the element at hand.
 */

export class ExpressionError extends Error {
  readonly position: number;
  constructor(position: number, message: string) {
    super(`at position ${position}: ${message}`);
    this.position = position;
  }
}

type TokenKind = 'int' | 'str' | 'name' | 'op' | 'end';
interface Token { kind: TokenKind; text: string; value?: number | string; at: number }

const operators = ['==', '!=', '<=', '>=', '<', '>', '+', '-', '*', '/', '%', '(', ')', '[', ']', ',', '.'];
const maxLength = 2000;

export function tokenize(source: string): Token[] {
  if (source.length > maxLength) throw new ExpressionError(maxLength, `is longer than ${maxLength} characters`);
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (/\s/.test(c)) { i++; continue; }
    if (/[0-9]/.test(c)) {
      const start = i;
      while (i < source.length && /[0-9_]/.test(source[i])) i++;
      if (source[i] === '.' && /[0-9]/.test(source[i + 1] ?? '')) throw new ExpressionError(start, 'only integers are allowed (money is in minor units)');
      const text = source.slice(start, i);
      const value = Number(text.replaceAll('_', ''));
      if (!Number.isSafeInteger(value)) throw new ExpressionError(start, `integer ${text} is too large`);
      tokens.push({ kind: 'int', text, value, at: start });
      continue;
    }
    if (c === '"' || c === "'") {
      const start = i;
      let value = '';
      i++;
      while (i < source.length && source[i] !== c) {
        if (source[i] === '\\' && i + 1 < source.length) { value += source[i + 1]; i += 2; continue; }
        value += source[i++];
      }
      if (i >= source.length) throw new ExpressionError(start, 'unterminated string');
      i++;
      tokens.push({ kind: 'str', text: source.slice(start, i), value, at: start });
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < source.length && /[A-Za-z0-9_]/.test(source[i])) i++;
      tokens.push({ kind: 'name', text: source.slice(start, i), at: start });
      continue;
    }
    const op = operators.find((o) => source.startsWith(o, i));
    if (!op) throw new ExpressionError(i, `unexpected character "${c}"`);
    tokens.push({ kind: 'op', text: op, at: i });
    i += op.length;
  }
  tokens.push({ kind: 'end', text: 'end of expression', at: source.length });
  return tokens;
}

export type Node =
  | { type: 'literal'; value: Value; at: number }
  | { type: 'list'; items: Node[]; at: number }
  | { type: 'name'; name: string; at: number }
  | { type: 'member'; object: Node; property: string; at: number }
  | { type: 'index'; object: Node; index: Node; at: number }
  | { type: 'call'; name: string; args: Node[]; at: number }
  | { type: 'unary'; op: '-' | 'not'; operand: Node; at: number }
  | { type: 'binary'; op: string; left: Node; right: Node; at: number };

export type Value = number | string | boolean | null | Value[] | { [key: string]: Value };

const functions: Record<string, { min: number; max: number }> = {
  any: { min: 2, max: 2 }, all: { min: 2, max: 2 }, count: { min: 1, max: 2 }, sum: { min: 2, max: 3 },
  min: { min: 2, max: 2 }, max: { min: 2, max: 2 }, lower: { min: 1, max: 1 }, contains: { min: 2, max: 2 }, len: { min: 1, max: 1 },
};
const keywords = new Set(['and', 'or', 'not', 'in', 'true', 'false', 'null']);
const listFunctions = new Set(['any', 'all', 'count', 'sum']);
/** How deep list functions may nest: any(items, any(item.labels, …)) is the deepest the data calls for. */
export const maxListNesting = 2;
/** Steps an evaluation may take (a sub-expression evaluated, a list element or value compared). */
export const maxSteps = 100_000;

/** Parses an expression; a malformed one throws ExpressionError with the position of the error. */
export function parseExpression(source: string, roots: ReadonlySet<string>): Node {
  const tokens = tokenize(source);
  let p = 0;
  const peek = () => tokens[p];
  const isOp = (text: string) => peek().kind === 'op' && peek().text === text;
  const isWord = (text: string) => peek().kind === 'name' && peek().text === text;
  const expect = (text: string) => {
    if (!isOp(text)) throw new ExpressionError(peek().at, `expected "${text}" but found ${describe(peek())}`);
    p++;
  };
  const describe = (t: Token) => (t.kind === 'end' ? 'end of expression' : `"${t.text}"`);
  let depth = 0;
  let listNesting = 0;

  function expr(): Node {
    if (++depth > 50) throw new ExpressionError(peek().at, 'is nested too deeply');
    const node = or();
    depth--;
    return node;
  }
  function or(): Node {
    let left = and();
    while (isWord('or')) { const at = tokens[p++].at; left = { type: 'binary', op: 'or', left, right: and(), at }; }
    return left;
  }
  function and(): Node {
    let left = not();
    while (isWord('and')) { const at = tokens[p++].at; left = { type: 'binary', op: 'and', left, right: not(), at }; }
    return left;
  }
  function not(): Node {
    if (isWord('not')) { const at = tokens[p++].at; return { type: 'unary', op: 'not', operand: not(), at }; }
    return compare();
  }
  function compare(): Node {
    const left = sum();
    const t = peek();
    if (t.kind === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.text)) {
      p++;
      return { type: 'binary', op: t.text, left, right: sum(), at: t.at };
    }
    if (isWord('in')) { p++; return { type: 'binary', op: 'in', left, right: sum(), at: t.at }; }
    if (isWord('not') && tokens[p + 1].kind === 'name' && tokens[p + 1].text === 'in') {
      p += 2;
      return { type: 'unary', op: 'not', operand: { type: 'binary', op: 'in', left, right: sum(), at: t.at }, at: t.at };
    }
    return left;
  }
  function sum(): Node {
    let left = product();
    while (isOp('+') || isOp('-')) { const t = tokens[p++]; left = { type: 'binary', op: t.text, left, right: product(), at: t.at }; }
    return left;
  }
  function product(): Node {
    let left = unary();
    while (isOp('*') || isOp('/') || isOp('%')) { const t = tokens[p++]; left = { type: 'binary', op: t.text, left, right: unary(), at: t.at }; }
    return left;
  }
  function unary(): Node {
    if (isOp('-')) { const at = tokens[p++].at; return { type: 'unary', op: '-', operand: unary(), at }; }
    return postfix();
  }
  function postfix(): Node {
    let node = primary();
    for (;;) {
      if (isOp('.')) {
        const at = tokens[p++].at;
        const t = peek();
        if (t.kind !== 'name') throw new ExpressionError(t.at, `expected a name after "." but found ${describe(t)}`);
        p++;
        node = { type: 'member', object: node, property: t.text, at };
      } else if (isOp('[')) {
        const at = tokens[p++].at;
        const index = expr();
        expect(']');
        node = { type: 'index', object: node, index, at };
      } else return node;
    }
  }
  function args(): Node[] {
    const list: Node[] = [];
    if (isOp(')') || isOp(']')) return list;
    list.push(expr());
    while (isOp(',')) { p++; list.push(expr()); }
    return list;
  }
  function primary(): Node {
    const t = peek();
    if (t.kind === 'int' || t.kind === 'str') { p++; return { type: 'literal', value: t.value!, at: t.at }; }
    if (t.kind === 'op' && t.text === '(') { p++; const node = expr(); expect(')'); return node; }
    if (t.kind === 'op' && t.text === '[') { p++; const items = args(); expect(']'); return { type: 'list', items, at: t.at }; }
    if (t.kind === 'name') {
      p++;
      if (t.text === 'true' || t.text === 'false') return { type: 'literal', value: t.text === 'true', at: t.at };
      if (t.text === 'null') return { type: 'literal', value: null, at: t.at };
      if (keywords.has(t.text)) throw new ExpressionError(t.at, `unexpected "${t.text}"`);
      if (isOp('(')) {
        const fn = functions[t.text];
        if (!fn) throw new ExpressionError(t.at, `unknown function "${t.text}" (known: ${Object.keys(functions).join(', ')})`);
        p++;
        const nests = listFunctions.has(t.text);
        if (nests && ++listNesting > maxListNesting) {
          throw new ExpressionError(t.at, `list functions (any, all, count, sum) nest at most ${maxListNesting} deep`);
        }
        const list = args();
        if (nests) listNesting--;
        expect(')');
        if (list.length < fn.min || list.length > fn.max) {
          throw new ExpressionError(t.at, `${t.text}() takes ${fn.min === fn.max ? fn.min : `${fn.min} to ${fn.max}`} arguments, not ${list.length}`);
        }
        return { type: 'call', name: t.text, args: list, at: t.at };
      }
      if (!roots.has(t.text)) throw new ExpressionError(t.at, `unknown name "${t.text}" (known: ${[...roots].join(', ')})`);
      return { type: 'name', name: t.text, at: t.at };
    }
    throw new ExpressionError(t.at, `unexpected ${describe(t)}`);
  }

  const node = expr();
  if (peek().kind !== 'end') throw new ExpressionError(peek().at, `unexpected ${describe(peek())}`);
  return node;
}

/** A value of the wrong type met at evaluation time, or the step budget spent: the condition does not hold. */
class Mismatch extends Error {}

/** What is left of an evaluation's steps. */
interface Budget { left: number }

function spend(budget: Budget, steps: number) {
  budget.left -= steps;
  if (budget.left < 0) throw new Mismatch();
}

const isInt = (v: Value): v is number => typeof v === 'number';
const isList = (v: Value): v is Value[] => Array.isArray(v);

/** Deep equality (objects whatever their key order), one step per value compared. */
function equal(a: Value, b: Value, budget: Budget): boolean {
  spend(budget, 1);
  if (isList(a) || isList(b)) return isList(a) && isList(b) && a.length === b.length && a.every((x, i) => equal(x, b[i], budget));
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && equal(a[k], b[k], budget));
  }
  return a === b;
}

function integer(v: Value): number {
  if (!isInt(v)) throw new Mismatch();
  return v;
}

function checked(n: number): number {
  if (!Number.isSafeInteger(n)) throw new Mismatch();
  return n;
}

/** Evaluates a parsed expression against a context of plain JSON values, in at most maxSteps steps. */
export function evaluate(node: Node, scope: Record<string, Value>): Value {
  return evaluateWithin(node, scope, { left: maxSteps });
}

function evaluateWithin(node: Node, scope: Record<string, Value>, budget: Budget): Value {
  spend(budget, 1);
  const evaluate = (n: Node) => evaluateWithin(n, scope, budget);
  switch (node.type) {
    case 'literal': return node.value;
    case 'list': return node.items.map((n) => evaluate(n));
    case 'name': return scope[node.name] ?? null;
    case 'member': {
      const object = evaluate(node.object);
      if (object === null || typeof object !== 'object' || isList(object)) return null;
      return Object.hasOwn(object, node.property) ? object[node.property] : null;
    }
    case 'index': {
      const object = evaluate(node.object);
      const index = evaluate(node.index);
      if (isList(object) && isInt(index)) return object[index] ?? null;
      if (object !== null && typeof object === 'object' && !isList(object) && typeof index === 'string') {
        return Object.hasOwn(object, index) ? object[index] : null;
      }
      return null;
    }
    case 'unary': {
      const value = evaluate(node.operand);
      if (node.op === 'not') return !truthy(value);
      return checked(-integer(value));
    }
    case 'binary': return binary(node, scope, budget);
    case 'call': return call(node, scope, budget);
  }
}

const truthy = (v: Value) => v === true;

function binary(node: Extract<Node, { type: 'binary' }>, scope: Record<string, Value>, budget: Budget): Value {
  const evaluate = (n: Node) => evaluateWithin(n, scope, budget);
  if (node.op === 'and') return truthy(evaluate(node.left)) && truthy(evaluate(node.right));
  if (node.op === 'or') return truthy(evaluate(node.left)) || truthy(evaluate(node.right));
  const left = evaluate(node.left);
  const right = evaluate(node.right);
  switch (node.op) {
    case '==': return equal(left, right, budget);
    case '!=': return !equal(left, right, budget);
    case 'in':
      if (isList(right)) return right.some((v) => equal(v, left, budget));
      if (typeof right === 'string' && typeof left === 'string') return right.includes(left);
      return false;
    case '<': case '<=': case '>': case '>=': {
      // Integers with integers, strings with strings (ISO dates compare as strings); else false.
      if (!((isInt(left) && isInt(right)) || (typeof left === 'string' && typeof right === 'string'))) return false;
      const l = left as number | string;
      const r = right as number | string;
      return node.op === '<' ? l < r : node.op === '<=' ? l <= r : node.op === '>' ? l > r : l >= r;
    }
    case '+':
      if (typeof left === 'string' && typeof right === 'string') return left + right;
      return checked(integer(left) + integer(right));
    case '-': return checked(integer(left) - integer(right));
    case '*': return checked(integer(left) * integer(right));
    case '/': case '%': {
      const divisor = integer(right);
      if (divisor === 0) throw new Mismatch();
      // Integer division rounds toward zero.
      return node.op === '/' ? checked(Math.trunc(integer(left) / divisor)) : checked(integer(left) % divisor);
    }
  }
  throw new Error(`unknown operator ${node.op}`);
}

function call(node: Extract<Node, { type: 'call' }>, scope: Record<string, Value>, budget: Budget): Value {
  const [first, second, third] = node.args;
  const evaluate = (n: Node) => evaluateWithin(n, scope, budget);
  const withItem = (item: Value, n: Node) => evaluateWithin(n, { ...scope, item }, budget);
  switch (node.name) {
    case 'any': case 'all': case 'count': case 'sum': {
      const list = evaluate(first);
      if (!isList(list)) throw new Mismatch();
      if (node.name === 'any') return list.some((item) => truthy(withItem(item, second)));
      if (node.name === 'all') return list.every((item) => truthy(withItem(item, second)));
      if (node.name === 'count') return second ? list.filter((item) => truthy(withItem(item, second))).length : list.length;
      return list.filter((item) => !third || truthy(withItem(item, third)))
        .reduce<number>((total, item) => checked(total + integer(withItem(item, second))), 0);
    }
    case 'min': return Math.min(integer(evaluate(first)), integer(evaluate(second)));
    case 'max': return Math.max(integer(evaluate(first)), integer(evaluate(second)));
    case 'lower': {
      const v = evaluate(first);
      return typeof v === 'string' ? v.toLowerCase() : null;
    }
    case 'contains': {
      const haystack = evaluate(first);
      const needle = evaluate(second);
      if (isList(haystack)) return haystack.some((v) => equal(v, needle, budget));
      return typeof haystack === 'string' && typeof needle === 'string' && haystack.includes(needle);
    }
    case 'len': {
      const v = evaluate(first);
      if (isList(v) || typeof v === 'string') return v.length;
      throw new Mismatch();
    }
  }
  throw new Error(`unknown function ${node.name}`);
}

/**
 * Whether a condition holds. A value of the wrong type (arithmetic on a string, a missing
 * attribute used as a number), or an evaluation past maxSteps, makes the condition false rather
 * than failing (or stalling) the trigger.
 */
export function holds(node: Node, scope: Record<string, Value>): boolean {
  try {
    return evaluate(node, scope) === true;
  } catch (error) {
    if (error instanceof Mismatch) return false;
    throw error;
  }
}
