/**
 * Loss recovery between two stacks in the simulator, with particular segments lost, delayed or
 * left unread on purpose (SimLink.filter): SACK-based fast recovery (RFC 6675 / RFC 8985 RACK),
 * tail loss probes (RFC 8985 §7), lost retransmissions, reordering, lost ACKs, a closed window.
 * Each run is seeded; a failure message carries the seed and what the counters were.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { simulateTransfer, type SimTransferSpec } from '../../src/workloads/scenario.js';
import type { LinkProfile } from '../../src/link/sim.js';
import { decodeTcpPacket, TcpFlag } from '../../src/wire/index.js';
import type { TcpStats } from '../../src/tcp/stats.js';

/** A data segment on the link, as the filter sees it: its offset in the client's byte stream. */
interface DataSegment {
  /** Offset of the first data byte from the start of the stream (ISN + 1). */
  offset: number;
  length: number;
  /** 0 for the first transmission of this offset, 1 for the first retransmission, ... */
  copy: number;
  fin: boolean;
}

type Verdict = 'drop' | number | undefined;

interface Run {
  ok: boolean;
  reason: string | undefined;
  client: TcpStats;
  server: TcpStats;
  retransmits: number;
  timeouts: number;
  message: string;
}

const MSS = 1448; // MTU 1500 less IP, TCP and timestamp option bytes

/**
 * Client-to-server upload of `bytes`; `dataFilter` sees every data segment from the client and
 * `ackFilter` every segment from the server (time in ms).
 */
function upload(
  seed: number,
  bytes: number,
  link: Partial<LinkProfile>,
  dataFilter: (s: DataSegment, now: number) => Verdict,
  ackFilter: (now: number) => Verdict = () => undefined,
  extra: Partial<SimTransferSpec> = {},
): Run {
  let isn: number | undefined;
  const copies = new Map<number, number>();
  const spec: SimTransferSpec = { seed, bytes, direction: 'up', link: { delayMs: 10, rateBps: 20e6, ...link }, maxMs: 600_000, ...extra };
  const run = simulateTransfer(spec, (l) => {
    l.filter = (packet, now, from) => {
      const p = decodeTcpPacket(packet);
      if (!p.ok) return undefined;
      if (from !== l.a) return ackFilter(now);
      const h = p.tcp;
      if (h.flags & TcpFlag.SYN) {
        isn = h.seq;
        return undefined;
      }
      if (isn === undefined || (p.payloadLength === 0 && !(h.flags & TcpFlag.FIN))) return undefined;
      const offset = (h.seq - isn - 1) >>> 0;
      const copy = copies.get(offset) ?? 0;
      copies.set(offset, copy + 1);
      return dataFilter({ offset, length: p.payloadLength, copy, fin: (h.flags & TcpFlag.FIN) !== 0 }, now);
    };
  });
  const [c, s] = run.net.hosts;
  const client = c.stack.counters.tcp;
  const server = s.stack.counters.tcp;
  const r = run.report;
  const keys: Array<keyof TcpStats> = ['RetransSegs', 'TCPSackRecovery', 'TCPLossProbes', 'TCPLossProbeRecovery', 'TCPSACKReorder', 'TCPDSACKRecv', 'TCPDSACKUndo', 'TCPFullUndo', 'TCPSpuriousRTOs'];
  const counters = keys.map((k) => `${k}=${client[k]}`).join(' ');
  const message = `seed ${seed}: ${r.reason ?? 'ok'}; retransmits ${r.retransmits}, timeouts ${r.timeouts}; client ${counters}`;
  return { ok: r.ok, reason: r.reason, client, server, retransmits: r.retransmits, timeouts: r.timeouts, message };
}

const first = (s: DataSegment) => s.copy === 0;

describe('SACK-based loss recovery in the simulator (RFC 6675, RFC 8985)', () => {
  test('a single loss: one fast recovery, one retransmission, no timeout', () => {
    const r = upload(101, 200_000, {}, (s) => (first(s) && s.offset === 40 * MSS ? 'drop' : undefined));
    assert.ok(r.ok, r.message);
    assert.equal(r.retransmits, 1, r.message);
    assert.equal(r.client.TCPSackRecovery, 1, r.message);
    assert.equal(r.timeouts, 0, r.message);
  });

  test('a burst of five losses in one window: one recovery, five retransmissions, no timeout', () => {
    const r = upload(102, 200_000, {}, (s) => (first(s) && s.offset >= 40 * MSS && s.offset < 45 * MSS ? 'drop' : undefined));
    assert.ok(r.ok, r.message);
    assert.equal(r.client.TCPSackRecovery, 1, r.message);
    assert.equal(r.retransmits, 5, r.message);
    assert.equal(r.timeouts, 0, r.message);
  });

  test('a tail loss (the last four segments) is repaired after a loss probe, not a timeout (RFC 8985 §7)', () => {
    const bytes = 100_000; // 69 full segments and one of 88 bytes with the FIN
    const r = upload(103, bytes, {}, (s) => (first(s) && s.offset >= 66 * MSS ? 'drop' : undefined));
    assert.ok(r.ok, r.message);
    assert.equal(r.timeouts, 0, r.message);
    assert.ok(r.client.TCPLossProbes > 0, r.message);
    assert.ok(r.client.TCPLossProbeRecovery > 0, r.message);
    // The probe is the last segment again; its SACK lets RACK find the other three lost: four retransmissions.
    assert.equal(r.retransmits, 4, r.message);
  });

  test('a lost retransmission is found by RACK (the retransmission is timed like any segment), no timeout', () => {
    const r = upload(104, 300_000, {}, (s) => (s.offset === 40 * MSS && s.copy < 2 ? 'drop' : undefined));
    assert.ok(r.ok, r.message);
    assert.equal(r.retransmits, 2, r.message);
    assert.equal(r.timeouts, 0, r.message);
  });

  test('reordering within the reordering window (min_RTT / 4) is no loss: nothing retransmitted', () => {
    // 5 Mbit/s: a segment every 2.4 ms; one held back 3 ms is overtaken by one segment. RACK waits
    // min_RTT / 4 = 20 ms (RTT 80 ms) after the later one's send time before calling it lost (RFC 8985
    // §6.2 step 4, fewer than three segments SACKed), and the late one is there long before.
    const r = upload(105, 200_000, { rateBps: 5e6, delayMs: 40 }, (s) => (first(s) && s.offset % (20 * MSS) === 0 && s.offset > 0 ? 3 : undefined));
    assert.ok(r.ok, r.message);
    assert.equal(r.retransmits, 0, r.message);
    assert.ok(r.client.TCPSACKReorder > 0, `the reordering was seen: ${r.message}`);
  });

  test('reordering beyond the window: the needless retransmission is undone (Eifel timestamps, D-SACK)', () => {
    // One segment held back 15 ms on a 20 ms RTT at 20 Mbit/s: dozens overtake it, RACK retransmits
    // it, then the original arrives first: the ACK echoes the original's TSval (RFC 3522), and the
    // retransmission comes back as a D-SACK (RFC 2883).
    const r = upload(106, 300_000, {}, (s) => (first(s) && s.offset === 60 * MSS ? 15 : undefined));
    assert.ok(r.ok, r.message);
    assert.equal(r.retransmits, 1, r.message);
    assert.equal(r.client.TCPFullUndo + r.client.TCPDSACKUndo, 1, r.message);
    assert.equal(r.client.TCPDSACKRecv, 1, r.message);
    assert.equal(r.timeouts, 0, r.message);
  });

  test('lost ACKs: 15 ms of them gone, the cumulative ACKs after cover it, nothing retransmitted', () => {
    const r = upload(107, 300_000, {}, () => undefined, (now) => (now >= 60 && now < 75 ? 'drop' : undefined));
    assert.ok(r.ok, r.message);
    assert.equal(r.retransmits, 0, r.message);
    assert.equal(r.timeouts, 0, r.message);
  });

  test('a zero window that opens again: persist probes, no loss recovery, no loss probes', () => {
    // A 16 KB receive buffer read at 200 kbit/s fills and closes the window again and again.
    const r = upload(108, 60_000, {}, () => undefined, () => undefined, { receiveBufferSize: 16_384, readRateBps: 200_000 });
    assert.ok(r.ok, r.message);
    assert.equal(r.retransmits, 0, r.message);
    assert.equal(r.client.TCPSackRecovery, 0, r.message);
    assert.equal(r.client.TCPLossProbes, 0, r.message);
  });

  test('a receiver that stops reading for a minute, then resumes: intact, no spurious recovery', () => {
    const r = upload(109, 400_000, {}, () => undefined, () => undefined, { receiveBufferSize: 65_536, readPause: { fromMs: 50, toMs: 60_050 } });
    assert.ok(r.ok, r.message);
    assert.ok(r.client.TCPWindowProbes > 0, `zero-window probes while the reader slept: ${r.message}`);
    assert.equal(r.client.TCPSackRecovery, 0, r.message);
    assert.equal(r.client.TCPDSACKUndo + r.client.TCPFullUndo, 0, r.message);
  });

  test('without SACK: NewReno recovers a single loss on three duplicate ACKs, no timeout', () => {
    const r = upload(110, 200_000, {}, (s) => (first(s) && s.offset === 40 * MSS ? 'drop' : undefined), undefined, { tcp: { sack: false } });
    assert.ok(r.ok, r.message);
    assert.equal(r.retransmits, 1, r.message);
    assert.equal(r.client.TCPRenoRecovery, 1, r.message);
    assert.equal(r.client.TCPSackRecovery, 0, r.message);
    assert.equal(r.timeouts, 0, r.message);
  });
});
