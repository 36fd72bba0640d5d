/**
 * A SYN encoded, decoded, checked and cut short: the README's example of the wire codecs (src/wire).
 * Run: `node dist/examples/wire.js`; test/readme/readme.test.ts checks that
 * the README shows this file and what it prints.
 */
import { decodeTcpPacket, tcpChecksumValid, encodeTcpPacket, parseIp, TcpFlag } from '../src/index.js';

const bytes = encodeTcpPacket({
  ip: { version: 4, src: parseIp('198.18.0.1') as number, dst: parseIp('198.18.0.2') as number },
  tcp: { srcPort: 49152, dstPort: 80, seq: 1, ack: 0, flags: TcpFlag.SYN, window: 65535, urgentPointer: 0,
         options: { mss: 1460, sackPermitted: true, wscale: 7, timestamp: { value: 1, echo: 0 } } },
});
const p = decodeTcpPacket(bytes);
if (p.ok) console.log(p.tcp.options.mss, tcpChecksumValid(p)); // 1460 true
else console.log(p.reason, p.detail);                          // decoding never throws
const cut = decodeTcpPacket(bytes.subarray(0, 30));
if (!cut.ok) console.log(cut.reason);                          // truncated
