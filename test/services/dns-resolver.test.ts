/**
 * The stub resolver: retries with a doubling timeout across its servers (resolv.conf's timeout and
 * attempts), answers matched by ID, server and question (RFC 5452 §9.1), Node's error codes; and on a
 * simulated pair with the DNS server over UDP and TCP, including a socket's `lookup`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DnsResolver, DnsLookupError, type DnsServerAddress } from '../../src/services/dns-resolver.js';
import { DnsServer, DnsTcpFramer } from '../../src/services/dns-server.js';
import { serveDns, hostResolver } from '../../src/socket/dns.js';
import { createConnection, createServer } from '../../src/socket/index.js';
import { TcpStream } from '../../src/socket/web.js';
import { SeededRandom } from '../../src/tcp/random.js';
import { decodeDns } from '../../src/wire/dns.js';
import { SimNetwork } from '../../src/link/sim.js';

const SEED = 53;

/** A resolver on a hand-turned clock, its queries kept. */
function rig(servers: string[], attempts = 3) {
  let now = 0;
  const timers: Array<{ at: number; fn: () => void }> = [];
  const sent: Array<{ q: Uint8Array; server: DnsServerAddress; at: number }> = [];
  const r = new DnsResolver({
    servers,
    attempts,
    random: new SeededRandom(SEED),
    send: (q, server) => sent.push({ q, server, at: now }),
    clock: { now: () => now, at: (at, fn) => timers.push({ at, fn }) },
  });
  const advance = (to: number) => {
    now = to;
    for (const t of timers.splice(0).sort((a, b) => a.at - b.at)) if (t.at <= now) t.fn();
    else timers.push(t);
  };
  return { r, sent, advance };
}

test('no answer: tries at 0, 1000 and 3000 ms over the servers in turn, then ETIMEOUT at 7000', async () => {
  const { r, sent, advance } = rig(['198.18.0.1', '198.18.0.9:5353']);
  const p = r.resolve4('www.synack.test');
  let err: unknown;
  p.catch((e) => (err = e));
  for (const t of [999, 1000, 2999, 3000, 6999, 7000]) advance(t);
  await Promise.resolve();
  await Promise.resolve();
  assert.deepEqual(sent.map((s) => [s.at, s.server.address, s.server.port]), [[0, '198.18.0.1', 53], [1000, '198.18.0.9', 5353], [3000, '198.18.0.1', 53]]);
  assert.ok(err instanceof DnsLookupError);
  assert.equal((err as DnsLookupError).code, 'ETIMEOUT');
  assert.deepEqual([r.counters.retries, r.counters.timeouts, r.outstanding], [2, 1, 0]);
});

test('the answer to a retry is taken; a stray datagram (wrong ID, wrong server) is counted and ignored', async () => {
  const { r, sent, advance } = rig(['198.18.0.1']);
  const server = new DnsServer({ zones: ['synack.test'], hosts: { 'www.synack.test': ['198.18.0.2'] } });
  const p = r.resolve4('www.synack.test');
  advance(1000); // the first query was lost: a retry
  assert.equal(sent.length, 2);
  const reply = (await server.respond(sent[1].q))!;
  assert.equal(r.handleResponse(reply, { address: '198.18.0.66', port: 53 }), false);
  const forged = reply.slice();
  forged[1] ^= 1;
  assert.equal(r.handleResponse(forged, { address: '198.18.0.1', port: 53 }), false);
  assert.equal(r.handleResponse(reply, { address: '198.18.0.1', port: 53 }), true);
  assert.deepEqual(await p, ['198.18.0.2']);
  assert.equal(r.counters.mismatched, 2);
});

test('NXDOMAIN is ENOTFOUND; REFUSED is EREFUSED; lookup with family 0 falls to AAAA on NODATA', async () => {
  const { r, sent } = rig(['198.18.0.1']);
  const server = new DnsServer({ zones: ['synack.test'], hosts: { 'six.synack.test': ['2001:db8::6'] } });
  const answerAll = async () => {
    for (const s of sent.splice(0)) r.handleResponse((await server.respond(s.q))!, s.server);
  };
  const nx = r.resolve4('gone.synack.test').catch((e: DnsLookupError) => e.code);
  const refused = r.resolve4('example.com').catch((e: DnsLookupError) => e.code);
  await answerAll();
  assert.equal(await nx, 'ENOTFOUND');
  assert.equal(await refused, 'EREFUSED');
  const got = new Promise<[string | undefined, number | undefined]>((resolve, reject) => r.lookup('six.synack.test', 0, (e, a, f) => (e ? reject(e) : resolve([a, f]))));
  await answerAll(); // A: NODATA
  await new Promise((res) => setImmediate(res));
  await answerAll(); // AAAA
  assert.deepEqual(await got, ['2001:db8::6', 6]);
});

test(`on a simulated pair: UDP and TCP answers, and createConnection's lookup through the resolver (seed ${SEED})`, async () => {
  const net = new SimNetwork(SEED);
  const client = net.addHost('client', { addresses: ['198.18.0.1'] });
  const server = net.addHost('server', { addresses: ['198.18.0.2'] });
  net.link(client, server, { delayMs: 5 });
  const svc = serveDns(server, new DnsServer({ zones: ['synack.test'], hosts: { 'www.synack.test': ['198.18.0.2'] } }));
  const resolver = hostResolver(client, { servers: ['198.18.0.2'] });
  let addrs: string[] | undefined;
  void resolver.resolve4('www.synack.test').then((a) => (addrs = a));
  await net.runAsync(() => addrs !== undefined);
  assert.deepEqual(addrs, ['198.18.0.2']);
  // DNS over TCP: a framed query on a TCP connection to port 53.
  const s = new TcpStream(client, { remoteAddress: '198.18.0.2', remotePort: 53 });
  let info: Awaited<typeof s.opened> | undefined;
  void s.opened.then((i) => (info = i));
  await net.runAsync(() => info !== undefined);
  const { readable, writable } = info!;
  const w = writable.getWriter();
  void w.write(DnsTcpFramer.frame(new Uint8Array([0, 9, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 119, 119, 119, 6, 115, 121, 110, 97, 99, 107, 4, 116, 101, 115, 116, 0, 0, 1, 0, 1])));
  const framer = new DnsTcpFramer();
  const reader = readable.getReader();
  const msgs: Uint8Array[] = [];
  void (async () => {
    while (msgs.length === 0) {
      const { value, done } = await reader.read();
      if (done) break;
      msgs.push(...framer.push(value));
    }
  })();
  await net.runAsync(() => msgs.length === 1);
  const m = decodeDns(msgs[0]);
  assert.ok(m.ok && m.id === 9 && m.answers.length === 1);
  // A socket's lookup option: the name resolves through synack's DNS, then TCP connects.
  const srv = createServer(server, (c) => c.end('hi'));
  srv.listen(80);
  const sock = createConnection(client, { host: 'www.synack.test', port: 80, lookup: resolver.lookup });
  let connectedTo: string | undefined;
  sock.on('connect', () => (connectedTo = sock.remoteAddress));
  await net.runAsync(() => connectedTo !== undefined);
  assert.equal(connectedTo, '198.18.0.2');
  sock.destroy();
  srv.close();
  await svc.close();
});

test(`a truncated answer (TC) is asked again over TCP and the whole answer taken (RFC 7766 §5; seed ${SEED})`, async () => {
  const net = new SimNetwork(SEED);
  const client = net.addHost('client', { addresses: ['198.18.0.1'] });
  const server = net.addHost('server', { addresses: ['198.18.0.2'] });
  net.link(client, server, { delayMs: 5 });
  const many: string[] = [];
  for (let i = 1; i <= 40; i++) many.push(`198.18.1.${i}`);
  const dns = new DnsServer({ zones: ['synack.test'], hosts: { 'big.synack.test': many } });
  const svc = serveDns(server, dns);
  const resolver = hostResolver(client, { servers: ['198.18.0.2'] });
  let got: string[] | undefined;
  void resolver.resolve4('big.synack.test').then((a) => (got = a));
  await net.runAsync(() => got !== undefined);
  assert.equal(got!.length, 40);
  assert.equal(dns.counters.truncated, 1);
  assert.equal(resolver.counters.tcpRetries, 1);
  await svc.close();
});
