/** `synack decode FILE [--json]`: every packet of a pcap or pcapng file, a line each. */
import { readFileSync } from 'node:fs';
import {
  decodeTcpPacket,
  locateIp,
  readCapture,
  tcpPacketLine,
  tcpPacketToJson,
  type CaptureRecord,
  type DecodeFailure,
  type TcpPacket,
} from '../wire/index.js';
import { parseArgs, UsageError } from './args.js';

export const decodeUsage = `usage: synack decode FILE [--json]

Decode every packet of a pcap or pcapng capture (Ethernet with VLAN tags, raw IP, Linux cooked
v1/v2, BSD loopback). By default one tcpdump-like line per packet; with --json one JSON object
per line: for TCP packets frame, ipVersion, src, dst, ttl, ecn, srcPort, dstPort, seq, ack, flags,
window, payloadLength, checksum, checksumValid, urgentPointer, options; for anything else
{frame, error, detail}.`;

/** Decode one captured frame down to TCP. */
export function decodeRecord(record: CaptureRecord): TcpPacket | DecodeFailure {
  const at = locateIp(record.linkType, record.data);
  if (!at.ok) return at;
  return decodeTcpPacket(record.data, at.offset, at.length);
}

export interface Output {
  out(line: string): void;
  err(line: string): void;
}

/** Runs the command; returns the exit code. */
export function runDecode(argv: string[], io: Output): number {
  const args = parseArgs(argv, { boolean: ['json', 'help'] });
  if (args.flags.has('help')) {
    io.out(decodeUsage);
    return 0;
  }
  if (args.positionals.length !== 1) throw new UsageError('decode takes exactly one FILE');
  const file = args.positionals[0];
  const json = args.flags.has('json');
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    io.err(`synack decode: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return 1;
  }
  const capture = readCapture(bytes);
  if (!capture.ok) {
    io.err(`synack decode: ${file}: ${capture.reason}: ${capture.detail}`);
    return 1;
  }
  const first = capture.records[0];
  for (const record of capture.records) {
    const p = decodeRecord(record);
    if (json) {
      io.out(JSON.stringify(p.ok ? tcpPacketToJson(record.frame, p) : { frame: record.frame, error: p.reason, detail: p.detail }));
    } else {
      const t = record.seconds - first.seconds + (record.nanoseconds - first.nanoseconds) / 1e9;
      const body = p.ok ? tcpPacketLine(p) : `${p.reason}: ${p.detail}`;
      io.out(`${String(record.frame).padStart(5)} ${t.toFixed(6)} ${body}`);
    }
  }
  if (capture.damage) {
    io.err(`synack decode: ${file}: ${capture.damage.reason}: ${capture.damage.detail} (after ${capture.records.length} packets)`);
    return 1;
  }
  return 0;
}
