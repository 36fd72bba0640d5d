/**
 * What the address bar holds (DOM-free, tested from Node): everything needed to reproduce the run.
 *   ?scenario=NAME&seed=N&lang=ko&run=end
 *   ?sandbox&seed=N&link=delayMs=20,loss=0.05&a=0.listen.8&a=3.connect&a=40.send.3000
 * Each `a` is an action at its virtual time (whole ms): TIME.VERB[.ARGS]. Link settings equal to
 * the defaults are left out. Reading never throws: a part it cannot read is skipped and reported.
 */
import type { Action, LinkSettings, PageState, TimedAction } from '../model/types.js';
import { parseLang } from './i18n.js';

const LINK_KEYS: ReadonlyArray<keyof LinkSettings> = ['delayMs', 'jitterMs', 'loss', 'rateBps', 'queueBytes', 'mtu', 'reorder', 'duplicate'];
const COOKIES = new Set(['off', 'overflow', 'always']);

export function actionText(a: Action): string {
  switch (a.do) {
    case 'send': return `send.${a.bytes}`;
    case 'close': return `close.${a.side}`;
    case 'listen': return `listen.${a.backlog}`;
    case 'read': return `read.${a.on ? 1 : 0}`;
    case 'drop-next': return `drop-next.${a.dir === 'client>server' ? 'c2s' : 's2c'}`;
    case 'drop-in-flight': return `drop-in-flight.${a.id}`;
    case 'partition': return `partition.${a.ms}`;
    case 'link': return `link.${Object.entries(a.settings).map(([k, v]) => `${k}=${v}`).join(',')}`;
    case 'spoof-rst':
    case 'spoof-syn':
    case 'spoof-data': return `${a.do}.${a.exact ? 'exact' : 'guess'}`;
    case 'flood': return `flood.${a.count}.${a.cookies}`;
    default: return a.do;
  }
}

function int(s: string | undefined): number | undefined {
  if (s === undefined || !/^\d{1,15}$/.test(s)) return undefined;
  return Number(s);
}

function linkPart(s: string): Partial<LinkSettings> | undefined {
  const out: Partial<LinkSettings> = {};
  for (const kv of s.split(',')) {
    if (!kv) continue;
    const [k, v] = kv.split('=');
    if (!LINK_KEYS.includes(k as keyof LinkSettings) || v === undefined || v === '' || !Number.isFinite(Number(v))) return undefined;
    out[k as keyof LinkSettings] = Number(v);
  }
  return out;
}

export function parseAction(text: string): TimedAction | undefined {
  const m = /^(\d{1,12})\.([a-z-]+)(?:\.(.*))?$/.exec(text);
  if (!m) return undefined;
  const t = Number(m[1]);
  const verb = m[2]!;
  const rest = m[3];
  const args = rest?.split('.') ?? [];
  const at = (action: Action | undefined): TimedAction | undefined => (action ? { t, action } : undefined);
  switch (verb) {
    case 'connect':
    case 'shutdown':
    case 'abort':
    case 'accept':
      return rest === undefined ? at({ do: verb }) : undefined;
    case 'send': { const n = int(rest); return n === undefined ? undefined : at({ do: 'send', bytes: n }); }
    case 'listen': { const n = int(rest); return n === undefined ? undefined : at({ do: 'listen', backlog: n }); }
    case 'partition': { const n = int(rest); return n === undefined ? undefined : at({ do: 'partition', ms: n }); }
    case 'drop-in-flight': { const n = int(rest); return n === undefined ? undefined : at({ do: 'drop-in-flight', id: n }); }
    case 'close': return rest === 'client' || rest === 'server' ? at({ do: 'close', side: rest }) : undefined;
    case 'read': return rest === '1' || rest === '0' ? at({ do: 'read', on: rest === '1' }) : undefined;
    case 'drop-next': return rest === 'c2s' || rest === 's2c' ? at({ do: 'drop-next', dir: rest === 'c2s' ? 'client>server' : 'server>client' }) : undefined;
    case 'link': { const l = rest === undefined ? undefined : linkPart(rest); return l ? at({ do: 'link', settings: l }) : undefined; }
    case 'spoof-rst':
    case 'spoof-syn':
    case 'spoof-data': return rest === 'exact' || rest === 'guess' ? at({ do: verb, exact: rest === 'exact' }) : undefined;
    case 'flood': {
      const n = int(args[0]);
      const c = args[1];
      return n === undefined || args.length !== 2 || !COOKIES.has(c!) ? undefined : at({ do: 'flood', count: n, cookies: c as 'off' | 'overflow' | 'always' });
    }
    default: return undefined;
  }
}

export interface ParsedPage {
  state: PageState;
  /** For the sandbox: the virtual time the run had reached when shared (`t=`), to play to. */
  until?: number;
  /** Parts of the URL that could not be read (shown to the learner, never thrown). */
  skipped: string[];
}

export function parsePage(search: string, defaults: LinkSettings): ParsedPage {
  const p = new URLSearchParams(search);
  const lang = parseLang(p.get('lang'));
  const skipped: string[] = [];
  const seedText = p.get('seed');
  let seed = 1;
  if (seedText !== null) {
    const n = int(seedText);
    if (n === undefined || n > 0xffffffff) skipped.push(`seed=${seedText}`);
    else seed = n;
  }
  const runToEnd = p.get('run') === 'end';
  const scenario = p.get('scenario');
  if (p.has('sandbox')) {
    const link: LinkSettings = { ...defaults };
    const linkText = p.get('link');
    if (linkText !== null) {
      const l = linkPart(linkText);
      if (l) Object.assign(link, l);
      else skipped.push(`link=${linkText}`);
    }
    const actions: TimedAction[] = [];
    for (const a of p.getAll('a')) {
      const ta = parseAction(a);
      if (ta) actions.push(ta);
      else skipped.push(`a=${a}`);
    }
    const out: ParsedPage = { state: { view: 'sandbox', seed, lang, link, actions, runToEnd }, skipped };
    const tText = p.get('t');
    if (tText !== null) {
      const t = Number(tText);
      if (tText !== '' && Number.isFinite(t) && t >= 0) out.until = t;
      else skipped.push(`t=${tText}`);
    }
    return out;
  }
  if (scenario !== null) return { state: { view: 'scenario', scenario, seed, lang, runToEnd }, skipped };
  return { state: { view: 'home', lang }, skipped };
}

/** The query string (with its "?") for a page state; `defaults` are the link settings left out. */
export function pageQuery(s: PageState, defaults: LinkSettings, until?: number): string {
  const parts: string[] = [];
  const enc = encodeURIComponent;
  if (s.view === 'scenario') parts.push(`scenario=${enc(s.scenario)}`, `seed=${s.seed}`);
  if (s.view === 'sandbox') {
    parts.push('sandbox', `seed=${s.seed}`);
    const changed = LINK_KEYS.filter((k) => s.link[k] !== defaults[k]).map((k) => `${k}=${s.link[k]}`);
    if (changed.length) parts.push(`link=${enc(changed.join(','))}`);
    for (const a of s.actions) parts.push(`a=${enc(`${a.t}.${actionText(a.action)}`)}`);
    // Full precision: a rounded time could fall either side of an event.
    if (until !== undefined && until > 0) parts.push(`t=${until}`);
  }
  if (s.lang !== 'en') parts.push(`lang=${s.lang}`);
  if (s.view !== 'home' && s.runToEnd) parts.push('run=end');
  return parts.length ? `?${parts.join('&')}` : '';
}
