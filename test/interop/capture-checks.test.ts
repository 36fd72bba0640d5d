/**
 * The interop tests' checks of a capture (test/interop/netns.ts), on captures made here packet by
 * packet, so that each check is seen to fail on what it is there to catch:
 *
 *   - tcpResends: a retransmission with the original's bytes (or repacketised across two originals)
 *     is counted, one whose bytes differ is a conflict naming both frames, an IP fragment is counted;
 *   - tsharkComplaints: a TCP checksum of 0xffff where the sum is zero (what Linux writes when it sums
 *     a segment in software, see there) passes, any other wrong checksum does not; and tshark's TCP
 *     reassembly reports a byte-identical retransmission of a PDU it has completed as malformed ("New
 *     fragment overlaps old data (retransmission?)"), which reading without reassembly does not,
 *     while tcpResends finds the resend identical: the case of test/interop/tun-offload.test.ts's veth
 *     capture, taken before the path drops a packet its sender then sends again.
 *
 * Needs tshark only (no root, no namespaces); skipped with the reason without it (CI installs it).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodePcap } from '../../src/wire/pcap.js';
import { encodeTcpPacket } from '../../src/wire/packet.js';
import { TcpFlag } from '../../src/wire/tcp.js';
import { checksumFinish, onesSum, pseudoHeaderSumV4 } from '../../src/wire/checksum.js';
import { tcpResends, tsharkComplaints } from './netns.js';

const skip = spawnSync('tshark', ['--version'], { stdio: 'ignore', timeout: 10_000 }).error ? 'tshark is not installed (apt-get install tshark)' : false;
const dir = mkdtempSync(path.join(tmpdir(), 'synack-capture-checks-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const CLIENT = 0xc6120102; // 198.18.1.2
const SERVER = 0xc6120002; // 198.18.0.2
const ISS = 0xfffff000; // the data's sequence numbers wrap past 2^32

/** A segment from the client to port 80: `offset` octets after the SYN's sequence number plus one. */
function segment(offset: number, payload: Uint8Array, opts: { flags?: number; moreFragments?: boolean } = {}): Uint8Array {
  return encodeTcpPacket({
    ip: { version: 4, src: CLIENT, dst: SERVER, dontFragment: opts.moreFragments !== true, moreFragments: opts.moreFragments },
    tcp: { srcPort: 40000, dstPort: 80, seq: (ISS + 1 + offset) >>> 0, ack: 1, flags: opts.flags ?? TcpFlag.ACK, window: 65535, urgentPointer: 0 },
    payload,
  });
}

function syn(): Uint8Array {
  return encodeTcpPacket({ ip: { version: 4, src: CLIENT, dst: SERVER }, tcp: { srcPort: 40000, dstPort: 80, seq: ISS, ack: 0, flags: TcpFlag.SYN, window: 65535, urgentPointer: 0 } });
}

/** The server's SYN-ACK and the client's ACK of it. */
function handshake(): Uint8Array[] {
  return [
    encodeTcpPacket({ ip: { version: 4, src: SERVER, dst: CLIENT }, tcp: { srcPort: 80, dstPort: 40000, seq: 0, ack: (ISS + 1) >>> 0, flags: TcpFlag.SYN | TcpFlag.ACK, window: 65535, urgentPointer: 0 } }),
    segment(0, new Uint8Array(0)),
  ];
}

/** A pcap of `packets`, one millisecond apart unless `timesMs` says when each was seen. */
function capture(name: string, packets: Uint8Array[], timesMs: number[] = packets.map((_, i) => i)): string {
  const file = path.join(dir, name);
  writeFileSync(file, encodePcap(packets.map((data, i) => ({ data, timeMs: 1_700_000_000_000 + timesMs[i] }))));
  return file;
}

/** Octets 0..n-1 of a stream whose octet i is i % 251. */
function stream(from: number, to: number): Uint8Array {
  return Uint8Array.from({ length: to - from }, (_, i) => (from + i) % 251);
}

test('tcpResends: a retransmission with its original bytes, whole or repacketised, is counted and passes', { skip }, () => {
  const file = capture('same.pcap', [syn(), segment(0, stream(0, 1000)), segment(1000, stream(1000, 2000)), segment(0, stream(0, 1000)), segment(500, stream(500, 1500))]);
  const r = tcpResends(file);
  assert.deepEqual(r, { segments: 4, resent: 2000, conflicts: [], fragments: 0 });
});

test('tcpResends: a resend whose bytes differ from the original is a conflict naming both frames', { skip }, () => {
  const changed = stream(500, 1500);
  changed[700] ^= 0x01; // stream octet 1200, first sent in frame 3
  const file = capture('differ.pcap', [syn(), segment(0, stream(0, 1000)), segment(1000, stream(1000, 2000)), segment(500, changed)]);
  const r = tcpResends(file);
  assert.equal(r.resent, 1000);
  assert.equal(r.conflicts.length, 1, r.conflicts.join('; '));
  assert.match(r.conflicts[0], /^frame 4: octet 1200 of 198\.18\.1\.2 40000 198\.18\.0\.2 80 differs from frame 3's$/);
});

test('tcpResends: IP fragments are counted', { skip }, () => {
  const file = capture('fragment.pcap', [syn(), segment(0, stream(0, 1000), { moreFragments: true })]);
  assert.equal(tcpResends(file).fragments, 1);
});

test("tsharkComplaints: a TCP checksum of 0xffff for a zero sum passes (Linux's CSUM_MANGLED_0), any other wrong one does not", { skip }, () => {
  // A segment that sums to zero: its last data word is the checksum it had with that word zero.
  const p = segment(0, stream(0, 98).reduce((a, b, i) => ((a[i] = b), a), new Uint8Array(100)));
  const tcpAt = 20;
  p[p.length - 2] = p[tcpAt + 16];
  p[p.length - 1] = p[tcpAt + 17];
  p[tcpAt + 16] = 0;
  p[tcpAt + 17] = 0;
  assert.equal(checksumFinish(onesSum(p, tcpAt, p.length, pseudoHeaderSumV4(CLIENT, SERVER, 6, p.length - tcpAt))), 0, 'the segment sums to zero');
  const negativeZero = Uint8Array.from(p);
  negativeZero[tcpAt + 16] = 0xff;
  negativeZero[tcpAt + 17] = 0xff;
  assert.deepEqual(tsharkComplaints(capture('zero.pcap', [p])).problems, []);
  assert.deepEqual(tsharkComplaints(capture('negative-zero.pcap', [negativeZero])).problems, []);
  const wrong = Uint8Array.from(p);
  wrong[tcpAt + 17] = 0x01;
  assert.deepEqual(tsharkComplaints(capture('wrong.pcap', [wrong])).problems, ['frame 1: TCP checksum status 0']);
});

test("tshark's TCP reassembly calls a byte-identical resend of a completed PDU malformed; without it, and by tcpResends, the capture is clean", { skip }, () => {
  const body = stream(0, 3000);
  const head = new TextEncoder().encode('POST /sha256 HTTP/1.1\r\nHost: 198.18.0.2\r\nContent-Length: 3000\r\n\r\n');
  const data = new Uint8Array(head.length + body.length);
  data.set(head, 0);
  data.set(body, head.length);
  const cut = [0, 1000, 2000, data.length];
  const segs = cut.slice(1).map((end, i) => segment(cut[i], data.subarray(cut[i], end), { flags: TcpFlag.ACK | (end === data.length ? TcpFlag.PSH : 0) }));
  // The second segment again after the PDU is whole, as when the path dropped it past the capture point:
  // sooner after the last segment than the handshake took (10 ms), which tshark calls out of order.
  const file = capture('resend.pcap', [syn(), ...handshake(), ...segs, segs[1]], [0, 5, 10, 11, 12, 13, 14]);
  const withReassembly = tsharkComplaints(file);
  assert.equal(withReassembly.problems.length, 1, withReassembly.problems.join('; '));
  assert.match(withReassembly.problems[0], /^frame 7 malformed: .*New fragment overlaps old data \(retransmission\?\)/);
  assert.deepEqual(tsharkComplaints(file, { tcpReassembly: false }).problems, []);
  assert.deepEqual(tcpResends(file), { segments: 4, resent: 1000, conflicts: [], fragments: 0 });
});
