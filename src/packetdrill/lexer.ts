/**
 * packetdrill's tokens (lexer.l): numbers, words, strings, backtick commands, `%{ }%` code,
 * `--option=value` header lines, `...`, and single punctuation characters. Comments (`//` and
 * C style) and whitespace are skipped. Like flex, the longest match wins.
 */

export type Token =
  | { k: 'int'; v: number; text: string; line: number }
  | { k: 'float'; v: number; text: string; line: number }
  | { k: 'hex'; v: number; text: string; line: number }
  | { k: 'word'; v: string; line: number }
  | { k: 'ip'; v: string; line: number }
  | { k: 'string'; v: string; line: number }
  | { k: 'command'; v: string; line: number }
  | { k: 'code'; v: string; line: number }
  | { k: 'option'; name: string; value: string; line: number }
  | { k: 'ellipsis'; line: number }
  | { k: 'punct'; v: string; line: number };

export class LexError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

const FLOAT = /^-?[0-9]*\.[0-9]+/;
const INT = /^-?[0-9]+/;
const HEX = /^0x[0-9a-fA-F]+/;
const WORD = /^[a-zA-Z0-9_]+/;
const IP = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+/;

/**
 * Tokens of a script. A word that is a defined symbol with a value (`-D NAME=VALUE`) reads as its
 * value, as in packetdrill's lexer: a word, or a string or command when the value is quoted
 * ("..." or `...`).
 */
export function tokenize(src: string, symbols: ReadonlyMap<string, string> = new Map()): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  const n = src.length;
  const countLines = (from: number, to: number) => {
    for (let j = from; j < to; j++) if (src.charCodeAt(j) === 10) line++;
  };
  while (i < n) {
    const c = src[i];
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '/') {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) throw new LexError(line, 'unterminated /* comment');
      countLines(i, end + 2);
      i = end + 2;
      continue;
    }
    if (c === '%' && src[i + 1] === '{') {
      const end = src.indexOf('}%', i + 2);
      if (end < 0) throw new LexError(line, 'unterminated %{ code block');
      out.push({ k: 'code', v: src.slice(i + 2, end), line });
      countLines(i, end + 2);
      i = end + 2;
      continue;
    }
    if (c === '"' || c === '`') {
      let j = i + 1;
      let text = '';
      while (j < n && src[j] !== c) {
        if (src[j] === '\\' && j + 1 < n) {
          // packetdrill hands a backtick command to the shell as written (a `\` ending a line is
          // the shell's continuation); a string's escapes are taken here, C's \xHH among them
          // (TCP_FASTOPEN_KEY's bytes are written so).
          const hex = c === '"' && src[j + 1] === 'x' ? /^[0-9a-fA-F]{1,2}/.exec(src.slice(j + 2, j + 4)) : null;
          if (hex) {
            text += String.fromCharCode(parseInt(hex[0], 16));
            j += 2 + hex[0].length;
            continue;
          }
          text += c === '`' ? src[j] + src[j + 1] : src[j + 1];
          j += 2;
          continue;
        }
        text += src[j++];
      }
      if (j >= n) throw new LexError(line, `unterminated ${c === '"' ? 'string' : 'backtick command'}`);
      out.push(c === '"' ? { k: 'string', v: text, line } : { k: 'command', v: text, line });
      countLines(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === '-' && src[i + 1] === '-' && /[a-zA-Z0-9_]/.test(src[i + 2] ?? '')) {
      // --name=value: the value runs to the end of the word (it may be an IPv6 address or a path).
      const m = /^--([a-zA-Z0-9_]+)(?:=(\S*))?/.exec(src.slice(i, i + 512));
      if (m) {
        out.push({ k: 'option', name: m[1], value: m[2] ?? '', line });
        i += m[0].length;
        continue;
      }
    }
    if (c === '.' && src[i + 1] === '.' && src[i + 2] === '.') {
      out.push({ k: 'ellipsis', line });
      i += 3;
      continue;
    }
    const rest = src.slice(i, i + 128);
    // Longest match among the number and word rules; on a tie the earlier rule wins (as in flex).
    let best: Token | undefined;
    let bestLen = 0;
    const consider = (re: RegExp, make: (text: string) => Token) => {
      const m = re.exec(rest);
      if (m && m[0].length > bestLen) {
        bestLen = m[0].length;
        best = make(m[0]);
      }
    };
    consider(IP, (t) => ({ k: 'ip', v: t, line }));
    consider(FLOAT, (t) => ({ k: 'float', v: Number(t), text: t, line }));
    consider(INT, (t) => ({ k: 'int', v: Number(t), text: t, line }));
    consider(HEX, (t) => ({ k: 'hex', v: parseInt(t.slice(2), 16), text: t, line }));
    consider(WORD, (t) => ({ k: 'word', v: t, line }));
    if (best) {
      const b = best as Token;
      const value = b.k === 'word' ? symbols.get(b.v) : undefined;
      if (value) {
        const quoted = value.length >= 2 && (value[0] === '"' || value[0] === '`') && value.endsWith(value[0]);
        if (quoted && value[0] === '"') best = { k: 'string', v: value.slice(1, -1), line };
        else if (quoted) best = { k: 'command', v: value.slice(1, -1), line };
        else best = { k: 'word', v: value, line };
      }
      out.push(best);
      i += bestLen;
      continue;
    }
    out.push({ k: 'punct', v: c, line });
    i++;
  }
  return out;
}

/** A token as the script wrote it, for messages. */
export function tokenText(t: Token | undefined): string {
  if (!t) return 'end of script';
  switch (t.k) {
    case 'int':
    case 'float':
    case 'hex':
      return t.text;
    case 'word':
    case 'ip':
    case 'punct':
      return t.v;
    case 'string':
      return JSON.stringify(t.v);
    case 'command':
      return '`' + t.v + '`';
    case 'code':
      return '%{' + t.v + '}%';
    case 'option':
      return `--${t.name}=${t.value}`;
    case 'ellipsis':
      return '...';
  }
}
