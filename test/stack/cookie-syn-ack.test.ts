/**
 * The hand-written cookie SYN-ACK encoder against the general one: for random 4-tuples, sequence
 * numbers, windows, TTLs, IP ids and every combination of options a cookie SYN-ACK can carry, in both
 * families, writeCookieSynAck's bytes equal encodeTcpPacket's for the same segment.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeCookieSynAck, type CookieSynAckShape } from '../../src/stack/cookie-syn-ack.js';
import { SeededRandom } from '../../src/tcp/random.js';
import { decodeTcpPacket, encodeTcpPacket, TcpFlag, type TcpOptions } from '../../src/wire/index.js';

test('writeCookieSynAck writes what encodeTcpPacket writes (seeded, 4000 cases)', () => {
  const seed = 7;
  const r = new SeededRandom(seed);
  for (let i = 0; i < 4000; i++) {
    const v4 = r.chance(0.5);
    const local = v4 ? r.nextUint32() : r.bytes(16);
    const remote = v4 ? r.nextUint32() : r.bytes(16);
    const localPort = r.int(65536);
    const remotePort = r.int(65536);
    const ttl = r.int(256);
    const ipId = r.int(65536);
    const isn = r.nextUint32();
    const ack = r.nextUint32();
    const flags = TcpFlag.SYN | TcpFlag.ACK | (r.chance(0.3) ? TcpFlag.ECE : 0);
    const window = r.int(65536);
    const noOptions = r.chance(0.1);
    const timestamps = !noOptions && r.chance(0.7);
    const shape: CookieSynAckShape = {
      mss: noOptions ? -1 : r.int(65536),
      timestamps,
      sackPermitted: timestamps && r.chance(0.5),
      wscale: timestamps && r.chance(0.5) ? r.int(15) : -1,
    };
    const tsval = r.nextUint32();
    const tsecr = r.nextUint32();
    const options: TcpOptions = {};
    if (shape.mss >= 0) options.mss = shape.mss;
    if (shape.timestamps) options.timestamp = { value: tsval, echo: tsecr };
    if (shape.sackPermitted) options.sackPermitted = true;
    if (shape.wscale >= 0) options.wscale = shape.wscale;
    const expected = encodeTcpPacket({
      ip: typeof local === 'number'
        ? { version: 4, src: local, dst: remote as number, ttl, identification: ipId, ecn: 0 }
        : { version: 6, src: local, dst: remote as Uint8Array, hopLimit: ttl, ecn: 0 },
      tcp: { srcPort: localPort, dstPort: remotePort, seq: isn, ack, flags, window, urgentPointer: 0, options },
    });
    const got = writeCookieSynAck(local, localPort, remote, remotePort, ttl, ipId, isn, ack, flags, window, shape, tsval, tsecr);
    assert.deepEqual(got, expected, `seed ${seed}, case ${i}: ${JSON.stringify({ v4, shape })}`);
    const d = decodeTcpPacket(got);
    assert.ok(d.ok && d.ip.version === (v4 ? 4 : 6), `seed ${seed}, case ${i}: decodes`);
  }
});
