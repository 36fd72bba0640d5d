/**
 * The page's state in its URL, so that a link reproduces a run exactly:
 *
 *   ?scenario=handshake&seed=3&lang=ko&run=end    a demo scenario (seed 1, English, played step by step when left out)
 *   ?sandbox&seed=3&link=delay40_loss0.05&a=4:listen_8,11:connect,121:accept,131:send_2000
 *   ?lang=ko                                       the home page
 *
 * `link` lists the sliders that differ from the defaults (delay, jitter, loss, rate, queue, mtu,
 * reorder, dup); `a` the learner's actions, each `TIME:NAME[_ARG...]` (TIME in virtual ms):
 * connect, send_BYTES, shutdown, close_client, close_server, abort, listen_BACKLOG, accept, read_on,
 * read_off, drop-next_c2s, drop-next_s2c, drop_ID (a packet in flight), partition_MS,
 * link_delay40_loss0.1 (the sliders moved), spoof-rst_exact, spoof-rst_guess (and spoof-syn_,
 * spoof-data_), flood_COUNT_off|overflow|always. Only letters, digits and `.-_:,` are used, all of
 * which a query may hold unescaped (RFC 3986 §3.4).
 *
 * A URL is input from anyone: decoding never throws, and answers a value out of its bounds (see
 * limits.ts: at most 500 actions, 1 MiB per send, 2000 SYNs per flood, 10 minutes of partition, a
 * day of virtual time) with an error that names it.
 */
import { checkLinkSettings, DEFAULT_LINK_SETTINGS, LIMITS, LINK_RANGES } from './limits.js';
import type { Action, CookieMode, Lang, LinkSettings, PageState, TimedAction } from './types.js';

/** The URL's name for each slider. */
const LINK_KEYS: Array<[string, keyof LinkSettings]> = [
  ['delay', 'delayMs'],
  ['jitter', 'jitterMs'],
  ['loss', 'loss'],
  ['rate', 'rateBps'],
  ['queue', 'queueBytes'],
  ['mtu', 'mtu'],
  ['reorder', 'reorder'],
  ['dup', 'duplicate'],
];

export interface UrlError {
  error: string;
}

function num(n: number): string {
  // The shortest text that reads back as the same number, so that a replay is exact ("0.05";
  // "5e-7" below 1e-6; numbers in bounds never need "e+").
  return String(n);
}

function linkText(s: Partial<LinkSettings>, onlyChanged: boolean): string {
  const parts: string[] = [];
  for (const [name, key] of LINK_KEYS) {
    const v = s[key];
    if (v === undefined || (onlyChanged && v === DEFAULT_LINK_SETTINGS[key])) continue;
    parts.push(`${name}${num(v)}`);
  }
  return parts.join('_');
}

/** One action as the URL writes it (without its time). */
export function encodeAction(a: Action): string {
  switch (a.do) {
    case 'send':
      return `send_${a.bytes}`;
    case 'close':
      return `close_${a.side}`;
    case 'listen':
      return `listen_${a.backlog}`;
    case 'read':
      return `read_${a.on ? 'on' : 'off'}`;
    case 'drop-next':
      return `drop-next_${a.dir === 'client>server' ? 'c2s' : 's2c'}`;
    case 'drop-in-flight':
      return `drop_${a.id}`;
    case 'partition':
      return `partition_${a.ms}`;
    case 'link':
      return `link_${linkText(a.settings, false)}`;
    case 'spoof-rst':
    case 'spoof-syn':
    case 'spoof-data':
      return `${a.do}_${a.exact ? 'exact' : 'guess'}`;
    case 'flood':
      return `flood_${a.count}_${a.cookies}`;
    default:
      return a.do;
  }
}

/** The query string (with its "?") for a page state. */
export function encodePageState(state: PageState): string {
  const lang = state.lang === 'ko' ? '&lang=ko' : '';
  const end = state.view !== 'home' && state.runToEnd ? '&run=end' : '';
  switch (state.view) {
    case 'home':
      return state.lang === 'ko' ? '?lang=ko' : '?';
    case 'scenario':
      return `?scenario=${state.scenario}&seed=${state.seed}${lang}${end}`;
    case 'sandbox': {
      const link = linkText(state.link, true);
      const actions = state.actions.map((a) => `${num(a.t)}:${encodeAction(a.action)}`).join(',');
      return `?sandbox&seed=${state.seed}${link ? `&link=${link}` : ''}${actions ? `&a=${actions}` : ''}${lang}${end}`;
    }
  }
}

/** A number as `num` writes it (no sign, hex, Infinity or NaN; an exponent only below 1e-6). */
function parseNumber(s: string): number | undefined {
  if (!/^\d{1,16}(\.\d{1,25})?(e-\d{1,3})?$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

function parseInteger(s: string, min: number, max: number): number | undefined {
  const n = parseNumber(s);
  return n !== undefined && Number.isInteger(n) && n >= min && n <= max ? n : undefined;
}

/** "delay40_loss0.05" into settings; an error names what is wrong. */
function parseLink(text: string, where: string): Partial<LinkSettings> | UrlError {
  const out: Partial<LinkSettings> = {};
  if (text === '') return out;
  for (const part of text.split('_')) {
    const m = /^([a-z]+)(.*)$/.exec(part);
    const entry = m ? LINK_KEYS.find(([name]) => name === m[1]) : undefined;
    if (!m || !entry) return { error: `${where}: unknown link setting ${JSON.stringify(part)} (known: ${LINK_KEYS.map(([n]) => n).join(', ')})` };
    const v = parseNumber(m[2]);
    if (v === undefined) return { error: `${where}: ${m[1]} needs a number, got ${JSON.stringify(m[2])}` };
    out[entry[1]] = v;
  }
  const bad = checkLinkSettings(out);
  if (bad !== undefined) {
    const key = LINK_KEYS.find(([, k]) => bad.startsWith(k));
    const [min, max] = key ? LINK_RANGES[key[1]] : [0, 0];
    return { error: `${where}: ${key ? `${key[0]} must be in [${min}, ${max}]` : bad}` };
  }
  return out;
}

/** One action from its URL form; an error says which and why. */
export function decodeAction(text: string): Action | UrlError {
  const [name, ...args] = text.split('_');
  const arity = (n: number): UrlError | undefined => (args.length === n ? undefined : { error: `${name} takes ${n} argument${n === 1 ? '' : 's'}, got ${args.length}` });
  const int = (s: string, min: number, max: number, what: string): number | UrlError => parseInteger(s, min, max) ?? { error: `${name}: ${what} must be an integer in [${min}, ${max}], got ${JSON.stringify(s)}` };
  switch (name) {
    case 'connect':
    case 'shutdown':
    case 'abort':
    case 'accept':
      return arity(0) ?? { do: name };
    case 'send': {
      const bytes = arity(1) ?? int(args[0], 1, LIMITS.sendBytes, 'bytes');
      return typeof bytes === 'number' ? { do: 'send', bytes } : bytes;
    }
    case 'close':
      return arity(1) ?? (args[0] === 'client' || args[0] === 'server' ? { do: 'close', side: args[0] } : { error: `close: client or server, got ${JSON.stringify(args[0])}` });
    case 'listen': {
      const backlog = arity(1) ?? int(args[0], 0, LIMITS.backlog, 'backlog');
      return typeof backlog === 'number' ? { do: 'listen', backlog } : backlog;
    }
    case 'read':
      return arity(1) ?? (args[0] === 'on' || args[0] === 'off' ? { do: 'read', on: args[0] === 'on' } : { error: `read: on or off, got ${JSON.stringify(args[0])}` });
    case 'drop-next':
      return arity(1) ?? (args[0] === 'c2s' || args[0] === 's2c' ? { do: 'drop-next', dir: args[0] === 'c2s' ? 'client>server' : 'server>client' } : { error: `drop-next: c2s or s2c, got ${JSON.stringify(args[0])}` });
    case 'drop': {
      const id = arity(1) ?? int(args[0], 1, Number.MAX_SAFE_INTEGER, 'the packet id');
      return typeof id === 'number' ? { do: 'drop-in-flight', id } : id;
    }
    case 'partition': {
      const ms = arity(1) ?? int(args[0], 1, LIMITS.partitionMs, 'ms');
      return typeof ms === 'number' ? { do: 'partition', ms } : ms;
    }
    case 'link': {
      if (args.length === 0) return { error: 'link: which settings?' };
      const settings = parseLink(args.join('_'), 'link');
      return 'error' in settings ? (settings as UrlError) : { do: 'link', settings };
    }
    case 'spoof-rst':
    case 'spoof-syn':
    case 'spoof-data':
      return arity(1) ?? (args[0] === 'exact' || args[0] === 'guess' ? { do: name, exact: args[0] === 'exact' } : { error: `${name}: exact or guess, got ${JSON.stringify(args[0])}` });
    case 'flood': {
      const bad = arity(2);
      if (bad) return bad;
      const count = int(args[0], 1, LIMITS.floodCount, 'the count');
      if (typeof count !== 'number') return count;
      const cookies = args[1];
      if (cookies !== 'off' && cookies !== 'overflow' && cookies !== 'always') return { error: `flood: cookies off, overflow or always, got ${JSON.stringify(cookies)}` };
      return { do: 'flood', count, cookies: cookies as CookieMode };
    }
    default:
      return { error: `unknown action ${JSON.stringify(name.slice(0, 40))}` };
  }
}

function parseActions(text: string): TimedAction[] | UrlError {
  if (text === '') return [];
  const items = text.split(',');
  if (items.length > LIMITS.actions) return { error: `a: at most ${LIMITS.actions} actions, got ${items.length}` };
  const out: TimedAction[] = [];
  let last = 0;
  for (const [i, item] of items.entries()) {
    const colon = item.indexOf(':');
    if (colon < 0) return { error: `a: action ${i + 1} needs TIME:NAME, got ${JSON.stringify(item.slice(0, 40))}` };
    const t = parseNumber(item.slice(0, colon));
    if (t === undefined || t > LIMITS.actionTimeMs) return { error: `a: action ${i + 1}'s time must be a number of ms in [0, ${LIMITS.actionTimeMs}], got ${JSON.stringify(item.slice(0, colon).slice(0, 20))}` };
    if (t < last) return { error: `a: action ${i + 1} at ${t} ms comes before the one before it (${last} ms)` };
    last = t;
    const action = decodeAction(item.slice(colon + 1));
    if ('error' in action) return { error: `a: action ${i + 1}: ${action.error}` };
    out.push({ t, action });
  }
  return out;
}

/** The page state a query string asks for ("?..." or without the "?"), or what is wrong with it. */
export function decodePageState(search: string): PageState | UrlError {
  if (typeof search !== 'string') return { error: 'no query string' };
  if (search.length > 100_000) return { error: `the query is ${search.length} characters long; at most 100000` };
  let q: URLSearchParams;
  try {
    q = new URLSearchParams(search.startsWith('?') ? search.slice(1) : search);
  } catch {
    return { error: 'the query string does not parse' };
  }
  const langText = q.get('lang');
  if (langText !== null && langText !== 'en' && langText !== 'ko') return { error: `lang: en or ko, got ${JSON.stringify(langText.slice(0, 20))}` };
  const lang: Lang = langText === 'ko' ? 'ko' : 'en';
  const seedText = q.get('seed');
  let seed = 1;
  if (seedText !== null) {
    const s = /^-?\d{1,16}$/.test(seedText) ? Number(seedText) : Number.NaN;
    if (!Number.isSafeInteger(s)) return { error: `seed: an integer, got ${JSON.stringify(seedText.slice(0, 30))}` };
    seed = s;
  }
  const run = q.get('run');
  if (run !== null && run !== 'end') return { error: `run: only "end", got ${JSON.stringify(run.slice(0, 20))}` };
  const runToEnd = run === 'end';
  const scenario = q.get('scenario');
  const sandbox = q.has('sandbox');
  if (scenario !== null && sandbox) return { error: 'a URL opens a scenario or the sandbox, not both' };
  if (scenario !== null) {
    if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(scenario)) return { error: `scenario: a name of lowercase letters, digits and dashes, got ${JSON.stringify(scenario.slice(0, 40))}` };
    return { view: 'scenario', scenario, seed, lang, runToEnd };
  }
  if (sandbox) {
    const link = parseLink(q.get('link') ?? '', 'link');
    if ('error' in link) return link as UrlError;
    const actions = parseActions(q.get('a') ?? '');
    if ('error' in actions) return actions;
    return { view: 'sandbox', seed, lang, link: { ...DEFAULT_LINK_SETTINGS, ...link }, actions, runToEnd };
  }
  return { view: 'home', lang };
}
