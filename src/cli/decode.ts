/** `synack decode FILE [--json]`: every packet of a pcap or pcapng file (or stdin), a line each. */
import { readCaptureFile, type CaptureFileResult } from '../link/pcap-file.js';
import { decodeCapturedTcp, frameLine, tcpPacketLine, tcpPacketToJson, type CapturedTcpPacket, type CaptureRecord, type DecodeFailure } from '../wire/index.js';
import { parseArgs, UsageError } from './args.js';
import { fileProgressText, Progress } from './progress.js';

export const decodeUsage = `usage: synack decode FILE [--json]

Decode every packet of a pcap or pcapng capture (Ethernet with VLAN tags, raw IP, Linux cooked
v1/v2, BSD loopback). By default one tcpdump-like line per packet (TCP; ARP; UDP, with DHCP and DNS
read; IPv6 neighbour discovery); with --json one JSON object
per line: for TCP packets frame, ipVersion, src, dst, ttl, ecn, srcPort, dstPort, seq, ack, flags,
window, payloadLength, checksum, checksumValid, urgentPointer, options; for anything else
{frame, error, detail}.

FILE '-' reads standard input. The capture is read as a stream, so its size does not matter;
on a terminal, while the lines go to a file, a progress line shows how far it has got.
A packet cut by the capture's snap length (tcpdump -s) is decoded as far as it was captured,
with its real length: the line ends in [captured 96 of 1514 bytes], the JSON adds
capturedLength and originalLength, and checksumValid is null (the data is not all there);
options cut by it show as "options [|tcp]" (JSON: optionsCut true).`;

/** Decode one captured frame down to TCP (through a snap-length cut: see decodeCapturedTcp). */
export function decodeRecord(record: CaptureRecord): CapturedTcpPacket | DecodeFailure {
  return decodeCapturedTcp(record);
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
  return decodeFile(args.positionals[0], args.flags.has('json'), io);
}

/**
 * Print every packet of a capture file ('-': standard input) as it is read, in chunks: memory stays
 * the same whatever the file's size. Progress on a terminal when the lines go elsewhere.
 */
export function decodeFile(file: string, json: boolean, io: Output, opts: { chunkSize?: number; progress?: Progress } = {}): number {
  const progress = opts.progress ?? new Progress({ enabled: !json && process.stderr.isTTY === true && process.stdout.isTTY !== true });
  let first: CaptureRecord | undefined;
  const result = readCaptureReporting('decode', 'decoding', file, io, progress, opts.chunkSize, (record) => {
    first ??= { ...record, data: new Uint8Array(0) };
    const p = decodeRecord(record);
    if (json) {
      io.out(JSON.stringify(p.ok ? tcpPacketToJson(record.frame, p) : { frame: record.frame, error: p.reason, detail: p.detail }));
    } else {
      const t = record.seconds - first.seconds + (record.nanoseconds - first.nanoseconds) / 1e9;
      const body = p.ok ? tcpPacketLine(p) : (frameLine(record.linkType, record.data) ?? `${p.reason}: ${p.detail}`);
      io.out(`${String(record.frame).padStart(5)} ${t.toFixed(6)} ${body}`);
    }
  });
  if (result === undefined) return 1;
  if (result.damage) {
    io.err(`synack decode: ${file}: ${result.damage.reason}: ${result.damage.detail} (after ${result.reader.frames} packets)`);
    return 1;
  }
  return 0;
}

/**
 * Read a capture file ('-': standard input) record by record, with progress, for `synack COMMAND`:
 * undefined (after one line on stderr) when it cannot be read or is not a capture at all; damage
 * after some records is the caller's to report.
 */
export function readCaptureReporting(
  command: string,
  verb: string,
  file: string,
  io: Output,
  progress: Progress,
  chunkSize: number | undefined,
  onRecord: (record: CaptureRecord) => void,
): CaptureFileResult | undefined {
  let frames = 0;
  let result: CaptureFileResult;
  try {
    result = readCaptureFile(
      file,
      (record) => {
        frames++;
        onRecord(record);
      },
      { chunkSize, onRead: (read, total) => progress.update(() => fileProgressText(verb, file, read, total, frames)) },
    );
  } catch (e) {
    progress.clear();
    io.err(`synack ${command}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return undefined;
  }
  progress.clear();
  if (result.failure) {
    io.err(`synack ${command}: ${file}: ${result.failure.reason}: ${result.failure.detail}`);
    return undefined;
  }
  return result;
}
