/**
 * TCP Fast Open (RFC 7413), rule by rule, between two stacks on a wire with a one-way latency of
 * 10 ms (an RTT of 20 ms): client a (198.18.0.1) and server b (198.18.0.2, port 80).
 *
 * Worked out by hand from the RFC:
 * - §4.1.1: a cookie request is the option with no cookie (kind 34, length 2); a cookie is 4 to 16
 *   bytes. Linux, and synack, make 8-byte cookies.
 * - §4.1.2: the server's cookie is a keyed function of the client's address. Linux's, which synack
 *   uses, is SipHash-2-4 of (client address, server address) under the 16-byte key, written
 *   little-endian; the vector below is the one Linux's own Fast Open tests use (key
 *   a0bf63f7-ed803d81-cd641d30-cebc4a90 as TCP_FASTOPEN_KEY bytes, client 10.248.0.2, server
 *   192.168.0.2: cookie 00abaaabe8e954c2).
 * - §4.2.2: SYN data with a valid cookie is acknowledged by the SYN-ACK (SEG.ACK = client ISN + 1 +
 *   data length) and handed to the application before the handshake completes, so the server can
 *   answer at t = 10 ms and the client has the answer at t = 20 ms: one RTT, not two.
 * - §4.2.1: a SYN-ACK acknowledging only the SYN (ISN + 1) means the data must go again after it.
 * - §4.1.3: a SYN with data that times out (initial RTO 1 s) is sent again without data, and the
 *   path is remembered so the next connection sends a plain SYN.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FastOpenKeys } from '../../src/stack/fast-open.js';
import { decodeTcpHeader, seqAdd, TcpFlag, TcpOptionKind, encodeTcpOptions, decodeTcpOptions, type TcpPacket } from '../../src/wire/index.js';
import { formatConnections, listConnections } from '../../src/stack/listing.js';
import { A4, A6, B4, B6, addr, bytesOf, newStack, tcpPacket, textOf, Wire } from './helpers.js';
import type { Stack, StackOptions } from '../../src/stack/stack.js';

const KEY1 = new Uint8Array(16).fill(1);
const KEY2 = new Uint8Array(16).fill(2);
const KEY3 = new Uint8Array(16).fill(3);
const hex = (b: Uint8Array | undefined): string => (b === undefined ? 'none' : Buffer.from(b).toString('hex'));

function pair(o: { server?: Partial<StackOptions>; client?: Partial<StackOptions>; queue?: number } = {}) {
  const a = newStack([A4], 11, o.client);
  const b = newStack([B4], 12, { fastOpen: { keys: [KEY1] }, ...o.server });
  const wire = new Wire([a, b]);
  wire.latency = 10;
  const listener = b.listen(80, { fastOpen: o.queue ?? 16 });
  return { a, b, wire, listener };
}

/** The TCP segments `from` sent, with the time each left. */
function sent(wire: Wire, from: Stack, since = 0): Array<{ t: number; p: TcpPacket }> {
  const out: Array<{ t: number; p: TcpPacket }> = [];
  for (const l of wire.log) {
    if (l.from !== from || l.t < since) continue;
    const p = wire.tcpFrom(from, l.t).find((x) => x.bytes === l.bytes);
    if (p) out.push({ t: l.t, p });
  }
  return out;
}

const isSyn = (p: TcpPacket) => (p.tcp.flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN;
const isSynAck = (p: TcpPacket) => (p.tcp.flags & (TcpFlag.SYN | TcpFlag.ACK)) === (TcpFlag.SYN | TcpFlag.ACK);

/** A first connection asks for a cookie (and is accepted at the server); returns the cookie as the client cached it. */
function warm(a: Stack, b: Stack, wire: Wire): Uint8Array {
  const c = a.connect({ address: B4, port: 80 }, wire.now, { fastOpen: true });
  wire.run(wire.now + 100);
  assert.equal(c.state, 'ESTABLISHED');
  assert.ok([...b.listenersList()].find((l) => l.port === 80)!.accept());
  const cookie = a.fastOpenCache.get(addr(B4))?.cookie;
  assert.ok(cookie, 'a cookie was cached');
  return cookie;
}

test('the server cookie is Linux\'s: SipHash-2-4 of client and server address under the key, little-endian', () => {
  const key = Uint8Array.from([0xf7, 0x63, 0xbf, 0xa0, 0x81, 0x3d, 0x80, 0xed, 0x30, 0x1d, 0x64, 0xcd, 0x90, 0x4a, 0xbc, 0xce]);
  const k = new FastOpenKeys(key);
  assert.equal(hex(k.cookie(addr('10.248.0.2'), addr('192.168.0.2'))), '00abaaabe8e954c2');
  assert.equal(hex(k.cookie(addr('10.248.0.3'), addr('192.168.0.2'))), '1313a2da994a0951');
  assert.equal(k.check(Uint8Array.from(Buffer.from('00abaaabe8e954c2', 'hex')), addr('10.248.0.2'), addr('192.168.0.2')), 'primary');
  assert.equal(k.check(Uint8Array.from(Buffer.from('00abaaabe8e954c2', 'hex')), addr('10.248.0.3'), addr('192.168.0.2')), undefined);
});

test('the experimental option (kind 254, magic 0xF989) is read as Fast Open and written back in its own form', () => {
  // 254, length 12, F9 89, 8-byte cookie.
  const bytes = Uint8Array.from([254, 12, 0xf9, 0x89, 1, 2, 3, 4, 5, 6, 7, 8]);
  const o = decodeTcpOptions(bytes, 0, bytes.length);
  assert.ok(!('ok' in o));
  assert.equal(hex(o.fastOpenCookie), '0102030405060708');
  assert.equal(o.fastOpenExp, true);
  const out = new Uint8Array(12);
  encodeTcpOptions({ fastOpenCookie: o.fastOpenCookie, fastOpenExp: true }, out, 0);
  assert.deepEqual([...out], [...bytes]);
  // A request: 254, length 4, magic; another magic is not Fast Open.
  const req = decodeTcpOptions(Uint8Array.from([254, 4, 0xf9, 0x89]), 0, 4);
  assert.ok(!('ok' in req) && req.fastOpenCookie?.length === 0 && req.fastOpenExp === true);
  const other = decodeTcpOptions(Uint8Array.from([254, 4, 0x12, 0x34]), 0, 4);
  assert.ok(!('ok' in other) && other.fastOpenCookie === undefined && other.unknown?.[0].kind === 254);
  // Kind 34 of length 2 is padded with two NOPs, as Linux writes it.
  const padded = new Uint8Array(4);
  assert.equal(encodeTcpOptions({ fastOpenCookie: new Uint8Array(0) }, padded, 0), 4);
  assert.deepEqual([...padded], [TcpOptionKind.FAST_OPEN, 2, 1, 1]);
});

test('cookie request and grant: the SYN asks (no data), the SYN-ACK carries the cookie, the client caches it', () => {
  const { a, b, wire } = pair();
  const c = a.connect({ address: B4, port: 80 }, 0, { fastOpen: true });
  c.send(bytesOf('GET /'), 0);
  wire.run(100);
  const syn = sent(wire, a).find((x) => isSyn(x.p))!.p;
  assert.equal(syn.tcp.options.fastOpenCookie?.length, 0, 'a cookie request');
  assert.equal(syn.payloadLength, 0, 'no data without a cookie');
  const synAck = sent(wire, b).find((x) => isSynAck(x.p))!.p;
  const expected = new FastOpenKeys(KEY1).cookie(addr(A4), addr(B4));
  assert.equal(hex(synAck.tcp.options.fastOpenCookie), hex(expected));
  assert.equal(synAck.tcp.ack, seqAdd(syn.tcp.seq, 1));
  assert.equal(hex(a.fastOpenCache.get(addr(B4))?.cookie), hex(expected));
  assert.equal(a.fastOpenCache.get(addr(B4))?.mss, 1460);
  assert.equal(b.counters.tcp.TCPFastOpenCookieReqd, 1);
  assert.equal(b.counters.tcp.TCPFastOpenPassive, 0);
  assert.equal(c.state, 'ESTABLISHED');
});

test('data with a valid cookie: acknowledged by the SYN-ACK, delivered before ESTABLISHED, answered within one RTT', () => {
  const { a, b, wire, listener } = pair();
  warm(a, b, wire);
  const t0 = wire.now;
  const c = a.connect({ address: B4, port: 80 }, t0, { fastOpen: true });
  c.send(bytesOf('GET / HTTP/1.0\r\n\r\n'), t0);
  // The SYN reaches b at t0 + 10: the child is in the accept queue with the request readable.
  wire.run(t0 + 10);
  const s = listener.accept();
  assert.ok(s, 'the child is accepted before the handshake completes');
  assert.equal(s.state, 'SYN-RECEIVED');
  assert.equal(textOf(s.read(undefined, wire.now)), 'GET / HTTP/1.0\r\n\r\n');
  s.send(bytesOf('HTTP/1.0 200 OK\r\n\r\nhi'), wire.now);
  wire.run(t0 + 20);
  // The SYN-ACK and the response left b at t0 + 10, both before the client's ACK could arrive.
  const fromB = sent(wire, b, t0);
  assert.equal(fromB[0].t, t0 + 10);
  assert.ok(isSynAck(fromB[0].p));
  const syn = sent(wire, a, t0).find((x) => isSyn(x.p))!.p;
  assert.equal(syn.payloadLength, 18, 'the request rode on the SYN');
  assert.equal(fromB[0].p.tcp.ack, seqAdd(syn.tcp.seq, 1 + 18), 'SYN-ACK acknowledges the SYN and its data');
  assert.equal(fromB[0].p.tcp.options.fastOpenCookie, undefined, 'no cookie back for a valid one');
  assert.equal(fromB[1].t, t0 + 10);
  assert.equal(fromB[1].p.payloadLength, 21, 'the response went before the handshake completed');
  // The client has the response one RTT after its SYN.
  assert.equal(textOf(c.read(undefined, wire.now)), 'HTTP/1.0 200 OK\r\n\r\nhi');
  assert.equal(c.state, 'ESTABLISHED');
  wire.run(t0 + 100);
  assert.equal(s.state, 'ESTABLISHED');
  assert.equal(b.counters.tcp.TCPFastOpenPassive, 1);
  assert.equal(a.counters.tcp.TCPFastOpenActive, 1);
  assert.equal(listener.fastOpenPending, 0, 'the child left the pending queue when established');
  // The request was sent once: no retransmission.
  assert.equal(a.counters.tcp.RetransSegs, 0);
});

test('an invalid (stale) cookie: the SYN-ACK acknowledges only the SYN and carries a fresh cookie; the data goes again, once', () => {
  const { a, b, wire, listener } = pair();
  warm(a, b, wire);
  // The server's keys change twice: the cached cookie is neither the primary's nor the backup's.
  b.setFastOpenKeys(KEY2);
  b.setFastOpenKeys(KEY3);
  const t0 = wire.now;
  const c = a.connect({ address: B4, port: 80 }, t0, { fastOpen: true });
  c.send(bytesOf('hello'), t0);
  wire.run(t0 + 100);
  const syn = sent(wire, a, t0).find((x) => isSyn(x.p))!.p;
  assert.equal(syn.payloadLength, 5);
  const synAck = sent(wire, b, t0).find((x) => isSynAck(x.p))!.p;
  assert.equal(synAck.tcp.ack, seqAdd(syn.tcp.seq, 1), 'only the SYN is acknowledged');
  const fresh = new FastOpenKeys(KEY3).cookie(addr(A4), addr(B4));
  assert.equal(hex(synAck.tcp.options.fastOpenCookie), hex(fresh));
  assert.equal(hex(a.fastOpenCache.get(addr(B4))?.cookie), hex(fresh), 'the client caches the fresh cookie');
  const again = sent(wire, a, t0).filter((x) => !isSyn(x.p) && x.p.payloadLength > 0);
  assert.equal(again.length, 1, 'the data went again after the handshake');
  assert.equal(again[0].p.tcp.seq, seqAdd(syn.tcp.seq, 1));
  const s = listener.accept()!;
  assert.equal(textOf(s.read(undefined, wire.now)), 'hello', 'delivered once');
  assert.equal(b.counters.tcp.TCPFastOpenPassiveFail, 1);
  assert.equal(a.counters.tcp.TCPFastOpenActiveFail, 1);
});

test('a SYN-ACK acknowledging only the SYN (a listener without Fast Open): the data goes again after the handshake', () => {
  const { a, b, wire } = pair();
  warm(a, b, wire);
  const l81 = b.listen(81); // no fastOpen queue
  const t0 = wire.now;
  // The cookie is per server address: the same cookie goes to port 81, which ignores it.
  const c = a.connect({ address: B4, port: 81 }, t0, { fastOpen: true });
  c.send(bytesOf('x'.repeat(300)), t0);
  wire.run(t0 + 200);
  const syn = sent(wire, a, t0).find((x) => isSyn(x.p))!.p;
  assert.equal(syn.payloadLength, 300);
  const synAck = sent(wire, b, t0).find((x) => isSynAck(x.p))!.p;
  assert.equal(synAck.tcp.ack, seqAdd(syn.tcp.seq, 1));
  assert.equal(synAck.tcp.options.fastOpenCookie, undefined);
  const s = l81.accept()!;
  assert.equal(textOf(s.read(undefined, wire.now)), 'x'.repeat(300));
  assert.equal(c.tcb.sendBuffer.length, 0, 'all acknowledged in the end');
  assert.equal(a.counters.tcp.TCPFastOpenActiveFail, 1);
});

test('the pending Fast Open queue (max_qlen): beyond it SYN data is ignored and the handshake is a plain one', () => {
  const { a, b, wire, listener } = pair({ queue: 1 });
  warm(a, b, wire);
  const t0 = wire.now;
  const c1 = a.connect({ address: B4, port: 80 }, t0, { fastOpen: true });
  c1.send(bytesOf('one'), t0);
  const c2 = a.connect({ address: B4, port: 80 }, t0, { fastOpen: true });
  c2.send(bytesOf('two'), t0);
  wire.run(t0 + 10); // both SYNs arrive before either handshake completes
  assert.equal(listener.fastOpenPending, 1);
  assert.equal(b.counters.tcp.TCPFastOpenPassive, 1);
  assert.equal(b.counters.tcp.TCPFastOpenListenOverflow, 1);
  const synAcks = sent(wire, b, t0).filter((x) => isSynAck(x.p)).map((x) => x.p);
  const syns = sent(wire, a, t0).filter((x) => isSyn(x.p)).map((x) => x.p);
  assert.equal(synAcks[0].tcp.ack, seqAdd(syns[0].tcp.seq, 4), 'the first SYN data taken');
  assert.equal(synAcks[1].tcp.ack, seqAdd(syns[1].tcp.seq, 1), 'the second only the SYN');
  wire.run(t0 + 200);
  assert.equal(c1.state, 'ESTABLISHED');
  assert.equal(c2.state, 'ESTABLISHED');
  assert.equal(listener.fastOpenPending, 0);
  const got = [listener.accept(), listener.accept()].map((s) => textOf(s!.read(undefined, wire.now))).sort();
  assert.deepEqual(got, ['one', 'two']);
});

test('key rotation: a cookie under the backup key is accepted and answered with a fresh one under the primary', () => {
  const { a, b, wire, listener } = pair();
  const old = warm(a, b, wire);
  b.setFastOpenKeys(KEY2); // KEY1 becomes the backup
  const t0 = wire.now;
  const c = a.connect({ address: B4, port: 80 }, t0, { fastOpen: true });
  c.send(bytesOf('rotated'), t0);
  wire.run(t0 + 100);
  const syn = sent(wire, a, t0).find((x) => isSyn(x.p))!.p;
  assert.equal(hex(syn.tcp.options.fastOpenCookie), hex(old));
  const synAck = sent(wire, b, t0).find((x) => isSynAck(x.p))!.p;
  assert.equal(synAck.tcp.ack, seqAdd(syn.tcp.seq, 1 + 7), 'the data was taken under the backup key');
  const fresh = new FastOpenKeys(KEY2).cookie(addr(A4), addr(B4));
  assert.equal(hex(synAck.tcp.options.fastOpenCookie), hex(fresh));
  assert.equal(hex(a.fastOpenCache.get(addr(B4))?.cookie), hex(fresh));
  assert.equal(textOf(listener.accept()!.read(undefined, wire.now)), 'rotated');
  assert.equal(b.counters.tcp.TCPFastOpenPassive, 1);
  assert.equal(b.counters.tcp.TCPFastOpenPassiveFail, 0);
});

test('SYN-data timeout: the SYN goes again without data, the path is marked, and the next connection sends a plain SYN', () => {
  const { a, b, wire, listener } = pair();
  warm(a, b, wire);
  // A middlebox that drops SYNs carrying data.
  wire.drop = (_from, bytes) => {
    const h = decodeTcpHeader(bytes, 20);
    return h.ok && (h.flags & TcpFlag.SYN) !== 0 && h.payload.length > 0;
  };
  const t0 = wire.now;
  const c = a.connect({ address: B4, port: 80 }, t0, { fastOpen: true });
  c.send(bytesOf('lost on the SYN'), t0);
  wire.run(t0 + 2000);
  const syns = sent(wire, a, t0).filter((x) => isSyn(x.p));
  assert.equal(syns.length, 2);
  assert.equal(syns[0].p.payloadLength, 15);
  assert.equal(syns[1].t, t0 + 1000, 'one initial RTO later');
  assert.equal(syns[1].p.payloadLength, 0);
  assert.equal(syns[1].p.tcp.options.fastOpenCookie, undefined);
  assert.equal(c.state, 'ESTABLISHED');
  assert.equal(textOf(listener.accept()!.read(undefined, wire.now)), 'lost on the SYN');
  assert.equal(a.counters.tcp.TCPFastOpenActiveFail, 1);
  assert.equal(a.counters.tcp.TCPFastOpenBlackhole, 1);
  // The next connection costs no timeout: a plain SYN, answered at once.
  const t1 = wire.now;
  const c2 = a.connect({ address: B4, port: 80 }, t1, { fastOpen: true });
  c2.send(bytesOf('next'), t1);
  wire.run(t1 + 30);
  const syn2 = sent(wire, a, t1).filter((x) => isSyn(x.p));
  assert.equal(syn2.length, 1);
  assert.equal(syn2[0].p.tcp.options.fastOpenCookie, undefined);
  assert.equal(syn2[0].p.payloadLength, 0);
  assert.equal(c2.state, 'ESTABLISHED');
  // After the mark expires (an hour), Fast Open is tried again.
  const t2 = wire.now + 3_600_001;
  wire.run(t2);
  wire.drop = () => false;
  const c3 = a.connect({ address: B4, port: 80 }, wire.now, { fastOpen: true });
  c3.send(bytesOf('again'), wire.now);
  const t3 = wire.now;
  wire.run(t3 + 30);
  assert.equal(sent(wire, a, t3).find((x) => isSyn(x.p))!.p.payloadLength, 5);
});

test('cookies not required (TFO_SERVER_COOKIE_NOT_REQD): SYN data without the option is taken; off by default', () => {
  for (const notRequired of [false, true]) {
    const { a, b, wire, listener } = pair({ server: { fastOpen: { keys: [KEY1], cookieNotRequired: notRequired } } });
    // A client that does not do Fast Open but sends data on its SYN: the TCB's own SYN carries none,
    // so a hand-made SYN with data stands in for it.
    void a;
    const syn = { src: A4, dst: B4, sport: 40000, dport: 80, seq: 100, flags: TcpFlag.SYN, options: { mss: 1460 }, payload: bytesOf('data') };
    wire.inject(tcpPacket(syn), b);
    wire.run(wire.now + 15);
    const synAck = sent(wire, b).find((x) => isSynAck(x.p))!.p;
    assert.equal(synAck.tcp.ack, notRequired ? 105 : 101, `cookieNotRequired ${notRequired}`);
    assert.equal(b.counters.tcp.TCPFastOpenPassive, notRequired ? 1 : 0);
    if (notRequired) assert.equal(textOf(listener.accept()!.read(undefined, wire.now)), 'data');
  }
});

test('a client without a cookie set to send anyway (TFO_CLIENT_NO_COOKIE, §4.1.3): data on the SYN, no option; off by default', () => {
  // Server: cookies not required (0x200), so it takes the data; client: fastOpen.clientNoCookie.
  // Off: the SYN is a cookie request (option of length 2) without data, as §4.1.1 has it.
  for (const noCookie of [false, true]) {
    const { a, b, wire, listener } = pair({ client: { fastOpen: { clientNoCookie: noCookie } }, server: { fastOpen: { keys: [KEY1], cookieNotRequired: true } } });
    const c = a.connect({ address: B4, port: 80 }, 0, { fastOpen: true });
    c.send(bytesOf('GET /'), 0);
    wire.run(15);
    const syn = sent(wire, a).find((x) => isSyn(x.p))!.p;
    assert.equal(syn.tcp.options.fastOpenCookie?.length, noCookie ? undefined : 0, `noCookie ${noCookie}: the option`);
    assert.equal(syn.payloadLength, noCookie ? 5 : 0, `noCookie ${noCookie}: the SYN's data`);
    const synAck = sent(wire, b).find((x) => isSynAck(x.p))!.p;
    // ISN + 1 + 5 when the SYN's data was taken, ISN + 1 otherwise.
    assert.equal(synAck.tcp.ack, seqAdd(syn.tcp.seq, noCookie ? 6 : 1));
    wire.run(100);
    assert.equal(c.state, 'ESTABLISHED');
    assert.equal(textOf(listener.accept()!.read(undefined, wire.now)), 'GET /');
    assert.equal(a.counters.tcp.TCPFastOpenActive, noCookie ? 1 : 0);
    // The SYN-ACK carried no cookie (none asked for) when noCookie; a request was answered otherwise.
    assert.equal(a.fastOpenCache.get(addr(B4))?.cookie === undefined, noCookie);
  }
});

test('TFO_CLIENT_NO_COOKIE toward a server that requires cookies: the SYN data goes again after the handshake; a cached cookie is still sent', () => {
  const { a, b, wire } = pair({ client: { fastOpen: { clientNoCookie: true } } });
  // The server requires cookies: the SYN's data is not taken, it goes again after the handshake.
  const c = a.connect({ address: B4, port: 80 }, 0, { fastOpen: true });
  c.send(bytesOf('x'.repeat(100)), 0);
  wire.run(100);
  const syn = sent(wire, a).find((x) => isSyn(x.p))!.p;
  assert.equal(syn.payloadLength, 100);
  assert.equal(syn.tcp.options.fastOpenCookie, undefined);
  const synAck = sent(wire, b).find((x) => isSynAck(x.p))!.p;
  assert.equal(synAck.tcp.ack, seqAdd(syn.tcp.seq, 1));
  assert.equal(c.tcb.sendBuffer.length, 0, 'the data went again and was acknowledged');
  assert.equal(a.counters.tcp.TCPFastOpenActiveFail, 1);
  assert.equal(a.fastOpenCache.get(addr(B4))?.cookie, undefined);
  // With a cookie cached, the cookie goes on the SYN as usual.
  a.fastOpenCache.learn(addr(B4), new FastOpenKeys(KEY1).cookie(addr(A4), addr(B4)), false, 1460);
  const t0 = wire.now;
  const c2 = a.connect({ address: B4, port: 80 }, t0, { fastOpen: true });
  c2.send(bytesOf('y'), t0);
  wire.run(t0 + 100);
  const syn2 = sent(wire, a, t0).find((x) => isSyn(x.p))!.p;
  assert.equal(syn2.tcp.options.fastOpenCookie?.length, 8);
  assert.equal(syn2.payloadLength, 1);
});

test('the experimental form: a kind-254 request is answered with a kind-254 cookie, which the client then sends', () => {
  const { a, b, wire } = pair({ client: { fastOpen: { experimentalOption: true } } });
  warm(a, b, wire);
  const synAck = sent(wire, b).find((x) => isSynAck(x.p))!.p;
  assert.equal(synAck.tcp.options.fastOpenExp, true);
  assert.equal(a.fastOpenCache.get(addr(B4))?.exp, true);
  const t0 = wire.now;
  const c = a.connect({ address: B4, port: 80 }, t0, { fastOpen: true });
  c.send(bytesOf('exp'), t0);
  wire.run(t0 + 50);
  const syn = sent(wire, a, t0).find((x) => isSyn(x.p))!.p;
  assert.equal(syn.tcp.options.fastOpenExp, true);
  assert.equal(syn.payloadLength, 3);
  assert.equal(b.counters.tcp.TCPFastOpenPassive, 1);
});

test('the listing shows a connection\'s Fast Open state and a listener\'s queue', () => {
  const { a, b, wire, listener } = pair();
  warm(a, b, wire);
  const t0 = wire.now;
  const c = a.connect({ address: B4, port: 80 }, t0, { fastOpen: true });
  c.send(bytesOf('ss'), t0);
  wire.run(t0 + 10);
  const text = formatConnections(listConnections(b, wire.now));
  assert.match(text, /LISTEN .*fastopen:1\/16/);
  assert.match(text, /SYN-RECEIVED .*fastopen:child/);
  wire.run(t0 + 100);
  assert.match(formatConnections(listConnections(a, wire.now)), /ESTABLISHED .*fastopen:syn-data-acked/);
});

test('IPv6: the cookie covers both 16-byte addresses, and the data rides on the SYN', () => {
  const a = newStack([A6], 21);
  const b = newStack([B6], 22, { fastOpen: { keys: [KEY1] } });
  const wire = new Wire([a, b]);
  wire.latency = 10;
  const l = b.listen(80, { fastOpen: 4 });
  a.connect({ address: B6, port: 80 }, 0, { fastOpen: true });
  wire.run(100);
  l.accept();
  assert.equal(hex(a.fastOpenCache.get(addr(B6))?.cookie), hex(new FastOpenKeys(KEY1).cookie(addr(A6), addr(B6))));
  const t0 = wire.now;
  const c = a.connect({ address: B6, port: 80 }, t0, { fastOpen: true });
  c.send(bytesOf('v6'), t0);
  wire.run(t0 + 10);
  const s = l.accept()!;
  assert.equal(s.state, 'SYN-RECEIVED');
  assert.equal(textOf(s.read(undefined, wire.now)), 'v6');
});
