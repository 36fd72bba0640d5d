/**
 * The packetdrill script parser: tokens to a `Script`, following packetdrill's grammar (parser.y).
 * A script that does not parse gives a `ParseError` with its line; nothing here throws on bad input.
 */
import { TcpFlag } from '../wire/index.js';
import type { EcnMark, EventTime, Expr, IcmpSpec, IpAttributes, PacketSpec, ParseError, Script, ScriptEvent, ScriptOption, SyscallSpec } from './ast.js';
import { icmpCode, icmpType, mtuAllowed } from './icmp.js';
import { LexError, tokenize, tokenText, type Token } from './lexer.js';
import { preprocess, type Defines } from './preprocess.js';

class SyntaxError_ extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ParseOptions {
  /** Symbols for `#ifdef` and `#ifndef` (see preprocess.ts); none when absent. */
  defines?: Defines;
  /**
   * The IP version the script runs under before its own `--ip_version` header (packetdrill's command
   * line): ICMP type and code names depend on it. 4 when absent.
   */
  ipVersion?: 4 | 6;
}

/** Parse a whole script, after its conditional lines (`#ifdef` ... `#endif`) are resolved. */
export function parseScript(src: string, opts: ParseOptions = {}): { ok: true; script: Script } | { ok: false; error: ParseError } {
  const lines = src.split('\n');
  const pre = preprocess(src, opts.defines);
  if (!pre.ok) return { ok: false, error: { line: pre.line, message: pre.message } };
  let tokens: Token[];
  try {
    tokens = tokenize(pre.text, pre.symbols);
  } catch (e) {
    if (e instanceof LexError) return { ok: false, error: { line: e.line, message: e.message } };
    throw e;
  }
  try {
    return { ok: true, script: new Parser(tokens, lines, opts.ipVersion ?? 4).script() };
  } catch (e) {
    if (e instanceof SyntaxError_) return { ok: false, error: { line: e.line, message: e.message } };
    throw e;
  }
}

/** The TCP flag each letter of a packet's flags stands for (tcp_packet.c). */
const FLAG_LETTERS: Record<string, number> = {
  '.': TcpFlag.ACK,
  F: TcpFlag.FIN,
  S: TcpFlag.SYN,
  R: TcpFlag.RST,
  P: TcpFlag.PSH,
  E: TcpFlag.ECE,
  W: TcpFlag.CWR,
  A: TcpFlag.AE,
  U: TcpFlag.URG,
};

const ECN_MARKS = new Set(['noecn', 'ect0', 'ect1', 'ect01', 'ce']);

const MAX_U32 = 0xffffffff;

/** DSCP code point names (RFC 2474 class selectors, RFC 2597 AF, RFC 3246 EF, RFC 5865, RFC 8622 LE). */
const DSCP_NAMES: Record<string, number> = {
  cs0: 0, cs1: 8, cs2: 16, cs3: 24, cs4: 32, cs5: 40, cs6: 48, cs7: 56,
  af11: 10, af12: 12, af13: 14, af21: 18, af22: 20, af23: 22, af31: 26, af32: 28, af33: 30, af41: 34, af42: 36, af43: 38,
  ef: 46, voice_admit: 44, va: 44, le: 1,
};

class Parser {
  private i = 0;
  /** The IP version the header options give (ICMP type and code names depend on it). */
  private family: 4 | 6;
  constructor(
    private readonly t: Token[],
    private readonly lines: string[],
    family: 4 | 6,
  ) {
    this.family = family;
  }

  private peek(o = 0): Token | undefined {
    return this.t[this.i + o];
  }

  private get line(): number {
    return (this.peek() ?? this.t[this.t.length - 1])?.line ?? 1;
  }

  private fail(message: string, at: Token | undefined = this.peek()): never {
    throw new SyntaxError_(at?.line ?? this.line, message);
  }

  private isPunct(v: string, o = 0): boolean {
    const t = this.peek(o);
    return t !== undefined && t.k === 'punct' && t.v === v;
  }

  private isWord(v: string, o = 0): boolean {
    const t = this.peek(o);
    return t !== undefined && t.k === 'word' && t.v === v;
  }

  private expectPunct(v: string, what: string): Token {
    const t = this.peek();
    if (!t || t.k !== 'punct' || t.v !== v) this.fail(`expected '${v}' ${what}, found ${tokenText(t)}`);
    this.i++;
    return t;
  }

  private integer(what: string, max = Number.MAX_SAFE_INTEGER, min = 0): number {
    const t = this.peek();
    if (!t || (t.k !== 'int' && t.k !== 'hex')) this.fail(`expected ${what}, found ${tokenText(t)}`);
    this.i++;
    if (t.v < min || t.v > max) this.fail(`${what} ${t.text} is out of range (${min} to ${max})`, t);
    return t.v;
  }

  script(): Script {
    const options: Script['options'] = [];
    while (this.peek()?.k === 'option') {
      const t = this.peek() as Extract<Token, { k: 'option' }>;
      options.push({ line: t.line, name: t.name, value: t.value });
      if (t.name === 'ip_version') this.family = t.value === 'ipv6' ? 6 : 4;
      this.i++;
    }
    let initCommand: Script['initCommand'];
    const first = this.peek();
    if (first?.k === 'command') {
      initCommand = { line: first.line, command: first.v };
      this.i++;
    }
    const events: ScriptEvent[] = [];
    let cleanupCommand: Script['cleanupCommand'];
    while (this.peek()) {
      const t = this.peek() as Token;
      // opt_cleanup_command: a command with no time, after the events, ends the script.
      if (t.k === 'command' && this.i === this.t.length - 1 && events.length > 0) {
        cleanupCommand = { line: t.line, command: t.v };
        this.i++;
        break;
      }
      events.push(this.event());
    }
    return { options, initCommand, events, lines: this.lines, ...(cleanupCommand ? { cleanupCommand } : {}) };
  }

  private seconds(what: string): number {
    const t = this.peek();
    if (!t || (t.k !== 'int' && t.k !== 'float')) this.fail(`expected ${what}, found ${tokenText(t)}`);
    this.i++;
    if (t.v < 0) this.fail(`${what} ${t.text} is negative`, t);
    return Math.round(t.v * 1e6);
  }

  private eventTime(): EventTime {
    const t = this.peek();
    if (t?.k === 'option') this.fail(`header option --${t.name} after the first event`);
    if (this.isPunct('*')) {
      this.i++;
      return { kind: 'any' };
    }
    if (this.isPunct('+')) {
      this.i++;
      const us = this.seconds('a time after +');
      if (this.isPunct('~')) {
        this.i++;
        if (!this.isPunct('+')) this.fail(`a relative range needs '+' on both ends (+a~+b)`);
        this.i++;
        const endUs = this.seconds('the end of the time range');
        if (endUs < us) this.fail('time range ends before it starts');
        return { kind: 'relative-range', us, endUs };
      }
      return { kind: 'relative', us };
    }
    if (t && (t.k === 'int' || t.k === 'float')) {
      const us = this.seconds('a time');
      if (this.isPunct('~')) {
        this.i++;
        if (this.isPunct('+')) this.fail('an absolute range cannot end in a relative time');
        const endUs = this.seconds('the end of the time range');
        if (endUs < us) this.fail('time range ends before it starts');
        return { kind: 'absolute-range', us, endUs };
      }
      return { kind: 'absolute', us };
    }
    return this.fail(`expected an event time (0.1, +0.1, * or a range), found ${tokenText(t)}`);
  }

  private event(): ScriptEvent {
    const startTok = this.peek() as Token;
    const line = startTok.line;
    const text = (this.lines[line - 1] ?? '').trim();
    const time = this.eventTime();
    const t = this.peek();
    if (!t) this.fail('expected an event after its time');
    if (t.k === 'punct' && (t.v === '<' || t.v === '>')) {
      const dirTok = t;
      this.i++;
      const direction = t.v === '<' ? 'in' : 'out';
      const { ecn, ip } = this.ipInfo();
      if (this.isWord('icmp') || this.isWord('ICMP')) return { type: 'icmp', line, text, time, icmp: this.icmp(direction, ecn, ip, dirTok) };
      return { type: 'packet', line, text, time, packet: this.packet(direction, ecn, ip, dirTok) };
    }
    if (t.k === 'command') {
      this.i++;
      return { type: 'command', line, text, time, command: t.v };
    }
    if (t.k === 'code') {
      this.i++;
      return { type: 'code', line, text, time, code: t.v };
    }
    if (t.k === 'ellipsis' || t.k === 'word') {
      return { type: 'syscall', line, text, time, call: this.syscall(time) };
    }
    return this.fail(`expected a packet, system call, \`command\` or %{ code }%, found ${tokenText(t)}`);
  }

  // ---------------------------------------------------------------------------------------------
  // Packets

  /**
   * nplab's opt_ip_info after the direction: `[ ... ]` or `( ... )` holding, separated by commas,
   * an ECN mark (`ect0`, or `ecn ect0`), `tos 0x..` / `class 0x..`, `dscp 0x..|name`, `ttl N` /
   * `hlim N`, `flowlabel 0x..`. packetdrill's grammar fixes an order; any order is read here, each
   * field at most once.
   */
  private ipInfo(): { ecn: EcnMark | undefined; ip: IpAttributes } {
    const ip: IpAttributes = {};
    let ecn: EcnMark | undefined;
    if (!this.isPunct('[') && !this.isPunct('(')) return { ecn, ip };
    const close = this.isPunct('[') ? ']' : ')';
    this.i++;
    const seen = new Set<string>();
    const once = (field: string, at: Token) => {
      if (seen.has(field)) this.fail(`the IP ${field} is given twice`, at);
      seen.add(field);
    };
    const byte = (what: string, max: number) => this.integer(what, max);
    for (;;) {
      const w = this.peek();
      if (!w || w.k !== 'word') this.fail(`expected an IP field (noecn, ect0, ect1, ect01, ce, ecn, tos, class, dscp, ttl, hlim, flowlabel), found ${tokenText(w)}`);
      this.i++;
      if (ECN_MARKS.has(w.v)) {
        once('ECN field', w);
        ecn = w.v as EcnMark;
      } else {
        switch (w.v) {
          case 'ecn': {
            once('ECN field', w);
            const m = this.peek();
            if (!m || m.k !== 'word' || !ECN_MARKS.has(m.v)) this.fail(`expected noecn, ect0, ect1, ect01 or ce after ecn, found ${tokenText(m)}`);
            this.i++;
            ecn = m.v as EcnMark;
            break;
          }
          case 'tos':
          case 'class':
            once('TOS / traffic class', w);
            ip.tos = byte(`the ${w.v === 'tos' ? 'TOS' : 'traffic class'} byte`, 255);
            break;
          case 'dscp': {
            once('DSCP', w);
            const d = this.peek();
            if (d?.k === 'word') {
              const v = DSCP_NAMES[d.v.toLowerCase()];
              if (v === undefined) this.fail(`unknown DSCP name '${d.v}'`, d);
              this.i++;
              ip.dscp = v;
            } else ip.dscp = byte('the DSCP', 63);
            break;
          }
          case 'ttl':
          case 'hlim':
            once('TTL / hop limit', w);
            ip.ttl = byte(w.v === 'ttl' ? 'the TTL' : 'the hop limit', 255);
            break;
          case 'flowlabel':
            once('flow label', w);
            if (this.family !== 6) this.fail('flowlabel is an IPv6 field (the script is IPv4)', w);
            ip.flowLabel = byte('the flow label', 0xfffff);
            break;
          default:
            this.fail(`unknown IP field '${w.v}' (expected noecn, ect0, ect1, ect01, ce, ecn, tos, class, dscp, ttl, hlim, flowlabel)`, w);
        }
      }
      if (this.isPunct(',')) {
        this.i++;
        continue;
      }
      this.expectPunct(close, 'closing the IP fields');
      break;
    }
    if (ip.tos !== undefined && (ip.dscp !== undefined || ecn !== undefined)) this.fail('tos / class gives the whole byte: not together with dscp or an ECN mark');
    return { ecn, ip };
  }

  private icmp(direction: 'in' | 'out', ecn: EcnMark | undefined, ip: IpAttributes, dirTok: Token): IcmpSpec {
    this.i++;
    const typeTok = this.peek();
    if (!typeTok || typeTok.k !== 'word') this.fail(`expected an ICMP type (unreachable, time_exceeded, packet_too_big, ...), found ${tokenText(typeTok)}`);
    this.i++;
    let codeTok: Token | undefined;
    const c = this.peek();
    if (c?.k === 'word' && c.v !== 'mtu' && c.v !== 'id') {
      codeTok = c;
      this.i++;
    }
    let mtu: number | undefined;
    if (this.isWord('mtu')) {
      this.i++;
      mtu = this.integer('the MTU', MAX_U32);
    }
    let echoId: number | undefined;
    if (this.isWord('id')) {
      this.i++;
      echoId = this.integer('the echo identifier', 65535);
    }
    let echoed: IcmpSpec['echoed'] = { protocol: 'tcp', start: 0, length: 0 };
    if (this.isPunct('[')) {
      const open = this.peek() as Token;
      this.i++;
      const w = this.peek();
      if (w?.k === 'word' && ['udp', 'udplite', 'sctp', 'raw'].includes(w.v.toLowerCase())) {
        const parts: string[] = [];
        while (this.peek() && !this.isPunct(']')) parts.push(tokenText(this.t[this.i++]));
        if (!this.isPunct(']')) this.fail('unterminated [ ] after the ICMP type', open);
        this.i++;
        echoed = { protocol: w.v.toLowerCase() as 'udp', text: parts.join(' ') };
      } else {
        const start = this.integer('the start sequence number of the quoted segment', MAX_U32);
        this.expectPunct(':', 'in start:end(length)');
        const end = this.integer('the end sequence number of the quoted segment', MAX_U32);
        this.expectPunct('(', 'in start:end(length)');
        const length = this.integer('the payload length of the quoted segment', 65535);
        this.expectPunct(')', 'in start:end(length)');
        if (((end - start) >>> 0) !== length) this.fail(`inconsistent TCP segment: ${start}:${end}(${length}) (end - start must equal the length)`);
        this.expectPunct(']', 'closing the quoted segment');
        echoed = { protocol: 'tcp', start, length };
      }
    }
    const type = icmpType(this.family, typeTok.v);
    if (type === undefined) this.fail(`bad ICMP${this.family === 6 ? 'v6' : ''} type ${typeTok.v}`, typeTok);
    const code = codeTok && codeTok.k === 'word' ? icmpCode(this.family, type, codeTok.v) : 0;
    if (code === undefined) this.fail(`bad ICMP${this.family === 6 ? 'v6' : ''} code ${tokenText(codeTok)} for ${typeTok.v}`, codeTok);
    if (mtu !== undefined) {
      const why = mtuAllowed(this.family, type, code, mtu);
      if (why) this.fail(why, dirTok);
    }
    if (ecn === 'ect01' && direction === 'in') this.fail('[ect01] can only be used with outbound packets', dirTok);
    return { direction, ecn, ip, typeName: typeTok.v, codeName: codeTok && codeTok.k === 'word' ? codeTok.v : undefined, type, code, mtu, echoId, echoed };
  }

  private packet(direction: 'in' | 'out', ecn: EcnMark | undefined, ip: IpAttributes, dirTok: Token): PacketSpec {
    const kw = this.peek();
    if (kw?.k === 'word' && ['udp', 'udplite', 'sctp', 'gre', 'mpls', 'ipv4', 'ipv6'].includes(kw.v.toLowerCase())) {
      this.fail(`${kw.v} packets are not supported (TCP and ICMP are)`);
    }
    // Flags: '.', '-', WORD or WORD '.'.
    let flagsText = '';
    if (this.isPunct('.')) {
      flagsText = '.';
      this.i++;
    } else if (this.isPunct('-')) {
      flagsText = '-';
      this.i++;
    } else if (kw?.k === 'word') {
      flagsText = kw.v;
      this.i++;
      if (this.isPunct('.')) {
        flagsText += '.';
        this.i++;
      }
    } else {
      this.fail(`expected TCP flags (S, S., ., F., R, P., -, ...), found ${tokenText(kw)}`);
    }
    let flags = 0;
    if (flagsText !== '-') {
      for (const ch of flagsText) {
        if (/[0-7]/.test(ch)) this.fail(`AccECN ACE flags ('${ch}') are not supported`, kw);
        const bit = FLAG_LETTERS[ch];
        if (bit === undefined) this.fail(`invalid TCP flag '${ch}' in '${flagsText}'`, kw);
        flags |= bit;
      }
    }
    // start:end(len)
    const start = this.integer('the start sequence number', MAX_U32);
    this.expectPunct(':', 'in start:end(length)');
    const end = this.integer('the end sequence number', MAX_U32);
    this.expectPunct('(', 'in start:end(length)');
    const length = this.integer('the payload length', 65535);
    this.expectPunct(')', 'in start:end(length)');
    if (((end - start) >>> 0) !== length) this.fail(`inconsistent TCP segment: ${start}:${end}(${length}) (end - start must equal the length)`);
    let ack: number | undefined;
    let window: number | undefined;
    let urgentPointer = 0;
    let options: ScriptOption[] | undefined = [];
    for (;;) {
      if (this.isWord('ack')) {
        this.i++;
        ack = this.integer('the acknowledgment number', MAX_U32);
      } else if (this.isWord('win')) {
        this.i++;
        window = this.integer('the window', 65535);
      } else if (this.isWord('urg')) {
        this.i++;
        urgentPointer = this.integer('the urgent pointer', 65535);
      } else break;
    }
    if (this.isPunct('<')) {
      this.i++;
      if (this.peek()?.k === 'ellipsis') {
        this.i++;
        options = undefined;
      } else {
        options = this.tcpOptions();
      }
      this.expectPunct('>', 'closing the TCP options');
    }
    if (options) {
      const bytes = options.reduce((n, o) => n + scriptOptionLength(o), 0);
      if (bytes % 4 !== 0) this.fail(`TCP options are not padded correctly to a multiple of 4 bytes: ${bytes % 4} excess bytes`, dirTok);
      if (bytes > 40) this.fail(`TCP options take ${bytes} bytes, more than the 40 a header holds`, dirTok);
    }
    if (direction === 'in' && window === undefined) this.fail('window must be specified for inbound packets', dirTok);
    return { direction, ecn, ip, flagsText, flags, start, end, length, ack, window, urgentPointer, options };
  }

  private tcpOptions(): ScriptOption[] {
    const out: ScriptOption[] = [];
    for (;;) {
      const t = this.peek();
      if (!t || t.k !== 'word') this.fail(`expected a TCP option (mss, wscale, sackOK, sack, TS, nop, eol, FO, FOEXP, md5), found ${tokenText(t)}`);
      this.i++;
      switch (t.v) {
        case 'nop':
          out.push({ kind: 'nop' });
          break;
        case 'eol':
          out.push({ kind: 'eol' });
          break;
        case 'mss':
          out.push({ kind: 'mss', value: this.integer('the MSS', 65535) });
          break;
        case 'wscale':
          out.push({ kind: 'wscale', value: this.integer('the window scale', 255) });
          break;
        case 'sackOK':
          out.push({ kind: 'sackOK' });
          break;
        case 'sack': {
          const blocks: Array<[number, number]> = [];
          while (this.peek()?.k === 'int' && this.isPunct(':', 1)) {
            const l = this.integer('a SACK block edge', MAX_U32);
            this.i++;
            const r = this.integer('a SACK block edge', MAX_U32);
            blocks.push([l, r]);
          }
          if (blocks.length === 0) this.fail('sack needs at least one block left:right');
          if (blocks.length > 4) this.fail('at most 4 SACK blocks fit in a header');
          out.push({ kind: 'sack', blocks });
          break;
        }
        case 'TS': {
          if (!this.isWord('val')) this.fail(`expected 'val' after TS, found ${tokenText(this.peek())}`);
          this.i++;
          const val = this.integer('the TS value', MAX_U32);
          if (!this.isWord('ecr')) this.fail(`expected 'ecr' in the TS option, found ${tokenText(this.peek())}`);
          this.i++;
          const ecr = this.integer('the TS echo reply', MAX_U32);
          out.push({ kind: 'TS', val, ecr });
          break;
        }
        case 'FO':
        case 'FOEXP': {
          // packetdrill takes any even number of hex digits up to its maximum (16 bytes for FO, and
          // for FOEXP), "to allow test cases that supply invalid cookies".
          const c = this.peek();
          let cookie: string | undefined;
          if (c && (c.k === 'word' || c.k === 'int')) {
            cookie = c.k === 'word' ? c.v : c.text;
            if (!/^[0-9a-fA-F]*$/.test(cookie) || cookie.length % 2 !== 0) this.fail(`Fast Open cookie '${cookie}' is not an even number of hex digits`, c);
            // Beyond RFC 7413's 16 bytes, as packetdrill allows, for scripts that send an invalid cookie
            // (the option still fits the 40 bytes of options).
            if (cookie.length > 2 * (t.v === 'FO' ? 36 : 34)) this.fail(`Fast Open cookie of ${cookie.length / 2} bytes does not fit in the options`, c);
            this.i++;
          }
          out.push({ kind: t.v, cookie });
          break;
        }
        case 'md5': {
          const c = this.peek();
          const digest = c && (c.k === 'word' || c.k === 'int' || c.k === 'hex') ? (c.k === 'word' ? c.v : c.text) : undefined;
          if (digest === undefined) this.fail(`expected the MD5 digest after md5, found ${tokenText(c)}`);
          this.i++;
          out.push({ kind: 'md5', digest });
          break;
        }
        default:
          this.fail(`unknown TCP option '${t.v}'`, t);
      }
      if (this.isPunct(',')) {
        this.i++;
        continue;
      }
      return out;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // System calls

  private syscall(time: EventTime): SyscallSpec {
    let endUs: number | undefined;
    if (this.peek()?.k === 'ellipsis') {
      this.i++;
      endUs = this.seconds('the end time of a blocking call');
      if (time.kind !== 'absolute' && time.kind !== 'relative') this.fail('a blocking call (start...end) needs a plain start time');
      if (endUs < time.us) this.fail('a blocking call cannot end before it starts');
    }
    const nameTok = this.peek();
    if (!nameTok || nameTok.k !== 'word') this.fail(`expected a system call name, found ${tokenText(nameTok)}`);
    this.i++;
    this.expectPunct('(', `after ${nameTok.v}`);
    const args: Expr[] = [];
    if (!this.isPunct(')')) {
      for (;;) {
        args.push(this.expression());
        if (this.isPunct(',')) {
          this.i++;
          continue;
        }
        break;
      }
    }
    this.expectPunct(')', `closing the arguments of ${nameTok.v}`);
    this.expectPunct('=', `and the expected result after ${nameTok.v}(...)`);
    const result = this.expression();
    let errno: string | undefined;
    let note: string | undefined;
    const e = this.peek();
    if (e?.k === 'word') {
      errno = e.v;
      this.i++;
    }
    if (this.isPunct('(')) note = this.note();
    return { name: nameTok.v, args, result, errno, note, endUs };
  }

  /** `( words... )` after a result: free text, kept for messages. */
  private note(): string {
    const open = this.peek();
    this.i++;
    const parts: string[] = [];
    let depth = 1;
    for (;;) {
      const t = this.peek();
      if (!t) this.fail('unterminated note ( ... ) after the result', open);
      this.i++;
      if (t.k === 'punct' && t.v === '(') depth++;
      if (t.k === 'punct' && t.v === ')' && --depth === 0) break;
      parts.push(tokenText(t));
    }
    return parts.join(' ');
  }

  /** `name = value` (in structures) binds looser than `a | b`. */
  private expression(): Expr {
    const left = this.orExpression();
    if (!this.isPunct('=')) return left;
    this.i++;
    return { kind: 'binary', op: '=', left, right: this.orExpression() };
  }

  private orExpression(): Expr {
    let left = this.primary();
    while (this.isPunct('|')) {
      this.i++;
      left = { kind: 'binary', op: '|', left, right: this.primary() };
    }
    return left;
  }

  private primary(): Expr {
    const t = this.peek();
    if (!t) this.fail('expected an expression');
    switch (t.k) {
      case 'ellipsis':
        this.i++;
        return { kind: 'ellipsis' };
      case 'int':
      case 'hex':
        this.i++;
        return { kind: 'int', value: t.v, text: t.text };
      case 'string':
        this.i++;
        if (this.peek()?.k === 'ellipsis') this.i++; // "abc"... : a prefix; the data is not compared
        return { kind: 'string', value: t.v };
      case 'word':
        this.i++;
        if (this.isPunct('(')) {
          this.i++;
          const args: Expr[] = [];
          if (!this.isPunct(')')) {
            for (;;) {
              args.push(this.expression());
              if (!this.isPunct(',')) break;
              this.i++;
            }
          }
          this.expectPunct(')', `closing ${t.v}(...)`);
          return { kind: 'call', name: t.v, args };
        }
        return { kind: 'word', name: t.v };
      case 'punct':
        if (t.v === '[' || t.v === '{') {
          const close = t.v === '[' ? ']' : '}';
          this.i++;
          const items: Expr[] = [];
          if (!this.isPunct(close)) {
            for (;;) {
              items.push(this.expression());
              if (!this.isPunct(',')) break;
              this.i++;
            }
          }
          this.expectPunct(close, `closing ${t.v}`);
          return t.v === '[' ? { kind: 'list', items } : { kind: 'struct', items };
        }
        break;
      default:
        break;
    }
    return this.fail(`expected an expression, found ${tokenText(t)}`);
  }
}

/** Bytes an option takes on the wire. */
export function scriptOptionLength(o: ScriptOption): number {
  switch (o.kind) {
    case 'nop':
    case 'eol':
      return 1;
    case 'mss':
      return 4;
    case 'wscale':
      return 3;
    case 'sackOK':
      return 2;
    case 'sack':
      return 2 + 8 * o.blocks.length;
    case 'TS':
      return 10;
    case 'FO':
      return 2 + (o.cookie ? o.cookie.length / 2 : 0);
    case 'FOEXP':
      return 4 + (o.cookie ? o.cookie.length / 2 : 0);
    case 'md5':
      return 18;
  }
}

/** An option list as packetdrill prints it. */
export function scriptOptionsText(options: ScriptOption[] | undefined): string {
  if (options === undefined) return '<...>';
  if (options.length === 0) return '';
  return (
    '<' +
    options
      .map((o) => {
        switch (o.kind) {
          case 'nop':
          case 'eol':
          case 'sackOK':
            return o.kind;
          case 'mss':
          case 'wscale':
            return `${o.kind} ${o.value}`;
          case 'sack':
            return 'sack ' + o.blocks.map(([l, r]) => `${l}:${r}`).join(' ');
          case 'TS':
            return `TS val ${o.val} ecr ${o.ecr}`;
          case 'FO':
          case 'FOEXP':
            return o.cookie ? `${o.kind} ${o.cookie}` : o.kind;
          case 'md5':
            return `md5 ${o.digest}`;
        }
      })
      .join(',') +
    '>'
  );
}

/** A script packet as packetdrill prints it: `S. 0:0(0) ack 1 win 65535 <mss 1460>`. */
/** IP fields as a script writes them: `[ect0]`, `(tos 0x10, ttl 64)`. */
export function ipInfoText(ecn: EcnMark | undefined, ip: IpAttributes): string {
  const f: string[] = [];
  if (ip.tos !== undefined) f.push(`tos 0x${ip.tos.toString(16)}`);
  if (ip.dscp !== undefined) f.push(`dscp 0x${ip.dscp.toString(16)}`);
  if (ecn && f.length) f.push(`ecn ${ecn}`);
  if (ip.flowLabel !== undefined) f.push(`flowlabel 0x${ip.flowLabel.toString(16)}`);
  if (ip.ttl !== undefined) f.push(`ttl ${ip.ttl}`);
  if (!f.length) return ecn ? `[${ecn}]` : '';
  return `(${f.join(', ')})`;
}

/** An ICMP line as packetdrill prints it: `< icmp unreachable port_unreachable [0:0(0)]`. */
export function icmpSpecText(p: IcmpSpec): string {
  const parts = [p.direction === 'in' ? '<' : '>'];
  const ip = ipInfoText(p.ecn, p.ip);
  if (ip) parts.push(ip);
  parts.push('icmp', p.typeName);
  if (p.codeName) parts.push(p.codeName);
  if (p.mtu !== undefined) parts.push(`mtu ${p.mtu}`);
  if (p.echoId !== undefined) parts.push(`id ${p.echoId}`);
  parts.push(p.echoed.protocol === 'tcp' ? `[${p.echoed.start}:${(p.echoed.start + p.echoed.length) >>> 0}(${p.echoed.length})]` : `[${p.echoed.text}]`);
  return parts.join(' ');
}

export function packetSpecText(p: PacketSpec): string {
  const parts = [p.direction === 'in' ? '<' : '>'];
  const ip = ipInfoText(p.ecn, p.ip);
  if (ip) parts.push(ip);
  parts.push(p.flagsText, `${p.start}:${p.end}(${p.length})`);
  if (p.ack !== undefined) parts.push(`ack ${p.ack}`);
  if (p.window !== undefined) parts.push(`win ${p.window}`);
  if (p.urgentPointer) parts.push(`urg ${p.urgentPointer}`);
  const o = scriptOptionsText(p.options);
  if (o) parts.push(o);
  return parts.join(' ');
}
