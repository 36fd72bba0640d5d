/**
 * The conditional lines of nplab's packetdrill (the fork FreeBSD's TCP test suite runs): a script
 * keeps the lines for one platform or variant between `#ifdef NAME` / `#ifndef NAME`, `#else` and
 * `#endif`, nested as in C, and `#define NAME [value]` / `#undef NAME` change the symbols on the way.
 * The symbols come from the command line (`-D NAME[=VALUE]`, `--define NAME[=VALUE]`) and from the
 * platform the script runs on (packetdrill defines its host's name: `FreeBSD`, `Linux`; synack
 * defines the personality's).
 *
 * Every line keeps its number: a directive or a line left out becomes an empty line, so errors and
 * messages point at the script as written. Lines inside a `%{ }%` block (Python, where `#` starts a
 * comment), a C comment, or a string or backtick command running over lines (a shell comment) are
 * never directives.
 */

export type Defines = ReadonlyMap<string, string>;

/** `symbols`: the defines after the script's own #define and #undef lines, for word substitution. */
export type PreprocessResult = { ok: true; text: string; symbols: Defines } | { ok: false; line: number; message: string };

interface Group {
  /** The line of its #ifdef / #ifndef, for an unterminated group. */
  line: number;
  directive: string;
  /** Lines of the enclosing group are kept. */
  parentActive: boolean;
  /** This branch's lines are kept. */
  active: boolean;
  /** One branch was taken already (the #else takes the other). */
  taken: boolean;
  seenElse: boolean;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Where a scan of one line leaves the lexical state that decides whether `#` starts a directive. */
interface ScanState {
  inComment: boolean;
  inCode: boolean;
  /** Inside a "string" or `command`, which may run over several lines (a shell `# comment` there is no directive). */
  quote: string | undefined;
}

/** Move the state over one line: C comments, `%{ }%` code, and quoted text in which neither counts. */
function scanLine(line: string, s: ScanState): void {
  let i = 0;
  while (i < line.length) {
    if (s.quote) {
      // As the lexer reads them, a backslash escapes the next character.
      if (line[i] === '\\') i += 2;
      else if (line[i++] === s.quote) s.quote = undefined;
      continue;
    }
    if (s.inComment || s.inCode) {
      // Inside a /* comment */ or a %{ code }% block: skip to its end, perhaps on a later line.
      const end = line.indexOf(s.inComment ? '*/' : '}%', i);
      if (end < 0) return;
      s.inComment = false;
      s.inCode = false;
      i = end + 2;
      continue;
    }
    const c = line[i];
    if (c === '/' && line[i + 1] === '/') return;
    if (c === '/' && line[i + 1] === '*') {
      s.inComment = true;
      i += 2;
    } else if (c === '%' && line[i + 1] === '{') {
      s.inCode = true;
      i += 2;
    } else if (c === '"' || c === '`') {
      s.quote = c;
      i++;
    } else i++;
  }
}

/** The directive's argument without a trailing comment. */
function argumentOf(rest: string): string {
  return rest.replace(/\/\/.*$/, '').replace(/\/\*.*?\*\//g, '').trim();
}

export function preprocess(src: string, defines: Defines = new Map()): PreprocessResult {
  const symbols = new Map(defines);
  const lines = src.split('\n');
  const out: string[] = [];
  const stack: Group[] = [];
  const state: ScanState = { inComment: false, inCode: false, quote: undefined };
  const active = () => stack.length === 0 || stack[stack.length - 1].active;
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n];
    const lineNo = n + 1;
    const m = !state.inComment && !state.inCode && !state.quote ? /^\s*#\s*([A-Za-z_]+)(.*)$/.exec(line) : null;
    if (!m) {
      out.push(active() ? line : '');
      // C comments and code blocks open and close in left-out lines too, as cpp reads them.
      scanLine(line, state);
      continue;
    }
    const [, directive, rest] = m;
    const arg = argumentOf(rest);
    const fail = (message: string): PreprocessResult => ({ ok: false, line: lineNo, message });
    out.push('');
    switch (directive) {
      case 'ifdef':
      case 'ifndef': {
        if (!NAME.test(arg)) return fail(`#${directive} needs one symbol name, not '${arg}'`);
        const parentActive = active();
        const cond = symbols.has(arg) === (directive === 'ifdef');
        stack.push({ line: lineNo, directive, parentActive, active: parentActive && cond, taken: cond, seenElse: false });
        break;
      }
      case 'else': {
        const g = stack[stack.length - 1];
        if (!g) return fail('#else without #ifdef or #ifndef');
        if (g.seenElse) return fail(`a second #else for the #${g.directive} of line ${g.line}`);
        if (arg) return fail(`#else takes nothing after it, not '${arg}'`);
        g.seenElse = true;
        g.active = g.parentActive && !g.taken;
        g.taken = true;
        break;
      }
      case 'endif':
        if (!stack.pop()) return fail('#endif without #ifdef or #ifndef');
        if (arg) return fail(`#endif takes nothing after it, not '${arg}'`);
        break;
      case 'define': {
        if (!active()) break;
        const d = /^([A-Za-z_][A-Za-z0-9_]*)(?:\s+(.*))?$/.exec(arg);
        if (!d) return fail(`#define needs a symbol name, not '${arg}'`);
        symbols.set(d[1], d[2] ?? '');
        break;
      }
      case 'undef':
        if (!active()) break;
        if (!NAME.test(arg)) return fail(`#undef needs one symbol name, not '${arg}'`);
        symbols.delete(arg);
        break;
      case 'if':
        // A group cpp would evaluate an expression for: inside a left-out group it only nests.
        if (active()) return fail('#if (synack reads #ifdef and #ifndef, not expressions)');
        stack.push({ line: lineNo, directive, parentActive: false, active: false, taken: true, seenElse: false });
        break;
      case 'elif': {
        const g = stack[stack.length - 1];
        if (!g) return fail('#elif without #if');
        if (g.parentActive) return fail('#elif (synack reads #ifdef, #ifndef, #else and #endif)');
        break;
      }
      default:
        // In a left-out group cpp skips directives it does not need; the conditional ones are all
        // handled above, so nesting stays right.
        if (!active()) break;
        return fail(`preprocessor directive #${directive} (synack reads #ifdef, #ifndef, #else, #endif, #define and #undef)`);
    }
  }
  const open = stack[stack.length - 1];
  if (open) return { ok: false, line: open.line, message: `#${open.directive} without #endif` };
  return { ok: true, text: out.join('\n'), symbols };
}

/**
 * Symbols from command-line words: `NAME` (defined, with no value) or `NAME=VALUE` (defined, and a
 * script word NAME reads as VALUE, as packetdrill's lexer substitutes it: `FO TFO_COOKIE`).
 * Throws a RangeError naming a malformed one.
 */
export function parseDefine(text: string): [string, string] {
  const eq = text.indexOf('=');
  const name = eq < 0 ? text : text.slice(0, eq);
  if (!NAME.test(name)) throw new RangeError(`not a symbol name: '${name}'`);
  return [name, eq < 0 ? '' : text.slice(eq + 1)];
}
