/**
 * The v86 adapter against a bus that behaves as v86's does: `register(name, fn)` adds a listener,
 * `send(name, data)` calls every listener of that name with the data. v86's NIC sends the guest's
 * frames as `net0-send` and takes frames for the guest from `net0-receive`; here the guest is a
 * second synack host on frames (FrameHost) whose NIC does the same. The guest has no address and no
 * configuration: its DHCP client gets an address, router and DNS server from synack; it resolves
 * synack's name through synack's DNS and fetches a page from synack's TCP server; IPv6 comes by SLAAC
 * from synack's router advertisements. Runs on the wall clock with timeouts on every wait (no sleep):
 * the adapter is for real emulators.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attachV86, type V86Bus } from '../../src/socket/v86.js';
import { createGateway } from '../../src/socket/gateway.js';
import { FrameHost, type FrameEvent } from '../../src/link/frame-host.js';
import { DhcpClient, type DhcpClientEvent, type DhcpLeaseInfo } from '../../src/services/dhcp-client.js';
import { runDhcpClient } from '../../src/socket/dhcp.js';
import { hostResolver } from '../../src/socket/dns.js';
import { createConnection, createServer } from '../../src/socket/index.js';
import { decodeEthernet, EtherType } from '../../src/wire/ethernet.js';
import { SeededRandom } from '../../src/tcp/random.js';

/** A bus as v86's: listeners by name; a message goes to each, in order of registration, at once. */
class FakeBus implements V86Bus {
  readonly listeners = new Map<string, Array<(d: Uint8Array) => void>>();
  readonly sent: Array<{ name: string; length: number }> = [];
  register(name: string, fn: (d: Uint8Array) => void): void {
    const l = this.listeners.get(name) ?? [];
    l.push(fn);
    this.listeners.set(name, l);
  }
  unregister(name: string, fn: (d: Uint8Array) => void): void {
    const l = this.listeners.get(name) ?? [];
    const i = l.indexOf(fn);
    if (i >= 0) l.splice(i, 1);
  }
  send(name: string, data: Uint8Array): void {
    this.sent.push({ name, length: data.length });
    for (const fn of this.listeners.get(name) ?? []) fn(data);
  }
}

function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let t: ReturnType<typeof setTimeout>;
  return Promise.race([p, new Promise<T>((_, reject) => (t = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)))]).finally(() => clearTimeout(t));
}

test('attachV86: a guest on the bus gets an address by DHCP, resolves synack by DNS, fetches over TCP, and configures IPv6 by SLAAC', async () => {
  const bus = new FakeBus();
  const emulator = { bus };
  const gw = attachV86(emulator, { addresses: ['198.18.16.1/24', '2001:db8:16::1/64'], mac: '02:00:00:00:16:01', dns: { hosts: { 'www.synack.test': ['198.18.16.1'] } } });
  const page = 'hello from synack\n'.repeat(1000);
  const srv = createServer(gw.host, (s) => s.end(page));
  srv.listen(80);

  // The guest's NIC: frames out as net0-send, frames in from net0-receive (copied: v86 reuses its buffers).
  const guest = new FrameHost({ name: 'guest', mac: '02:00:00:00:16:99', slaac: true });
  guest.addEventListener('frame', (ev) => bus.send('net0-send', (ev as FrameEvent).frame));
  bus.register('net0-receive', (frame) => guest.receive(frame));
  guest.host.enableUdp();

  const run = runDhcpClient(guest.host, new DhcpClient({ chaddr: guest.iface.mac!, random: new SeededRandom(86) }));
  const lease = await within(15_000, 'a DHCP lease', new Promise<DhcpLeaseInfo>((resolve) => run.addEventListener('bound', (e) => resolve(((e as Event & { detail: DhcpClientEvent }).detail as { lease: DhcpLeaseInfo }).lease))));
  assert.equal(lease.address, '198.18.16.100');
  assert.deepEqual(lease.routers, ['198.18.16.1']);
  assert.deepEqual(lease.dnsServers, ['198.18.16.1']);
  assert.equal(gw.dhcp!.leases(gw.host.now()).length, 1);

  // Name resolution through synack's DNS, then TCP to the name.
  const resolver = hostResolver(guest.host, { servers: lease.dnsServers });
  const fetched = await within(15_000, 'the page over TCP', new Promise<string>((resolve, reject) => {
    const sock = createConnection(guest.host, { host: 'www.synack.test', port: 80, lookup: resolver.lookup });
    let text = '';
    sock.on('data', (d) => (text += d.toString()));
    sock.on('end', () => resolve(text));
    sock.on('error', reject);
  }));
  assert.equal(fetched.length, page.length);
  assert.ok(fetched === page, 'the page arrives byte for byte');

  // SLAAC: the guest's global address from synack's /64.
  await within(15_000, 'a SLAAC address', new Promise<void>((resolve) => {
    const check = () => guest.iface.addresses.some((a) => typeof a.address !== 'number' && a.origin === 'slaac' && a.state === 'preferred') && resolve();
    guest.addEventListener('net', check);
    check();
  }));

  // Both directions went over the bus as whole Ethernet frames, ARP among them.
  assert.ok(bus.sent.some((m) => m.name === 'net0-send') && bus.sent.some((m) => m.name === 'net0-receive'));
  assert.ok([...gw.frames.net.neighbors()].some((n) => n.includes('198.18.16.100')), `synack learnt the guest by ARP: ${gw.frames.net.neighbors().join('; ')}`);
  srv.close();
  await run.stop();
  await gw.detach();
  assert.equal(bus.listeners.get('net0-send')!.length, 0, 'detach unregisters from the bus');
  guest.close();
});

test('attachV86 refuses what is not a v86 emulator or bus', () => {
  assert.throws(() => attachV86({} as never), TypeError);
});

test('FrameHost streams: frames written in are answered on the readable side (ARP request -> reply)', async () => {
  const h = new FrameHost({ addresses: ['198.18.17.1/24'], mac: '02:00:00:00:17:01' });
  const reader = h.readable.getReader();
  const writer = h.writable.getWriter();
  // An ARP request from 198.18.17.2 (02:00:00:00:17:02) for 198.18.17.1, built by hand from RFC 826's layout.
  const f = new Uint8Array(42);
  f.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0x17, 2, 0x08, 0x06], 0);
  f.set([0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0x17, 2, 198, 18, 17, 2, 0, 0, 0, 0, 0, 0, 198, 18, 17, 1], 14);
  await writer.write(f);
  let reply: Uint8Array | undefined;
  while (reply === undefined) {
    const r = await within(5000, 'an ARP reply', reader.read());
    assert.ok(!r.done);
    const e = decodeEthernet(r.value);
    if (e.ok && e.etherType === EtherType.ARP && r.value[21] === 2) reply = r.value;
  }
  assert.deepEqual([...reply.subarray(0, 6)], [2, 0, 0, 0, 0x17, 2], 'unicast back to the asker');
  assert.deepEqual([...reply.subarray(22, 32)], [2, 0, 0, 0, 0x17, 1, 198, 18, 17, 1], 'our MAC for 198.18.17.1');
  await assert.rejects(writer.write('not a frame' as never), TypeError);
  h.close();
  assert.equal((await reader.read()).done, true, 'close ends the readable side');
});

test('createGateway without DNS (dns: false) still leases, with no DNS server option; a pool given as FIRST-LAST', async () => {
  const gw = createGateway({ addresses: ['198.18.18.1/24'], dns: false, dhcp: '198.18.18.20-198.18.18.21' });
  const guest = new FrameHost({ name: 'guest' });
  void guest.readable.pipeTo(gw.frames.writable).catch(() => undefined);
  void gw.frames.readable.pipeTo(guest.writable).catch(() => undefined);
  guest.host.enableUdp();
  const run = runDhcpClient(guest.host, new DhcpClient({ chaddr: guest.iface.mac!, random: new SeededRandom(18) }));
  const lease = await within(15_000, 'a DHCP lease', new Promise<DhcpLeaseInfo>((resolve) => run.addEventListener('bound', (e) => resolve(((e as Event & { detail: DhcpClientEvent }).detail as { lease: DhcpLeaseInfo }).lease))));
  assert.equal(lease.address, '198.18.18.20');
  assert.deepEqual(lease.dnsServers, []);
  assert.equal(gw.dns, undefined);
  await run.stop();
  await gw.close();
  guest.close();
});
