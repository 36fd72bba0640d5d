/**
 * Segmentation offload on the TUN device (`synack serve --offload`: IFF_VNET_HDR, TUNSETOFFLOAD with
 * TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6) against the kernel's TCP, in namespaces this file creates and
 * removes (198.18.0.0/15 and 2001:db8::/32 only), IPv4 and IPv6, the device at MTU 1500:
 *
 *   - curl beside the device: 8 MB down (/bytes, checked byte by byte) and 8 MB up (POST /sha256 of
 *     random bytes, checked against node:crypto), and the device really carried super-packets both
 *     ways (serve's LinkGsoPacketsIn and LinkGsoPacketsOut above zero, no LinkBadVnetHeaders); synack's
 *     own capture, which holds what synack took from and handed to the device (super-packets included),
 *     opens in tshark with no malformed packet and every checksum valid.
 *   - curl one hop away, in a second namespace behind a veth pair with its offloads off (ethtool), the
 *     first namespace forwarding: the kernel cuts synack's super-packets where they leave for the
 *     veth, so a capture of the veth (dumpcap) holds only packets of at most 1500 octets, none
 *     malformed, every checksum valid, no IP fragment, and every retransmission in it repeats its
 *     original's bytes (tcpResends), while synack wrote super-packets (LinkGsoPacketsOut > 0). The
 *     capture is taken in curl's namespace, before the path to synack, which drops packets under
 *     load (the TUN device's queue of 500 is full when synack reads it late): the capture holds the
 *     original and then the sender's retransmission, and tshark's TCP reassembly, having completed the
 *     PDU, calls the resend malformed without comparing it ("New fragment overlaps old data
 *     (retransmission?)"), so the capture is read without TCP reassembly and the resends are compared
 *     here (test/interop/capture-checks.test.ts shows both).
 *
 * Skipped, with the reason, without root, TUN or the tools (CI installs them).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { counters, finished, interopSkipReason, isPattern, nsExec, nsSpawn, serve, tcpResends, tsharkComplaints, uniqueName, withNetns } from './netns.js';

const skip = interopSkipReason(['curl', 'tshark', 'dumpcap', 'ethtool']) ?? false;

const MTU = 1500;
const BYTES = 8_000_000;

const FAMILIES = [
  { name: 'IPv4', v: 4, addr: '198.18.0.2/24', peer: '198.18.0.1', url: 'http://198.18.0.2', hopA: '198.18.1.1', hopB: '198.18.1.2', hopPrefix: 24, route: '198.18.0.0/24' },
  { name: 'IPv6', v: 6, addr: '2001:db8::2/64', peer: '2001:db8::1', url: 'http://[2001:db8::2]', hopA: '2001:db8:1::1', hopB: '2001:db8:1::2', hopPrefix: 64, route: '2001:db8::/64' },
] as const;

type Family = (typeof FAMILIES)[number];

function curl(ns: string, args: string[], timeoutMs = 60_000) {
  return nsExec(ns, 'curl', ['-sS', '--max-time', String(Math.ceil(timeoutMs / 1000)), ...args], { timeoutMs: timeoutMs + 5000 });
}

function must(ns: string, cmd: string, args: string[]): void {
  const r = nsExec(ns, cmd, args);
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
}

/** 8 MB down and 8 MB up through synack's http app, both checked. */
function transfers(ns: string, dir: string, fam: Family): void {
  const file = path.join(dir, 'down');
  const r = curl(ns, ['-o', file, '-w', '%{http_code}', `${fam.url}/bytes/${BYTES}`]);
  assert.equal(r.status, 0, `curl /bytes: ${r.stderr}`);
  assert.equal(r.stdout, '200');
  assert.equal(statSync(file).size, BYTES);
  assert.ok(isPattern(readFileSync(file)), 'byte i of /bytes is i % 251');
  const body = randomBytes(BYTES + 3);
  const bodyFile = path.join(dir, 'up');
  writeFileSync(bodyFile, body);
  const up = curl(ns, ['--data-binary', `@${bodyFile}`, '-H', 'content-type: application/octet-stream', `${fam.url}/sha256`]);
  assert.equal(up.status, 0, up.stderr);
  assert.equal(up.stdout.trim(), createHash('sha256').update(body).digest('hex'), 'the upload arrived intact');
}

/** IP packet lengths in a capture (IPv4 total length, IPv6 payload length plus its header). */
function ipLengths(file: string): number[] {
  const r = spawnSync('tshark', ['-r', file, '-T', 'fields', '-E', 'separator=,', '-e', 'ip.len', '-e', 'ipv6.plen'], { encoding: 'utf8', maxBuffer: 256 << 20, timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((row) => {
      const [v4, v6] = row.split(',');
      return v4 !== '' ? Number(v4) : Number(v6) + 40;
    });
}

for (const fam of FAMILIES) {
  test(`offload over ${fam.name}, curl beside the device: data intact both ways, super-packets read and written, synack's capture clean`, { skip }, async () => {
    await withNetns(async (ns, dir) => {
      const pcap = path.join(dir, 'serve.pcap');
      const s = await serve(ns, ['--tun', uniqueName(), '--addr', fam.addr, '--peer', fam.peer, '--mtu', String(MTU), '--offload', '--pcap', pcap]);
      let stopped = false;
      try {
        transfers(ns, dir, fam);
        const end = await s.stop();
        stopped = true;
        assert.equal(end.status, 0, end.stderr);
        const c = counters(end.stdout);
        assert.ok((c.get('LinkGsoPacketsIn') ?? 0) > 0, `the kernel handed synack super-packets: ${end.stdout}`);
        assert.ok((c.get('LinkGsoPacketsOut') ?? 0) > 0, `synack handed the kernel super-packets: ${end.stdout}`);
        assert.equal(c.get('LinkBadVnetHeaders'), 0);
        assert.equal(c.get('TcpInCsumErrors') ?? 0, 0);
        assert.equal(c.get('LinkSendDrops'), 0);
        const check = tsharkComplaints(pcap);
        assert.deepEqual(check.problems, []);
        const lengths = ipLengths(pcap);
        assert.ok(lengths.some((l) => l > MTU), 'the capture holds the super-packets as synack took and handed them');
        assert.ok(lengths.every((l) => l <= 65535));
      } finally {
        if (!stopped) await s.stop();
      }
    });
  });

  test(`offload over ${fam.name}, curl one hop away: the kernel cuts synack's super-packets, the veth carries valid packets of at most ${MTU} octets`, { skip }, async () => {
    await withNetns((a, dir) =>
      withNetns(async (b) => {
        const va = uniqueName('a');
        const vb = uniqueName('b');
        must(a, 'ip', ['link', 'add', va, 'type', 'veth', 'peer', 'name', vb, 'netns', b]);
        // No offload on the veth: what crosses it is what a wire would carry, cut and checksummed by the kernel.
        must(a, 'ethtool', ['-K', va, 'tx', 'off', 'tso', 'off', 'gso', 'off', 'gro', 'off']);
        must(b, 'ethtool', ['-K', vb, 'tx', 'off', 'tso', 'off', 'gso', 'off', 'gro', 'off']);
        const ipv = fam.v === 6 ? ['-6'] : [];
        const nodad = fam.v === 6 ? ['nodad'] : [];
        must(a, 'ip', [...ipv, 'addr', 'add', `${fam.hopA}/${fam.hopPrefix}`, 'dev', va, ...nodad]);
        must(b, 'ip', [...ipv, 'addr', 'add', `${fam.hopB}/${fam.hopPrefix}`, 'dev', vb, ...nodad]);
        must(a, 'ip', ['link', 'set', va, 'up']);
        must(b, 'ip', ['link', 'set', vb, 'up']);
        must(b, 'ip', [...ipv, 'route', 'add', fam.route, 'via', fam.hopA]);
        must(a, 'sysctl', ['-qw', fam.v === 4 ? 'net.ipv4.ip_forward=1' : 'net.ipv6.conf.all.forwarding=1']);
        const s = await serve(a, ['--tun', uniqueName(), '--addr', fam.addr, '--peer', fam.peer, '--mtu', String(MTU), '--offload']);
        let stopped = false;
        try {
          const wire = path.join(dir, 'veth.pcapng');
          const cap = nsSpawn(b, 'dumpcap', ['-i', vb, '-w', wire, '-a', 'duration:100'], { timeoutMs: 110_000 });
          const capDone = finished(cap, 115_000);
          let err = '';
          cap.stderr!.on('data', (d: Buffer) => (err += d));
          for (let i = 0; i < 200 && !/Capturing on/.test(err); i++) await new Promise((r) => setTimeout(r, 50));
          assert.match(err, /Capturing on/, `dumpcap did not start: ${err}`);
          transfers(b, dir, fam);
          cap.kill('SIGINT');
          await capDone;
          const end = await s.stop();
          stopped = true;
          assert.equal(end.status, 0, end.stderr);
          const c = counters(end.stdout);
          assert.ok((c.get('LinkGsoPacketsOut') ?? 0) > 0, `synack handed the kernel super-packets: ${end.stdout}`);
          assert.equal(c.get('LinkBadVnetHeaders'), 0);
          const check = tsharkComplaints(wire, { tcpReassembly: false });
          assert.deepEqual(check.problems, []);
          const resends = tcpResends(wire);
          assert.deepEqual(resends.conflicts, [], `${resends.resent} octets resent`);
          assert.equal(resends.fragments, 0, 'IP fragments on the veth');
          const lengths = ipLengths(wire);
          assert.ok(lengths.length > (2 * BYTES) / MTU, `the veth carried ${lengths.length} packets`);
          const over = lengths.filter((l) => l > MTU);
          assert.deepEqual(over.slice(0, 5), [], `${over.length} packets over the MTU on the veth`);
        } finally {
          if (!stopped) await s.stop();
        }
      }),
    );
  });
}
