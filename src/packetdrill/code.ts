/**
 * `%{ ... }%` blocks. packetdrill hands them to Python with the socket's TCP_INFO as `tcpi_*`
 * variables, all of a script's blocks in one program (a name one block assigns, the next can read);
 * synack evaluates the part of Python that the test suites write, one statement per line or
 * separated by `;`:
 * - `assert <expression>` and `assert <expression>, <message>` (a string, or an expression whose
 *   value the failure shows, as Python's AssertionError does);
 * - `NAME = <expression>` (kept for the rest of the script's blocks);
 * - `print(<expression>, ...)` (to the run's trace);
 * over integers, the `tcpi_*` fields synack can report and the constants of the personality's system
 * (FreeBSD's TCPI_* states and options; Linux's TCP_* states, TCP_CA_* states, TCPI_OPT_* bits,
 * TCP_INFINITE_SSTHRESH), with Python's operators and their precedence (`or`, `and`, `not`, chained
 * comparisons, `|`, `^`, `&`, `<<`, `>>`, `+`, `-`, `*`, `//`, `%`, unary `-` and `~`, parentheses).
 * Any other statement needs Python and makes the script UNSUPPORTED, and so does a `tcpi_*` field
 * synack cannot know.
 */
import { LINUX_CA_STATES, LINUX_TCPI_OPTIONS, LINUX_TCP_INFINITE_SSTHRESH, LINUX_TCP_STATES, TCPI_OPTIONS, TCPI_STATES } from './symbols.js';

export type CodeResult = { ok: true } | { ok: false; failed: string } | { ok: false; unsupported: string };

/** The tcp_info fields synack can give honestly. */
export type TcpInfo = Record<string, number>;

/** The system whose names and numbers a block sees (the personality's `os`). */
export type CodeOs = 'freebsd' | 'linux';

/** Names a block may use besides the tcpi_* fields, by system. */
const CONSTANTS: Readonly<Record<CodeOs, Readonly<Record<string, number>>>> = Object.freeze({
  freebsd: Object.freeze({ ...TCPI_STATES, ...TCPI_OPTIONS, True: 1, False: 0 }),
  linux: Object.freeze({
    ...LINUX_TCP_STATES,
    ...LINUX_CA_STATES,
    ...LINUX_TCPI_OPTIONS,
    TCP_INFINITE_SSTHRESH: LINUX_TCP_INFINITE_SSTHRESH,
    True: 1,
    False: 0,
  }),
});

/**
 * What lasts from one block to the next in a run: the system, the names earlier blocks assigned
 * (packetdrill runs all of a script's blocks as one Python program), and where print() goes.
 */
export class CodeScope {
  readonly variables = new Map<string, number>();
  constructor(
    readonly os: CodeOs = 'freebsd',
    readonly print: (text: string) => void = () => {},
  ) {}

  constants(): Readonly<Record<string, number>> {
    return CONSTANTS[this.os];
  }
}

class Unsupported extends Error {}

type Tok = { k: 'num'; v: number } | { k: 'name'; v: string } | { k: 'op'; v: string } | { k: 'str'; v: string };

const OPERATORS = ['//', '<<', '>>', '==', '!=', '<=', '>=', '<', '>', '|', '^', '&', '+', '-', '*', '%', '~', '(', ')', ','];

function tokens(text: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\r' || c === '\\') {
      i++;
      continue;
    }
    if (c === '#') break; // a comment to the end of the line
    const rest = text.slice(i);
    const num = /^(0[xX][0-9a-fA-F]+|[0-9]+)/.exec(rest);
    if (num) {
      if (/^[0-9.]*[.eEjJ]/.test(rest.slice(num[0].length, num[0].length + 1))) throw new Unsupported(`the number ${rest.slice(0, 12)}... (only integers are evaluated)`);
      out.push({ k: 'num', v: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (name) {
      out.push({ k: 'name', v: name[0] });
      i += name[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new Unsupported('an unterminated string');
      out.push({ k: 'str', v: text.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    const op = OPERATORS.find((o) => rest.startsWith(o));
    if (!op) throw new Unsupported(`'${c}'`);
    out.push({ k: 'op', v: op });
    i += op.length;
  }
  return out;
}

/** Python's comparison operators, which chain: `a < b < c` is `a < b and b < c`. */
const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

/** Binary operators from loosest to tightest, after the comparisons (Python's precedence table). */
const LEVELS: Array<Record<string, (a: number, b: number) => number>> = [
  { '|': (a, b) => Number(BigInt(a) | BigInt(b)) },
  { '^': (a, b) => Number(BigInt(a) ^ BigInt(b)) },
  { '&': (a, b) => Number(BigInt(a) & BigInt(b)) },
  { '<<': (a, b) => Number(BigInt(a) << BigInt(b)), '>>': (a, b) => Number(BigInt(a) >> BigInt(b)) },
  { '+': (a, b) => a + b, '-': (a, b) => a - b },
  {
    '*': (a, b) => a * b,
    '//': (a, b) => {
      if (b === 0) throw new Unsupported('integer division by zero');
      return Math.floor(a / b);
    },
    '%': (a, b) => {
      if (b === 0) throw new Unsupported('modulo by zero');
      return a - b * Math.floor(a / b);
    },
  },
];

/** Evaluates one expression; remembers the tcpi_* fields it read, for the failure message. */
class Evaluator {
  private i = 0;
  readonly read = new Map<string, number>();
  constructor(
    private readonly t: Tok[],
    private readonly info: () => TcpInfo,
    private readonly scope: CodeScope,
  ) {}

  private peekOp(v: string): boolean {
    const x = this.t[this.i];
    return x !== undefined && x.k === 'op' && x.v === v;
  }

  private peekName(v: string): boolean {
    const x = this.t[this.i];
    return x !== undefined && x.k === 'name' && x.v === v;
  }

  get done(): boolean {
    return this.i >= this.t.length;
  }

  /** The comma after an assert's condition: whether there is one (the message is read only when the assert fails, as Python does). */
  comma(): boolean {
    if (!this.peekOp(',')) return false;
    this.i++;
    return true;
  }

  /** A message or print() argument: a string (formatted with `%` when one follows), or an expression's value. */
  text(): string {
    const x = this.t[this.i];
    if (x !== undefined && x.k === 'str') {
      this.i++;
      if (!this.peekOp('%')) return x.v;
      this.i++;
      return percentFormat(x.v, this.formatArguments());
    }
    if (this.peekOp('(')) {
      // A tuple, as Python shows one: (1, 2).
      const start = this.i;
      this.i++;
      const first = this.text();
      if (this.peekOp(',')) {
        const items = [first];
        while (this.peekOp(',')) {
          this.i++;
          if (this.peekOp(')')) break;
          items.push(this.text());
        }
        if (!this.peekOp(')')) throw new Unsupported('an unclosed (');
        this.i++;
        return `(${items.join(', ')}${items.length === 1 ? ',' : ''})`;
      }
      this.i = start;
    }
    return String(this.expression());
  }

  /** The right of `'...' % ...`: one operand, or a parenthesised tuple of them. */
  private formatArguments(): number[] {
    if (!this.peekOp('(')) return [this.unary()];
    this.i++;
    const args: number[] = [];
    while (!this.peekOp(')')) {
      args.push(this.expression());
      if (this.peekOp(',')) this.i++;
      else if (!this.peekOp(')')) throw new Unsupported('an unclosed (');
    }
    this.i++;
    return args;
  }

  /** The end of a print(...): its comma-separated arguments, and the `)`. */
  printArguments(): string[] {
    const out: string[] = [];
    if (this.peekOp(')')) {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(this.text());
      if (this.peekOp(',')) {
        this.i++;
        continue;
      }
      if (!this.peekOp(')')) throw new Unsupported('an unclosed print(');
      this.i++;
      return out;
    }
  }

  expression(): number {
    let v = this.andExpr();
    while (this.peekName('or')) {
      this.i++;
      const r = this.andExpr();
      v = v || r;
    }
    return v;
  }

  private andExpr(): number {
    let v = this.notExpr();
    while (this.peekName('and')) {
      this.i++;
      const r = this.notExpr();
      v = v && r;
    }
    return v;
  }

  private notExpr(): number {
    if (this.peekName('not')) {
      this.i++;
      return this.notExpr() ? 0 : 1;
    }
    return this.comparison();
  }

  private isComparison(): string | undefined {
    const x = this.t[this.i];
    return x !== undefined && x.k === 'op' && x.v in COMPARE ? x.v : undefined;
  }

  private comparison(): number {
    let left = this.binary(0);
    let op = this.isComparison();
    if (!op) return left;
    let holds = true;
    while (op) {
      this.i++;
      const right = this.binary(0);
      if (!COMPARE[op](left, right)) holds = false;
      left = right;
      op = this.isComparison();
    }
    return holds ? 1 : 0;
  }

  private binary(level: number): number {
    if (level >= LEVELS.length) return this.unary();
    let v = this.binary(level + 1);
    for (;;) {
      const x = this.t[this.i];
      if (!x || x.k !== 'op' || !(x.v in LEVELS[level])) return v;
      this.i++;
      v = LEVELS[level][x.v](v, this.binary(level + 1));
    }
  }

  private unary(): number {
    if (this.peekOp('-')) {
      this.i++;
      return -this.unary();
    }
    if (this.peekOp('+')) {
      this.i++;
      return this.unary();
    }
    if (this.peekOp('~')) {
      this.i++;
      return -this.unary() - 1;
    }
    return this.atom();
  }

  private atom(): number {
    const x = this.t[this.i++];
    if (!x) throw new Unsupported('an incomplete expression');
    if (x.k === 'num') return x.v;
    if (x.k === 'op' && x.v === '(') {
      const v = this.expression();
      if (!this.peekOp(')')) throw new Unsupported('an unclosed (');
      this.i++;
      return v;
    }
    if (x.k === 'name') {
      if (this.peekOp('(')) throw new Unsupported(`the call ${x.v}()`);
      const assigned = this.scope.variables.get(x.v);
      if (assigned !== undefined) return assigned;
      const constants = this.scope.constants();
      if (Object.prototype.hasOwnProperty.call(constants, x.v)) return constants[x.v];
      if (x.v.startsWith('tcpi_')) {
        const info = this.info();
        if (!Object.prototype.hasOwnProperty.call(info, x.v)) throw new Unsupported(`${x.v} is not available`);
        this.read.set(x.v, info[x.v]);
        return info[x.v];
      }
      throw new Unsupported(`the name ${x.v}`);
    }
    throw new Unsupported(`${x.k === 'str' ? 'a string' : `'${x.v}'`} where a number is needed`);
  }
}

/**
 * Python's logical lines: a newline or `;` ends a statement except inside brackets or after a
 * backslash; `#` starts a comment outside strings.
 */
function statementsOf(code: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < code.length; i++) {
    const c = code[i];
    if (quote) {
      cur += c;
      if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#') {
      while (i + 1 < code.length && code[i + 1] !== '\n') i++;
      continue;
    } else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === '\\' && code[i + 1] === '\n') {
      cur += ' ';
      i++;
      continue;
    } else if ((c === '\n' || c === ';') && depth <= 0) {
      out.push(cur);
      cur = '';
      continue;
    } else if (c === '\n') {
      cur += ' ';
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out.map((s) => s.trim().replace(/\s+/g, ' ')).filter((s) => s);
}

/**
 * Python's printf-style formatting of integers (`'cwnd=%d' % tcpi_snd_cwnd`): %d %i %u %s %r, %x %X
 * %o with flags and width, and %%.
 */
function percentFormat(format: string, args: number[]): string {
  let next = 0;
  const out = format.replace(/%([-+ 0#]*)(\d*)(?:\.\d+)?([diusrxXo%])/g, (_m, flags: string, width: string, conv: string) => {
    if (conv === '%') return '%';
    if (next >= args.length) throw new Unsupported('a format with more conversions than values');
    const v = args[next++];
    let text = conv === 'x' ? v.toString(16) : conv === 'X' ? v.toString(16).toUpperCase() : conv === 'o' ? v.toString(8) : String(v);
    if (flags.includes('+') && v >= 0 && 'diu'.includes(conv)) text = `+${text}`;
    const w = Number(width || 0);
    if (text.length < w) text = flags.includes('-') ? text.padEnd(w) : flags.includes('0') ? text.padStart(w, '0') : text.padStart(w);
    return text;
  });
  if (next < args.length) throw new Unsupported('a format with fewer conversions than values');
  return out;
}

/** The first failure of TCP_INFO itself (no socket to read it from), thrown through the evaluator. */
class NoInfo extends Error {}

/**
 * Runs one block. `info` is read at most once, when the block first names a tcpi_* field (a string:
 * why there is no tcp_info to read). `scope` carries what earlier blocks of the run assigned.
 */
export function evaluateCode(code: string, info: () => TcpInfo | string, scope: CodeScope = new CodeScope()): CodeResult {
  let cached: TcpInfo | undefined;
  const read = (): TcpInfo => {
    if (cached) return cached;
    const i = info();
    if (typeof i === 'string') throw new NoInfo(i);
    return (cached = i);
  };
  for (const st of statementsOf(code)) {
    try {
      const r = statement(st, read, scope);
      if (r) return r;
    } catch (err) {
      if (err instanceof Unsupported) return { ok: false, unsupported: `%{ ${st} }% (${err.message})` };
      if (err instanceof NoInfo) return { ok: false, failed: `%{ ${st} }%: ${err.message}` };
      throw err;
    }
  }
  return { ok: true };
}

/** One statement; a failed assert's result, or undefined when it holds or is not an assert. */
function statement(st: string, info: () => TcpInfo, scope: CodeScope): CodeResult | undefined {
  const assertion = /^assert\b(.*)$/.exec(st);
  if (assertion) {
    const e = new Evaluator(tokens(assertion[1]), info, scope);
    const holds = e.expression() !== 0;
    const hasMessage = e.comma();
    // Python evaluates the message only when the assert fails.
    if (holds) {
      if (hasMessage && e.done) throw new Unsupported('an assert with an empty message');
      return undefined;
    }
    const message = hasMessage ? e.text() : undefined;
    if (!e.done) throw new Unsupported('more after the expression');
    const values = [...e.read].map(([k, v]) => `${k} is ${describe(k, v, scope.os)}`).join(', ');
    return { ok: false, failed: `%{ ${st} }%${message !== undefined ? ` (${message})` : ''}: ${values || 'false'}` };
  }
  const assignment = /^([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)(.*)$/.exec(st);
  if (assignment) {
    const name = assignment[1];
    if (name.startsWith('tcpi_')) throw new Unsupported(`an assignment to ${name}`);
    const e = new Evaluator(tokens(assignment[2]), info, scope);
    const v = e.expression();
    if (!e.done) throw new Unsupported('more after the expression');
    scope.variables.set(name, v);
    return undefined;
  }
  const print = /^print\s*\((.*)$/.exec(st);
  if (print) {
    const e = new Evaluator(tokens(print[1]), info, scope);
    const args = e.printArguments();
    if (!e.done) throw new Unsupported('more after print()');
    scope.print(args.join(' '));
    return undefined;
  }
  throw new Unsupported('only "assert <expression>", "NAME = <expression>" and "print(...)" are evaluated; the rest needs Python');
}

function describe(name: string, v: number, os: CodeOs): string {
  if (name === 'tcpi_state') {
    for (const [k, n] of Object.entries(os === 'linux' ? LINUX_TCP_STATES : TCPI_STATES)) if (n === v) return k;
  }
  if (name === 'tcpi_ca_state' && os === 'linux') {
    for (const [k, n] of Object.entries(LINUX_CA_STATES)) if (n === v) return k;
  }
  if (name === 'tcpi_options') {
    const names = Object.entries(os === 'linux' ? LINUX_TCPI_OPTIONS : TCPI_OPTIONS)
      .filter(([, bit]) => (v & bit) !== 0)
      .map(([k]) => k);
    return names.length ? `${v} (${names.join(' | ')})` : String(v);
  }
  return String(v);
}
