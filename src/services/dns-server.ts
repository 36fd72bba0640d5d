/**
 * An authoritative DNS server (RFC 1035; AAAA from RFC 3596; EDNS0 from RFC 6891) for a few zones,
 * answering A, AAAA and PTR from a table of names and addresses, or from a user callback (which may
 * be async: a browser page can answer from DNS over HTTPS). Transport-free: `respond(query, transport)`
 * takes the bytes of one query and gives the bytes of the answer; `serveUdp` and the TCP framing
 * (`DnsTcpFramer`, two-byte length prefix, RFC 1035 §4.2.2 / RFC 7766) carry it.
 *
 * What it answers, in the order it decides:
 * - Fewer than 12 bytes, or a response (QR set): no answer at all (RFC 1035 §4.1.1; answering a
 *   response invites a loop). Counted as `dropped`.
 * - A message that does not decode, or a QUERY without exactly one question, or with two OPT
 *   records: FORMERR (RFC 1035 §4.1.1, RFC 6891 §6.1.1).
 * - An opcode other than QUERY: NOTIMP.
 * - A name below none of its zones: REFUSED (it is not a recursive resolver); the callback may also
 *   refuse.
 * - A name in a zone that it does not have: NXDOMAIN with the zone's SOA (RFC 2308 §3); a name it has
 *   with no record of the type asked: NOERROR with no answer ("NODATA", RFC 2308 §2.2).
 * - Over UDP, an answer longer than 512 bytes (or the EDNS0 size the query's OPT gives, RFC 6891
 *   §6.2.5) is cut to its header and question with TC set (RFC 2181 §9): the client asks over TCP.
 * Names compare without regard to case (RFC 4343); the answer repeats the question as asked.
 */
import { parseIp, type IpAddress } from '../wire/address.js';
import { decodeDns, DnsClass, DnsOpcode, DnsRcode, DnsType, encodeDns, reverseName, type DnsMessage, type DnsQuestion, type DnsRecord } from '../wire/dns.js';

/** What a callback says about a question: records (an answer), or one of the negative answers. */
export type DnsCallbackAnswer = DnsRecord[] | 'nxdomain' | 'nodata' | 'refused' | 'servfail' | undefined;
/** Asked for each question in the server's zones (or every question when it has no zones); undefined: ask the table. */
export type DnsCallback = (q: DnsQuestion, from?: { address: string; port: number }) => DnsCallbackAnswer | Promise<DnsCallbackAnswer>;

export interface DnsServerOptions {
  /** Zones answered for ("synack.test"); a reverse zone for each address in `hosts` is added. */
  zones?: string[];
  /** Names and their addresses ({ "www.synack.test": ["198.18.0.2", "2001:db8::2"] }); PTR records follow from them. */
  hosts?: Record<string, string[]>;
  callback?: DnsCallback;
  /** Seconds (default 60). */
  ttl?: number;
  /** Refuse every query (a server told to stop answering). */
  refuseAll?: boolean;
}

export interface DnsServerCounters {
  queries: number;
  answered: number;
  nxdomain: number;
  refused: number;
  formerr: number;
  notimp: number;
  truncated: number;
  /** Messages not answered (too short for a header, or responses). */
  dropped: number;
}

const UDP_LIMIT = 512;
const EDNS_MAX = 4096;

function normal(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

function under(name: string, zone: string): boolean {
  return zone === '' || name === zone || name.endsWith('.' + zone);
}

export class DnsServer {
  readonly counters: DnsServerCounters = { queries: 0, answered: 0, nxdomain: 0, refused: 0, formerr: 0, notimp: 0, truncated: 0, dropped: 0 };
  readonly zones: string[];
  refuseAll: boolean;
  private readonly records = new Map<string, DnsRecord[]>();
  private readonly callback: DnsCallback | undefined;
  private readonly ttl: number;

  constructor(opts: DnsServerOptions = {}) {
    this.ttl = opts.ttl ?? 60;
    this.callback = opts.callback;
    this.refuseAll = opts.refuseAll ?? false;
    this.zones = (opts.zones ?? []).map(normal);
    for (const [name, addrs] of Object.entries(opts.hosts ?? {})) for (const a of addrs) this.addHost(name, a);
  }

  /** Add a name with an address (A or AAAA by its family), and the PTR back; the reverse zone joins the zones. */
  addHost(name: string, address: string): void {
    const n = normal(name);
    const a: IpAddress | undefined = parseIp(address);
    if (a === undefined) throw new RangeError(`DnsServer: not an IP address for ${name}: ${address}`);
    const v4 = typeof a === 'number';
    this.add({ name: n, type: v4 ? DnsType.A : DnsType.AAAA, class: DnsClass.IN, ttl: this.ttl, data: v4 ? { kind: 'A', address: a } : { kind: 'AAAA', address: a } });
    const rev = reverseName(a);
    this.add({ name: rev, type: DnsType.PTR, class: DnsClass.IN, ttl: this.ttl, data: { kind: 'PTR', name: n } });
    const revZone = v4 ? 'in-addr.arpa' : 'ip6.arpa';
    if (!this.zones.includes(revZone)) this.zones.push(revZone);
    if (!this.zones.some((z) => under(n, z))) this.zones.push(n.split('.').slice(1).join('.') || n);
  }

  private add(r: DnsRecord): void {
    let list = this.records.get(r.name);
    if (!list) this.records.set(r.name, (list = []));
    list.push(r);
  }

  /**
   * The answer to one query (bytes of a DNS message), or undefined when none is due. Never throws on
   * bad input: what does not decode is a FORMERR or a drop.
   */
  async respond(query: Uint8Array, transport: 'udp' | 'tcp' = 'udp', from?: { address: string; port: number }): Promise<Uint8Array | undefined> {
    const c = this.counters;
    c.queries++;
    if (query.length < 12 || query[2] & 0x80) {
      c.dropped++;
      return undefined;
    }
    const id = (query[0] << 8) | query[1];
    const opcode = (query[2] >>> 3) & 0xf;
    const rd = (query[2] & 1) === 1;
    const m = decodeDns(query);
    if (!m.ok) return this.error(id, opcode, rd, DnsRcode.FORMERR, []);
    const opts = m.additionals.filter((r) => r.type === DnsType.OPT);
    if (m.opcode !== DnsOpcode.QUERY) return this.error(id, opcode, rd, DnsRcode.NOTIMP, m.questions, opts.length > 0);
    if (m.questions.length !== 1 || opts.length > 1) return this.error(id, opcode, rd, DnsRcode.FORMERR, m.questions, opts.length === 1);
    const edns = opts.length === 1;
    const limit = transport === 'tcp' ? 0xffff : edns ? Math.min(EDNS_MAX, Math.max(UDP_LIMIT, opts[0].class)) : UDP_LIMIT;
    const q = m.questions[0];
    const name = normal(q.name);
    const reply: DnsMessage = {
      id,
      response: true,
      opcode,
      authoritative: false,
      truncated: false,
      recursionDesired: rd,
      recursionAvailable: false,
      zero: false,
      authenticData: false,
      checkingDisabled: false,
      rcode: DnsRcode.NOERROR,
      questions: [q],
      answers: [],
      authorities: [],
      additionals: edns ? [optRecord()] : [],
    };
    const zone = this.zoneOf(name);
    let verdict: DnsCallbackAnswer;
    if (this.refuseAll) verdict = 'refused';
    else if (this.callback && (zone !== undefined || this.zones.length === 0)) {
      try {
        verdict = await this.callback(q, from);
      } catch {
        verdict = 'servfail';
      }
    }
    if (verdict === undefined) {
      if (zone === undefined) verdict = 'refused';
      else {
        const have = this.records.get(name);
        if (!have) verdict = 'nxdomain';
        else {
          const match = have.filter((r) => q.type === DnsType.ANY || r.type === q.type);
          verdict = match.length > 0 ? match : 'nodata';
        }
      }
    }
    if (Array.isArray(verdict)) {
      // The records answer the question as asked (its case kept).
      reply.answers = verdict.map((r) => (normal(r.name) === name ? { ...r, name: q.name } : r));
      reply.authoritative = zone !== undefined;
      c.answered++;
    } else if (verdict === 'refused') {
      reply.rcode = DnsRcode.REFUSED;
      c.refused++;
    } else if (verdict === 'servfail') {
      reply.rcode = DnsRcode.SERVFAIL;
    } else {
      reply.authoritative = true;
      if (verdict === 'nxdomain') {
        reply.rcode = DnsRcode.NXDOMAIN;
        c.nxdomain++;
      } else c.answered++;
      if (zone !== undefined) reply.authorities = [this.soa(zone)];
    }
    let bytes = encodeDns(reply);
    if (bytes.length > limit) {
      // RFC 2181 §9: a partial RRset is worse than none; the question alone, with TC.
      c.truncated++;
      bytes = encodeDns({ ...reply, truncated: true, answers: [], authorities: [] });
    }
    return bytes;
  }

  private zoneOf(name: string): string | undefined {
    let best: string | undefined;
    for (const z of this.zones) if (under(name, z) && (best === undefined || z.length > best.length)) best = z;
    return best;
  }

  private soa(zone: string): DnsRecord {
    const z = zone === '' ? '' : zone;
    return {
      name: z,
      type: DnsType.SOA,
      class: DnsClass.IN,
      ttl: this.ttl,
      data: { kind: 'SOA', mname: z === '' ? 'ns' : `ns.${z}`, rname: z === '' ? 'hostmaster' : `hostmaster.${z}`, serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: this.ttl },
    };
  }

  private error(id: number, opcode: number, rd: boolean, rcode: number, questions: DnsQuestion[], edns = false): Uint8Array {
    const c = this.counters;
    if (rcode === DnsRcode.FORMERR) c.formerr++;
    else if (rcode === DnsRcode.NOTIMP) c.notimp++;
    return encodeDns({ id, response: true, opcode, recursionDesired: rd, rcode, questions, additionals: edns ? [optRecord()] : [] });
  }
}

/** Our OPT pseudo-record: we take up to 4096 bytes over UDP (RFC 6891 §6.1.2: the class is the size). */
function optRecord(): DnsRecord {
  return { name: '', type: DnsType.OPT, class: EDNS_MAX, ttl: 0, data: { kind: 'raw', data: new Uint8Array(0) } };
}

/**
 * DNS over TCP's framing (RFC 1035 §4.2.2, RFC 7766 §8): each message after a two-byte length. Push
 * the stream's bytes in as they come; whole messages come out. `frame` makes the bytes to send.
 */
export class DnsTcpFramer {
  private buf = new Uint8Array(0);

  push(chunk: Uint8Array): Uint8Array[] {
    const joined = new Uint8Array(this.buf.length + chunk.length);
    joined.set(this.buf);
    joined.set(chunk, this.buf.length);
    const out: Uint8Array[] = [];
    let at = 0;
    while (joined.length - at >= 2) {
      const n = (joined[at] << 8) | joined[at + 1];
      if (joined.length - at - 2 < n) break;
      out.push(joined.slice(at + 2, at + 2 + n));
      at += 2 + n;
    }
    this.buf = joined.slice(at);
    return out;
  }

  /** Bytes held for a message not yet whole. */
  get pending(): number {
    return this.buf.length;
  }

  static frame(message: Uint8Array): Uint8Array {
    if (message.length > 0xffff) throw new RangeError(`DnsTcpFramer.frame: a message of ${message.length} bytes does not fit the 16-bit length`);
    const out = new Uint8Array(2 + message.length);
    out[0] = message.length >>> 8;
    out[1] = message.length & 0xff;
    out.set(message, 2);
    return out;
  }
}

/** "198.18.0.2" for an A record's data, and so on (for callbacks that build answers). */
export function dnsRecord(name: string, address: string, ttl = 60): DnsRecord {
  const a = parseIp(address);
  if (a === undefined) throw new RangeError(`dnsRecord: not an IP address: ${address}`);
  return typeof a === 'number'
    ? { name, type: DnsType.A, class: DnsClass.IN, ttl, data: { kind: 'A', address: a } }
    : { name, type: DnsType.AAAA, class: DnsClass.IN, ttl, data: { kind: 'AAAA', address: a } };
}
