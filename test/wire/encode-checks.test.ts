/**
 * The encoders check their arguments at the call: a header field that does not fit its bits throws a
 * TypeError (not a number, not bytes) or a RangeError (a number out of range) whose message names
 * the function, the field, the allowed range and the value. Before these checks a port of 70000 went
 * out as 4464, a window of 100000 as 34464, and a string address (or parseIp's undefined for bad
 * text) as 0.0.0.0. One test per class of field; then properties: every in-range value is accepted
 * and round-trips, every out-of-range one is refused, and a refused call writes nothing.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeTcpPacket,
  encodeIcmpPacket,
  encodeIpv4Header,
  encodeIpv6Header,
  encodePcap,
  encodePcapHeader,
  encodePcapRecord,
  encodeTcpHeader,
  encodeTcpOptions,
  encodeTcpPacket,
  parseIp,
  readCapture,
  TcpFlag,
  type TcpPacketSpec,
} from '../../src/wire/index.js';
import { Lab } from '../../src/trace/lab.js';

const V6A = parseIp('2001:db8::1') as Uint8Array;
const V6B = parseIp('2001:db8::2') as Uint8Array;

/** A valid IPv4 spec with `tcp` and `ip` fields replaced by the overrides (values may be anything). */
function spec4(tcp: Record<string, unknown> = {}, ip: Record<string, unknown> = {}): TcpPacketSpec {
  return {
    ip: { version: 4, src: 0xc6120001, dst: 0xc6120002, ...ip },
    tcp: { srcPort: 49152, dstPort: 80, seq: 1, ack: 0, flags: TcpFlag.SYN, window: 64240, urgentPointer: 0, ...tcp },
  } as TcpPacketSpec;
}

function spec6(ip: Record<string, unknown> = {}): TcpPacketSpec {
  return {
    ip: { version: 6, src: V6A, dst: V6B, ...ip },
    tcp: { srcPort: 49152, dstPort: 80, seq: 1, ack: 0, flags: TcpFlag.SYN, window: 64240, urgentPointer: 0 },
  } as TcpPacketSpec;
}

/**
 * Asserts that `fn` throws an error of `type` whose message names `field` (as written, e.g.
 * `tcp.srcPort`) and shows `shown` (the bad value as the message shows it).
 */
function refuses(fn: () => unknown, type: typeof TypeError | typeof RangeError, field: string, shown?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof type, `expected a ${type.name}, got ${String(e)}`);
    const m = (e as Error).message;
    assert.ok(m.includes(field), `message names ${field}: ${m}`);
    if (shown !== undefined) assert.ok(m.includes(`got ${shown}`), `message shows the value ${shown}: ${m}`);
    return true;
  });
}

describe('encodeTcpPacket refuses what does not fit, naming the field', () => {
  test('ports: 16 bits (70000 used to go out as 4464)', () => {
    refuses(() => encodeTcpPacket(spec4({ srcPort: 70000 })), RangeError, 'encodeTcpPacket: tcp.srcPort must be an integer in [0, 65535]', '70000');
    refuses(() => encodeTcpPacket(spec4({ dstPort: -1 })), RangeError, 'tcp.dstPort', '-1');
    refuses(() => encodeTcpPacket(spec4({ dstPort: 80.5 })), RangeError, 'tcp.dstPort', '80.5');
    refuses(() => encodeTcpPacket(spec4({ srcPort: '80' })), TypeError, 'tcp.srcPort', 'the string "80"');
    refuses(() => encodeTcpPacket(spec4({ srcPort: undefined })), TypeError, 'tcp.srcPort', 'undefined');
  });

  test('sequence and acknowledgment numbers: 32 bits, never reduced modulo 2^32 behind the caller', () => {
    refuses(() => encodeTcpPacket(spec4({ seq: 2 ** 32 })), RangeError, 'tcp.seq must be an integer in [0, 4294967295]', '4294967296');
    refuses(() => encodeTcpPacket(spec4({ seq: -1 })), RangeError, 'tcp.seq', '-1');
    refuses(() => encodeTcpPacket(spec4({ ack: NaN })), RangeError, 'tcp.ack', 'NaN');
  });

  test('window: the raw 16-bit field (100000 used to go out as 34464)', () => {
    refuses(() => encodeTcpPacket(spec4({ window: 100000 })), RangeError, 'tcp.window must be an integer in [0, 65535]', '100000 (the raw field, before window scaling)');
  });

  test('urgent pointer and checksum: 16 bits', () => {
    refuses(() => encodeTcpPacket(spec4({ urgentPointer: 65536 })), RangeError, 'tcp.urgentPointer', '65536');
    refuses(() => encodeTcpPacket({ ...spec4(), tcpChecksum: 0x10000 }), RangeError, 'tcpChecksum', '65536');
  });

  test('flags: 12 bits', () => {
    refuses(() => encodeTcpPacket(spec4({ flags: 0x1000 })), RangeError, 'tcp.flags must be a 12-bit integer in [0, 4095]', '4096');
    refuses(() => encodeTcpPacket(spec4({ flags: 'SYN' })), TypeError, 'tcp.flags');
  });

  test('option values: each fits its field', () => {
    const opt = (options: unknown) => () => encodeTcpPacket(spec4({ options }));
    refuses(opt({ mss: 70000 }), RangeError, 'tcp.options.mss', '70000');
    refuses(opt({ wscale: 256 }), RangeError, 'tcp.options.wscale', '256');
    refuses(opt({ timestamp: { value: 2 ** 32, echo: 0 } }), RangeError, 'tcp.options.timestamp.value', '4294967296');
    refuses(opt({ timestamp: { value: 0, echo: -1 } }), RangeError, 'tcp.options.timestamp.echo', '-1');
    refuses(opt({ timestamp: 5 }), TypeError, 'tcp.options.timestamp');
    refuses(opt({ sack: [[1, -2]] }), RangeError, 'tcp.options.sack[0][1]', '-2');
    refuses(opt({ sack: [[1, 2, 3]] }), TypeError, 'tcp.options.sack[0]');
    refuses(opt({ sack: [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]] }), RangeError, 'tcp.options.sack must hold at most 4 blocks');
    refuses(opt({ fastOpenCookie: 'abcd' }), TypeError, 'tcp.options.fastOpenCookie', 'the string "abcd"');
    refuses(opt({ unknown: [{ kind: 1, data: new Uint8Array(2) }] }), RangeError, 'tcp.options.unknown[0].kind must be an integer in [2, 255]', '1');
    refuses(opt({ unknown: [{ kind: 300, data: new Uint8Array(2) }] }), RangeError, 'tcp.options.unknown[0].kind', '300');
    refuses(opt({ unknown: [{ kind: 99, data: [1, 2] }] }), TypeError, 'tcp.options.unknown[0].data', 'an array of 2');
    refuses(opt({ order: [1, 1, 256] }), RangeError, 'tcp.options.order[2]', '256');
    refuses(opt('mss'), TypeError, 'tcp.options must be an object');
  });

  test('IPv4 addresses: a number in [0, 2^32); text is a TypeError pointing to parseIp', () => {
    refuses(() => encodeTcpPacket(spec4({}, { src: '198.18.0.1' })), TypeError, 'ip.src must be an IPv4 address as a number', 'the string "198.18.0.1" (turn text into an address with parseIp');
    // parseIp's answer for bad text, used unchecked, used to become 0.0.0.0.
    refuses(() => encodeTcpPacket(spec4({}, { dst: parseIp('300.1.1.1') })), TypeError, 'ip.dst', 'undefined (turn text into an address with parseIp, and check it for undefined)');
    refuses(() => encodeTcpPacket(spec4({}, { src: 2 ** 32 })), RangeError, 'ip.src', '4294967296');
    refuses(() => encodeTcpPacket(spec4({}, { src: V6A })), TypeError, 'ip.src', 'an IPv6 address (16 bytes) in an IPv4 header');
  });

  test('IPv6 addresses: 16 bytes', () => {
    refuses(() => encodeTcpPacket(spec6({ src: new Uint8Array(4) })), RangeError, 'ip.src must be an IPv6 address as a Uint8Array of 16 bytes', 'a Uint8Array of 4 bytes');
    refuses(() => encodeTcpPacket(spec6({ dst: 0x0a000001 })), TypeError, 'ip.dst', 'the IPv4 address 167772161 in an IPv6 header');
    refuses(() => encodeTcpPacket(spec6({ dst: '2001:db8::2' })), TypeError, 'ip.dst', 'the string "2001:db8::2" (turn text into an address with parseIp');
  });

  test('IP header fields: TTL, DSCP, ECN, identification, fragment offset, hop limit, flow label, version', () => {
    refuses(() => encodeTcpPacket(spec4({}, { ttl: 256 })), RangeError, 'ip.ttl', '256');
    refuses(() => encodeTcpPacket(spec4({}, { dscp: 64 })), RangeError, 'ip.dscp must be an integer in [0, 63]', '64');
    refuses(() => encodeTcpPacket(spec4({}, { ecn: 4 })), RangeError, 'ip.ecn must be an integer in [0, 3]', '4');
    refuses(() => encodeTcpPacket(spec4({}, { identification: 65536 })), RangeError, 'ip.identification', '65536');
    refuses(() => encodeTcpPacket(spec4({}, { fragmentOffset: 8192 })), RangeError, 'ip.fragmentOffset', '8192');
    refuses(() => encodeTcpPacket(spec4({}, { options: [0, 0, 0, 0] })), TypeError, 'ip.options', 'an array of 4');
    refuses(() => encodeTcpPacket(spec6({ hopLimit: -1 })), RangeError, 'ip.hopLimit', '-1');
    refuses(() => encodeTcpPacket(spec6({ flowLabel: 2 ** 20 })), RangeError, 'ip.flowLabel must be an integer in [0, 1048575]', '1048576');
    refuses(() => encodeTcpPacket(spec4({}, { version: 5 })), RangeError, 'ip.version must be 4 or 6', '5');
    refuses(() => encodeTcpPacket({ ...spec4(), payload: 'hello' } as unknown as TcpPacketSpec), TypeError, 'payload must be a Uint8Array');
    refuses(() => encodeTcpPacket(spec4(), [] as unknown as Uint8Array), TypeError, 'encodeTcpPacket: out must be a Uint8Array');
    refuses(() => encodeTcpPacket(spec4(), new Uint8Array(100), -1), RangeError, 'encodeTcpPacket: offset', '-1');
  });

  test('the edges of every range are accepted and come back as given', () => {
    const p = encodeTcpPacket(
      spec4(
        { srcPort: 65535, dstPort: 0, seq: 2 ** 32 - 1, ack: 0, flags: 0xfff, window: 65535, urgentPointer: 65535, options: { mss: 65535, wscale: 255, timestamp: { value: 2 ** 32 - 1, echo: 0 } } },
        { src: 0, dst: 2 ** 32 - 1, ttl: 255, dscp: 63, ecn: 3, identification: 65535 },
      ),
    );
    const d = decodeTcpPacket(p);
    assert.ok(d.ok);
    assert.deepEqual([d.tcp.srcPort, d.tcp.dstPort, d.tcp.seq, d.tcp.ack, d.tcp.flags, d.tcp.window, d.tcp.urgentPointer], [65535, 0, 2 ** 32 - 1, 0, 0xfff, 65535, 65535]);
    assert.deepEqual([d.tcp.options.mss, d.tcp.options.wscale, d.tcp.options.timestamp?.value], [65535, 255, 2 ** 32 - 1]);
    assert.ok(d.ip.version === 4);
    assert.deepEqual([d.ip.src, d.ip.dst, d.ip.ttl, d.ip.dscp, d.ip.ecn, d.ip.identification], [0, 2 ** 32 - 1, 255, 63, 3, 65535]);
  });
});

describe('the other encoders check at their own call', () => {
  test('encodeTcpHeader, encodeTcpOptions, encodeIpv4Header, encodeIpv6Header name themselves and the field', () => {
    const out = new Uint8Array(100);
    const fields = { srcPort: 1, dstPort: 2, seq: 0, ack: 0, flags: 0, window: 0, urgentPointer: 0 };
    refuses(() => encodeTcpHeader({ ...fields, srcPort: 70000 }, out), RangeError, 'encodeTcpHeader: srcPort', '70000');
    refuses(() => encodeTcpHeader({ ...fields, options: { mss: -1 } }, out), RangeError, 'encodeTcpHeader: options.mss', '-1');
    refuses(() => encodeTcpOptions({ wscale: 1.5 }, out, 0), RangeError, 'encodeTcpOptions: options.wscale', '1.5');
    refuses(() => encodeIpv4Header({ src: '10.0.0.1' as unknown as number, dst: 1 }, 0, out), TypeError, 'encodeIpv4Header: src', 'the string "10.0.0.1"');
    refuses(() => encodeIpv4Header({ src: 1, dst: 2, protocol: 256 }, 0, out), RangeError, 'encodeIpv4Header: protocol', '256');
    refuses(() => encodeIpv6Header({ src: V6A, dst: V6B, nextHeader: 300, extensionHeaders: new Uint8Array(8) }, 0, out), RangeError, 'encodeIpv6Header: nextHeader', '300');
  });

  test('a buffer too short for the header is a RangeError (a typed array drops writes past its end silently)', () => {
    const fields = { srcPort: 1, dstPort: 2, seq: 0, ack: 0, flags: 0, window: 0, urgentPointer: 0, options: { mss: 1460 } };
    refuses(() => encodeTcpHeader(fields, new Uint8Array(23)), RangeError, 'encodeTcpHeader: out has 23 bytes, too few for 24 bytes of the header at offset 0');
    refuses(() => encodeTcpHeader(fields, new Uint8Array(30), 8), RangeError, 'too few for 24 bytes of the header at offset 8');
    refuses(() => encodeTcpOptions({ mss: 1460 }, new Uint8Array(3), 0), RangeError, 'encodeTcpOptions: out has 3 bytes, too few for 4 bytes of the options');
    refuses(() => encodeIpv4Header({ src: 1, dst: 2 }, 0, new Uint8Array(19)), RangeError, 'encodeIpv4Header: out has 19 bytes, too few for 20');
    refuses(() => encodeIpv6Header({ src: V6A, dst: V6B }, 0, new Uint8Array(40), 1), RangeError, 'encodeIpv6Header: out has 40 bytes, too few for 40 bytes of the header at offset 1');
    assert.equal(encodeTcpHeader(fields, new Uint8Array(24)), 24);
  });

  test('encodeIcmpPacket: addresses, type, code, rest', () => {
    const ok = { src: 1, dst: 2, type: 3, code: 4, rest: 0, body: new Uint8Array(8) };
    assert.equal(encodeIcmpPacket(ok).length, 36);
    refuses(() => encodeIcmpPacket({ ...ok, type: 256 }), RangeError, 'encodeIcmpPacket: type', '256');
    refuses(() => encodeIcmpPacket({ ...ok, code: -1 }), RangeError, 'encodeIcmpPacket: code', '-1');
    refuses(() => encodeIcmpPacket({ ...ok, rest: 2 ** 32 }), RangeError, 'encodeIcmpPacket: rest', '4294967296');
    refuses(() => encodeIcmpPacket({ ...ok, dst: V6A }), TypeError, 'encodeIcmpPacket: dst', 'an IPv6 address (16 bytes) in an IPv4 header');
    refuses(() => encodeIcmpPacket({ ...ok, body: 'x' as unknown as Uint8Array }), TypeError, 'encodeIcmpPacket: body');
  });

  test('encodePcap of something that is not a packet record: a TypeError at the call, naming the index', () => {
    refuses(() => encodePcap([new Uint8Array(20)] as unknown as { data: Uint8Array; timeMs: number }[]), TypeError, 'encodePcap: packets[0] must be a { data: Uint8Array, timeMs: number } record', 'a bare Uint8Array of 20 bytes');
    refuses(() => encodePcap([{ data: new Uint8Array(1), timeMs: 0 }, { data: 'x', timeMs: 0 }] as unknown as { data: Uint8Array; timeMs: number }[]), TypeError, 'encodePcap: packets[1].data', 'the string "x"');
    refuses(() => encodePcap([{ data: new Uint8Array(1), timeMs: NaN }]), RangeError, 'encodePcap: packets[0].timeMs', 'NaN');
    refuses(() => encodePcap(new Uint8Array(20) as unknown as { data: Uint8Array; timeMs: number }[]), TypeError, 'encodePcap: packets must be an array');
    refuses(() => encodePcap([], -1), RangeError, 'encodePcap: linkType', '-1');
    refuses(() => encodePcapHeader(70000), RangeError, 'encodePcapHeader: linkType', '70000');
    refuses(() => encodePcapRecord(new Uint8Array(1), Infinity), RangeError, 'encodePcapRecord: timeMs', 'Infinity');
    // What is valid still makes a file that reads back.
    const file = encodePcap([{ data: new Uint8Array([0x45]), timeMs: 1.5 }]);
    const c = readCapture(file);
    assert.ok(c.ok);
    assert.equal(c.records.length, 1);
  });

  test('parseIp stays a parser (undefined for bad text); Lab.inject says which text was bad', () => {
    assert.equal(parseIp('300.1.1.1'), undefined);
    // Not text at all (an options object's host left a number, say): still undefined, not a throw from inside.
    assert.equal(parseIp(42 as unknown as string), undefined);
    assert.equal(parseIp(undefined as unknown as string), undefined);
    const lab = new Lab({ seed: 1, lang: 'en' });
    assert.throws(
      () => lab.inject(lab.client, { src: '300.1.1.1', dst: '198.18.0.2', srcPort: 1, dstPort: 80, seq: 0, flags: TcpFlag.SYN }, 'bad'),
      (e: unknown) => e instanceof RangeError && /Lab\.inject: src is not an IP address: "300\.1\.1\.1"/.test(e.message),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Properties (fixed seeds; fast-check prints the seed and the counterexample when one fails).
// ---------------------------------------------------------------------------------------------

const cfg = (seed: number, numRuns = 200) => ({ seed, numRuns });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 2 ** 32 - 1 });
const bytes16 = fc.uint8Array({ minLength: 16, maxLength: 16 });

const optionsArb = fc.record(
  {
    mss: u16,
    wscale: fc.integer({ min: 0, max: 14 }),
    sackPermitted: fc.constant(true),
    timestamp: fc.record({ value: u32, echo: u32 }),
  },
  { requiredKeys: [] },
);

const tcpArb = fc.record({
  srcPort: u16,
  dstPort: u16,
  seq: u32,
  ack: u32,
  flags: fc.integer({ min: 0, max: 0xfff }),
  window: u16,
  urgentPointer: u16,
  options: optionsArb,
});

const ipArb = fc.oneof(
  fc.record({ version: fc.constant(4 as const), src: u32, dst: u32, ttl: fc.integer({ min: 0, max: 255 }), ecn: fc.integer({ min: 0, max: 3 }), identification: u16 }),
  fc.record({ version: fc.constant(6 as const), src: bytes16, dst: bytes16, hopLimit: fc.integer({ min: 0, max: 255 }), flowLabel: fc.integer({ min: 0, max: 0xfffff }) }),
);

describe('properties', () => {
  test('every in-range spec encodes without complaint and decodes to the same fields', () => {
    fc.assert(
      fc.property(ipArb, tcpArb, fc.uint8Array({ maxLength: 64 }), (ip, tcp, payload) => {
        const p = encodeTcpPacket({ ip, tcp, payload });
        const d = decodeTcpPacket(p);
        assert.ok(d.ok);
        for (const k of ['srcPort', 'dstPort', 'seq', 'ack', 'flags', 'window', 'urgentPointer'] as const) assert.equal(d.tcp[k], tcp[k], k);
        assert.equal(d.tcp.options.mss, tcp.options.mss);
        assert.equal(d.tcp.options.wscale, tcp.options.wscale);
        assert.equal(d.tcp.options.timestamp?.value, tcp.options.timestamp?.value);
        assert.equal(d.tcp.options.timestamp?.echo, tcp.options.timestamp?.echo);
        assert.deepEqual(d.ip.src, ip.src);
        assert.deepEqual(d.ip.dst, ip.dst);
        assert.deepEqual(d.tcp.payload, payload);
      }),
      cfg(0x1301),
    );
  });

  const outside16 = fc.oneof(fc.integer({ min: 0x10000, max: 2 ** 40 }), fc.integer({ min: -(2 ** 40), max: -1 }), fc.double({ min: 0.001, max: 65534.999, noInteger: true }));
  const outside32 = fc.oneof(fc.integer({ min: 2 ** 32, max: 2 ** 50 }), fc.integer({ min: -(2 ** 50), max: -1 }), fc.constant(NaN), fc.constant(Infinity));
  const field16 = fc.constantFrom('srcPort', 'dstPort', 'window', 'urgentPointer');
  const field32 = fc.constantFrom('seq', 'ack');

  test('every out-of-range 16- or 32-bit field is refused with a RangeError naming it, and nothing is written', () => {
    fc.assert(
      fc.property(fc.oneof(fc.tuple(field16, outside16), fc.tuple(field32, outside32)), ([field, value]) => {
        const out = new Uint8Array(100);
        assert.throws(
          () => encodeTcpPacket(spec4({ [field]: value }), out),
          (e: unknown) => e instanceof RangeError && e.message.includes(`tcp.${field} must be`) && e.message.includes(`got ${value}`),
        );
        assert.ok(out.every((b) => b === 0), 'a refused call writes nothing');
      }),
      cfg(0x1302),
    );
  });
});
