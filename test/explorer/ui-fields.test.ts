/**
 * The inspector's field map (DOM-free): every IPv4/IPv6 and TCP header field and option at the
 * offset RFC 791, RFC 8200 and RFC 9293 §3.1 put it, checked against packets the wire encoder
 * builds; damaged bytes end the list with an error field, never an exception.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeTcpPacket, parseIpv4, parseIpv6, TcpFlag } from '../../src/browser/index.js';
import { packetFields } from '../../src/explorer/ui/packet-fields.js';


function v4(): Uint8Array {
  return encodeTcpPacket({
    ip: { version: 4, src: parseIpv4('198.18.0.1')!, dst: parseIpv4('198.18.0.2')!, ttl: 64 },
    tcp: {
      srcPort: 50000, dstPort: 80, seq: 0xfffffff0, ack: 12345, flags: TcpFlag.SYN | TcpFlag.ACK, window: 65535, urgentPointer: 0,
      options: { mss: 1460, sackPermitted: true, timestamp: { value: 7, echo: 9 }, wscale: 7 },
    },
    payload: new TextEncoder().encode('hi'),
  });
}

function field(fs: ReturnType<typeof packetFields>, id: string) {
  const f = fs.find((x) => x.id === id);
  assert.ok(f, `no field ${id} in ${fs.map((x) => x.id).join(',')}`);
  return f;
}

describe('packetFields', () => {
  test('IPv4: addresses at 12 and 16, TCP ports at 20 and 22, seq at 24, ack at 28, window at 34 (RFC 791, RFC 9293 §3.1)', () => {
    const fs = packetFields(v4());
    assert.deepEqual([field(fs, 'ip.src').offset, field(fs, 'ip.src').value], [12, '198.18.0.1']);
    assert.deepEqual([field(fs, 'ip.dst').offset, field(fs, 'ip.dst').value], [16, '198.18.0.2']);
    assert.deepEqual([field(fs, 'ip.ttl').offset, field(fs, 'ip.ttl').value], [8, '64']);
    assert.deepEqual([field(fs, 'tcp.srcport').offset, field(fs, 'tcp.srcport').value], [20, '50000']);
    assert.deepEqual([field(fs, 'tcp.dstport').offset, field(fs, 'tcp.dstport').value], [22, '80']);
    assert.deepEqual([field(fs, 'tcp.seq').offset, field(fs, 'tcp.seq').length, field(fs, 'tcp.seq').value], [24, 4, String(0xfffffff0)]);
    assert.deepEqual([field(fs, 'tcp.ack').offset, field(fs, 'tcp.ack').value], [28, '12345']);
    assert.equal(field(fs, 'tcp.flags').value, 'SYN+ACK (0x012)');
    assert.deepEqual([field(fs, 'tcp.window').offset, field(fs, 'tcp.window').value], [34, '65535']);
  });

  test('options decoded where they sit, after the 20-byte TCP header; then the data', () => {
    const bytes = v4();
    const fs = packetFields(bytes);
    const mss = field(fs, 'tcp.opt.mss');
    assert.equal(mss.value, '1460');
    assert.ok(mss.offset >= 40);
    assert.equal(bytes[mss.offset], 2, 'kind 2 at the MSS option\'s offset');
    assert.equal(field(fs, 'tcp.opt.wscale').value, '7 (×128)');
    assert.equal(field(fs, 'tcp.opt.timestamp').value, 'TSval 7 TSecr 9');
    field(fs, 'tcp.opt.sackok');
    const data = field(fs, 'data');
    assert.deepEqual([data.offset, data.length], [bytes.length - 2, 2]);
  });

  test('IPv6: addresses at 8 and 24 in RFC 5952 text, TCP from 40', () => {
    const bytes = encodeTcpPacket({
      ip: { version: 6, src: parseIpv6('2001:db8::1')!, dst: parseIpv6('2001:db8:0:1::2')!, hopLimit: 64 },
      tcp: { srcPort: 1, dstPort: 2, seq: 3, ack: 4, flags: TcpFlag.ACK, window: 5, urgentPointer: 0, options: { sack: [[10, 20]] } },
    });
    const fs = packetFields(bytes);
    assert.deepEqual([field(fs, 'ip.src').offset, field(fs, 'ip.src').value], [8, '2001:db8::1']);
    assert.deepEqual([field(fs, 'ip.dst').offset, field(fs, 'ip.dst').value], [24, '2001:db8:0:1::2']);
    assert.equal(field(fs, 'tcp.seq').offset, 44);
    assert.equal(field(fs, 'tcp.opt.sack').value, '10-20');
  });

  test('damaged bytes: an error field, never an exception (every truncation of a packet, and seeded noise)', () => {
    const bytes = v4();
    for (let n = 0; n < bytes.length; n++) {
      const fs = packetFields(bytes.subarray(0, n));
      assert.ok(fs.length > 0, `cut at ${n}`);
    }
    assert.equal(packetFields(new Uint8Array(0))[0]!.id, 'error');
    let x = 12345;
    const rnd = (): number => ((x = (x * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    for (let i = 0; i < 2000; i++) {
      const b = bytes.slice();
      for (let k = 0; k < 4; k++) b[rnd() % b.length] = rnd();
      assert.doesNotThrow(() => packetFields(b), `noise round ${i} (seed 12345)`);
    }
    const bad = bytes.slice();
    bad[32] = 0x30; // data offset 12 bytes: below the 20 the header needs
    assert.equal(packetFields(bad).at(-1)!.id, 'error');
  });
});
