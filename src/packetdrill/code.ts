/**
 * `%{ ... }%` blocks. packetdrill hands them to Python with the socket's TCP_INFO as `tcpi_*`
 * variables; synack evaluates the part of Python that the test suites write: `assert <expression>`
 * statements (optionally `, "message"`), one per line or separated by `;`, over integers, the
 * `tcpi_*` fields synack can report and the TCPI_* constants, with Python's operators and their
 * precedence (`or`, `and`, `not`, chained comparisons, `|`, `^`, `&`, `<<`, `>>`, `+`, `-`, `*`,
 * `//`, `%`, unary `-` and `~`, parentheses). Any other statement needs Python and makes the script
 * UNSUPPORTED, and so does a `tcpi_*` field synack cannot know.
 */
import { TCPI_OPTIONS, TCPI_STATES } from './symbols.js';

export type CodeResult = { ok: true } | { ok: false; failed: string } | { ok: false; unsupported: string };

/** The tcp_info fields synack can give honestly. */
export type TcpInfo = Record<string, number>;

/** Names a block may use besides the tcpi_* fields. */
const CONSTANTS: Readonly<Record<string, number>> = Object.freeze({ ...TCPI_STATES, ...TCPI_OPTIONS, True: 1, False: 0 });

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
    private readonly info: TcpInfo,
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

  /** The comma after an assert's condition, and its message. */
  message(): string | undefined {
    if (!this.peekOp(',')) return undefined;
    this.i++;
    const m = this.t[this.i++];
    if (!m || m.k !== 'str' || !this.done) throw new Unsupported('an assert message that is not one string');
    return m.v;
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
      if (x.v in CONSTANTS) return CONSTANTS[x.v];
      if (x.v.startsWith('tcpi_')) {
        if (!(x.v in this.info)) throw new Unsupported(`${x.v} is not available`);
        this.read.set(x.v, this.info[x.v]);
        return this.info[x.v];
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

export function evaluateCode(code: string, info: () => TcpInfo | string): CodeResult {
  for (const st of statementsOf(code)) {
    const m = /^assert\b(.*)$/.exec(st);
    if (!m) return { ok: false, unsupported: `%{ ${st} }% (only "assert <expression>" is evaluated; the rest needs Python)` };
    const i = info();
    if (typeof i === 'string') return { ok: false, failed: `%{ ${st} }%: ${i}` };
    let holds: boolean;
    let e: Evaluator;
    let message: string | undefined;
    try {
      e = new Evaluator(tokens(m[1]), i);
      holds = e.expression() !== 0;
      message = e.message();
      if (!e.done) throw new Unsupported('more after the expression');
    } catch (err) {
      if (err instanceof Unsupported) return { ok: false, unsupported: `%{ ${st} }% (${err.message})` };
      throw err;
    }
    if (!holds) {
      const values = [...e.read].map(([k, v]) => `${k} is ${describe(k, v)}`).join(', ');
      return { ok: false, failed: `%{ ${st} }%${message ? ` (${message})` : ''}: ${values || 'false'}` };
    }
  }
  return { ok: true };
}

function describe(name: string, v: number): string {
  if (name === 'tcpi_state') {
    for (const [k, n] of Object.entries(TCPI_STATES)) if (n === v) return k;
  }
  if (name === 'tcpi_options') {
    const names = Object.entries(TCPI_OPTIONS)
      .filter(([, bit]) => (v & bit) !== 0)
      .map(([k]) => k);
    return names.length ? `${v} (${names.join(' | ')})` : String(v);
  }
  return String(v);
}
