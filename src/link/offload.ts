/**
 * Segmentation offload at a device, as Linux's GSO/TSO and GRO: fewer trips through the stack for
 * the same packets on the wire.
 *
 * Sending (GsoSegmenter): a stack with `gsoMaxSize` hands its driver one TCP/IP packet of up to 64 KB
 * that stands for several full-sized segments (Stack.transmitGsoSize gives their size); the driver
 * cuts it here into the wire packets a stack without offload would have sent one by one: the headers
 * copied to each, the sequence number advanced by the data before it, PSH and FIN only on the last
 * piece and CWR only on the first (RFC 3168 §6.1.2, as Linux's tcp_gso_segment), IPv4 IDs counting
 * up from the packet's, lengths and checksums (IPv4 header; TCP unless the stack offloads it) per
 * piece.
 *
 * Receiving (GroMerger): packets of one TCP flow that arrive together (a simulator batch, one read
 * batch of a TUN device) and continue each other exactly are merged into one packet before the stack,
 * which takes it as the segments it holds (Stack.handleMerged). As Linux's tcp_gro_receive
 * merges: same addresses, ports, IP TOS and TTL (hop limit, flow label); the next sequence number;
 * the same ACK, window and option bytes (so the same timestamps); only ACK set, PSH allowed on the
 * last; pieces of one size, a shorter one or a PSH ending the merge; at most 65,535 octets. Anything
 * else (a gap, a flag, a bad checksum, another flow) first hands over what is held, then goes alone,
 * so the order of a flow's packets never changes.
 *
 * Who may write a packet. A packet handed on is normally shared: a link's taps and captures, the
 * explorer and the stack (whose received data are views of the packet) may all keep it, so nobody
 * writes it again, and a merge is built by copying each piece's data into memory of the merger's own.
 * A packet the receiver owns outright (`receive(packet, now, owned)`) is one nobody else holds or will
 * see again: a piece this file's GsoSegmenter cut into fresh memory, carried by a simulator link with
 * no tap, capture, filter or duplication on it (SimLink.send). The merge of such pieces is made where
 * they lie, as a NIC's receive path hands up the pages it wrote rather than copying them: the pieces of
 * one cut sit one after another in a slab (at PIECE_ALIGN boundaries), so each piece's data is moved
 * back over the headers between it and the data before it (`copyWithin`, within memory already in
 * the cache) and the merge is a view of the first piece's memory. Every piece so merged is spent: its
 * headers are overwritten, which is why only an owned piece may be merged this way. A piece that is
 * not owned, or does not sit right after the last, turns the merge into a copy as before.
 */
import { checksumFinish, internetChecksum, onesSum, pseudoHeaderSumV4, pseudoHeaderSumV6 } from '../wire/checksum.js';
import { foldSum } from '../wire/checksum.js';
import { IpProtocol } from '../wire/ip.js';
import { TcpFlag } from '../wire/tcp.js';

/**
 * Size of the slabs cut packets are taken from: room for about seven 64 KB packets' pieces, so that
 * few merges straddle two slabs (a merge in place needs its pieces side by side).
 */
const SLAB_BYTES = 512 * 1024;
/** The largest IP packet (IPv4 total length, IPv6 payload length plus header). */
const MAX_IP_PACKET = 65535;
/** Size of the slabs merges are built in (GroMerger): room for sixteen of the largest. */
const GRO_SLAB_BYTES = 16 * 65536;
/** Pieces are cut at offsets that are multiples of this (GroMerger's in-place merge relies on it). */
const PIECE_ALIGN = 8;

/** The offset a piece cut right after one ending at `end` starts at. */
function alignPiece(end: number): number {
  return (end + PIECE_ALIGN - 1) & -PIECE_ALIGN;
}

function u16(b: Uint8Array, i: number): number {
  return (b[i] << 8) | b[i + 1];
}

function u32(b: Uint8Array, i: number): number {
  return ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
}

function put16(b: Uint8Array, i: number, v: number): void {
  b[i] = (v >>> 8) & 0xff;
  b[i + 1] = v & 0xff;
}

function put32(b: Uint8Array, i: number, v: number): void {
  b[i] = v >>> 24;
  b[i + 1] = (v >>> 16) & 0xff;
  b[i + 2] = (v >>> 8) & 0xff;
  b[i + 3] = v & 0xff;
}

/**
 * Where a packet's TCP header starts, if it is a TCP packet without IPv4 options fragments or IPv6
 * extension headers whose lengths agree with its size (`p` and `more` octets after it: a payload
 * held apart from the headers); -1 otherwise.
 */
function tcpOffset(p: Uint8Array, more = 0): number {
  if (p.length < 20) return -1;
  const version = p[0] >>> 4;
  let ipLen: number;
  if (version === 4) {
    if (p[0] !== 0x45 || p[9] !== IpProtocol.TCP || u16(p, 2) !== p.length + more || (u16(p, 6) & 0x3fff) !== 0) return -1;
    ipLen = 20;
  } else if (version === 6) {
    if (p.length < 40 || p[6] !== IpProtocol.TCP || u16(p, 4) + 40 !== p.length + more) return -1;
    ipLen = 40;
  } else return -1;
  if (p.length < ipLen + 20) return -1;
  const thl = (p[ipLen + 12] >>> 4) * 4;
  if (thl < 20 || ipLen + thl > p.length) return -1;
  return ipLen;
}

/** The TCP checksum of the segment at `t` in `p` computed afresh (the field summed as zero). */
function tcpChecksum(p: Uint8Array, t: number): number {
  p[t + 16] = 0;
  p[t + 17] = 0;
  const len = p.length - t;
  const pseudo = t === 20
    ? pseudoHeaderSumV4(u32(p, 12), u32(p, 16), IpProtocol.TCP, len)
    : pseudoHeaderSumV6(p.subarray(8, 24), p.subarray(24, 40), IpProtocol.TCP, len);
  return checksumFinish(onesSum(p, t, p.length, pseudo));
}

/** Whether the TCP checksum of the segment at `t` in `p` verifies (RFC 9293 §3.1). */
function tcpChecksumValid(p: Uint8Array, t: number): boolean {
  const len = p.length - t;
  const pseudo = t === 20
    ? pseudoHeaderSumV4(u32(p, 12), u32(p, 16), IpProtocol.TCP, len)
    : pseudoHeaderSumV6(p.subarray(8, 24), p.subarray(24, 40), IpProtocol.TCP, len);
  return foldSum(onesSum(p, t, p.length, pseudo)) === 0xffff;
}

function setIpv4HeaderChecksum(p: Uint8Array): void {
  p[10] = 0;
  p[11] = 0;
  put16(p, 10, internetChecksum(p, 0, 20));
}

/** The cutting half of segmentation offload (see the file's header). */
export class GsoSegmenter {
  private slab = new Uint8Array(0);
  private used = 0;
  /** Packets cut, and offloaded packets they came from (for a driver's statistics). */
  packetsIn = 0;
  piecesOut = 0;

  /**
   * Cut `packet` (a TCP/IP packet the stack marked for offload) into wire packets of at most
   * `gsoSize` data octets each, appended to `out`. `fillChecksums`: compute each piece's TCP checksum
   * (false when the stack offloads checksums: the field stays zero, as the stack would have sent it).
   * A packet that is not one this can cut (not TCP, or no longer than one piece) is appended as it is.
   * Returns the number of pieces cut (0 when the packet went as it is): each is fresh memory that no
   * one else has seen, the caller's to hand on as owned (see the file's header).
   *
   * `payload`: the data held apart (scatter-gather, Stack.transmitGsoPayload), `packet` being then
   * the headers alone, their lengths counting it; each piece's data is copied straight from it.
   */
  cut(packet: Uint8Array, gsoSize: number, fillChecksums: boolean, out: Uint8Array[], payload?: Uint8Array): number {
    const apart = payload !== undefined && payload.length > 0;
    const t = tcpOffset(packet, apart ? payload.length : 0);
    const hdr = apart ? packet.length : t < 0 ? 0 : t + (packet[t + 12] >>> 4) * 4;
    const data = apart ? payload.length : packet.length - hdr;
    if (t < 0 || !(gsoSize > 0) || data <= gsoSize || (apart && t + (packet[t + 12] >>> 4) * 4 !== hdr)) {
      out.push(apart ? this.gather(packet, payload) : packet);
      return 0;
    }
    const source = apart ? payload : packet.subarray(hdr);
    this.packetsIn++;
    const v4 = t === 20;
    const seq = u32(packet, t + 4);
    const flags = packet[t + 13];
    const id = v4 ? u16(packet, 4) : 0;
    const headers = packet.subarray(0, hdr);
    // The pieces go one after another, each at a PIECE_ALIGN boundary (`slot` octets apart); all the
    // data is copied in one go to follow the first piece's headers, then each piece's data is moved
    // out to its own place, the last first (each moves forward, clear of the data not yet moved).
    // Two copies of each octet, but within the cache and with no view of the source per piece.
    const count = Math.ceil(data / gsoSize);
    const slot = alignPiece(hdr + gsoSize);
    const extent = (count - 1) * slot + hdr + (data - (count - 1) * gsoSize);
    if (this.used + extent > this.slab.length) {
      this.slab = new Uint8Array(Math.max(SLAB_BYTES, extent));
      this.used = 0;
    }
    const slab = this.slab;
    const base = this.used;
    slab.set(source, base + hdr);
    for (let i = count - 1; i > 0; i--) {
      const from = base + hdr + i * gsoSize;
      slab.copyWithin(base + i * slot + hdr, from, from + Math.min(gsoSize, data - i * gsoSize));
    }
    this.used = alignPiece(base + extent);
    let pieces = 0;
    for (let off = 0; off < data; off += gsoSize, pieces++) {
      const len = Math.min(gsoSize, data - off);
      const last = off + len === data;
      const total = hdr + len;
      const at = base + pieces * slot;
      const p = slab.subarray(at, at + total);
      p.set(headers);
      put32(p, t + 4, (seq + off) >>> 0);
      let f = flags;
      if (!last) f &= ~(TcpFlag.PSH | TcpFlag.FIN);
      if (pieces > 0) f &= ~TcpFlag.CWR;
      p[t + 13] = f;
      if (v4) {
        put16(p, 2, total);
        put16(p, 4, (id + pieces) & 0xffff);
        setIpv4HeaderChecksum(p);
      } else put16(p, 4, total - 40);
      if (fillChecksums) put16(p, t + 16, tcpChecksum(p, t));
      out.push(p);
    }
    this.piecesOut += pieces;
    return pieces;
  }

  /** Headers and their payload, held apart, as one packet (one this cannot cut goes on whole). */
  private gather(headers: Uint8Array, payload: Uint8Array): Uint8Array {
    const p = new Uint8Array(headers.length + payload.length);
    p.set(headers);
    p.set(payload, headers.length);
    return p;
  }
}

/** What a GroMerger hands packets to: a Stack, or anything with its handlePacket and handleMerged. */
export interface GroSink {
  handlePacket(bytes: Uint8Array, now: number): void;
  handleMerged(bytes: Uint8Array, now: number, groSize: number): void;
}

/** The merging half of segmentation offload (see the file's header). Holds at most one flow's packets. */
export class GroMerger {
  /** The first packet of a possible merge, not yet copied. */
  private first: Uint8Array | undefined;
  /** Whether `first`, and every piece merged after it so far, was owned (see the file's header). */
  private owned = false;
  /**
   * The merge once it has a second packet, at `base[start]`: the first's headers, then every piece's
   * data. Either in `slab` (a copy) or, merged in place, a view of the whole of the first's memory.
   */
  private base: Uint8Array | undefined;
  private start = 0;
  private inPlace = false;
  /** Merged in place: where in the first's memory the last piece merged ended (the next must follow it). */
  private lastEnd = 0;
  /**
   * Merges are copied into slabs (as packets are cut from slabs): room for the largest merge is taken
   * at `slabUsed`, and only what the merge used is given up. Never written again once handed over:
   * the stack keeps views of received data (Segment.payload).
   */
  private slab = new Uint8Array(0);
  private slabUsed = 0;
  private length = 0;
  private pieces = 0;
  /** Data octets of each piece (the first's). */
  private size = 0;
  private hdr = 0;
  private tcp = 0;
  private nextSeq = 0;
  /** Packets merged into another, and merges handed over (statistics); merges made in place. */
  merged = 0;
  merges = 0;
  mergesInPlace = 0;

  /**
   * `verifyChecksums`: check each packet's TCP checksum before merging it (the stack does not sum a
   * merge again); off only where the stack trusts checksums anyway. IPv4 header checksums are always
   * checked.
   */
  constructor(
    private readonly sink: GroSink,
    private readonly verifyChecksums: boolean,
  ) {}

  /** Whether packets are held (flush hands them over). */
  get holding(): boolean {
    return this.first !== undefined;
  }

  /**
   * A packet arrived: merged with those held, held, or handed over (after those held). `owned`: the
   * packet is the receiver's alone and may be written (see the file's header); by default it is not.
   */
  receive(packet: Uint8Array, now: number, owned = false): void {
    const t = tcpOffset(packet);
    if (t < 0) {
      this.flush(now);
      this.sink.handlePacket(packet, now);
      return;
    }
    const hdr = t + (packet[t + 12] >>> 4) * 4;
    const data = packet.length - hdr;
    const flags = packet[t + 13];
    // Only ACK, or ACK and PSH (which ends a merge): anything else goes through alone.
    const plain = data > 0 && (flags & ~TcpFlag.PSH) === TcpFlag.ACK && u16(packet, t + 18) === 0;
    const sound = plain && (t !== 20 || internetChecksum(packet, 0, 20) === 0) && (!this.verifyChecksums || tcpChecksumValid(packet, t));
    if (!sound) {
      this.flush(now);
      this.sink.handlePacket(packet, now);
      return;
    }
    if (this.first !== undefined && this.continues(packet, t, hdr, data)) {
      this.append(packet, hdr, data, owned);
      if (data < this.size || flags & TcpFlag.PSH) {
        // The last piece of this merge: its flags (PSH) go on the merge.
        this.base![this.start + this.tcp + 13] = flags;
        this.flush(now);
      }
      return;
    }
    this.flush(now);
    if (flags & TcpFlag.PSH) {
      this.sink.handlePacket(packet, now);
      return;
    }
    this.first = packet;
    this.owned = owned;
    this.pieces = 1;
    this.size = data;
    this.hdr = hdr;
    this.tcp = t;
    this.nextSeq = (u32(packet, t + 4) + data) >>> 0;
  }

  /** Hand over what is held: one packet as it came, or the merge. */
  flush(now: number): void {
    const first = this.first;
    if (first === undefined) return;
    this.first = undefined;
    const base = this.base;
    if (base === undefined) {
      this.sink.handlePacket(first, now);
      return;
    }
    this.base = undefined;
    const p = base.subarray(this.start, this.start + this.length);
    if (this.inPlace) this.mergesInPlace++;
    else this.slabUsed += (this.length + 7) & ~7;
    if (this.tcp === 20) {
      put16(p, 2, this.length);
      setIpv4HeaderChecksum(p);
    } else put16(p, 4, this.length - 40);
    this.merges++;
    this.sink.handleMerged(p, now, this.size);
  }

  /** Whether `p` continues the held flow exactly (see the file's header). */
  private continues(p: Uint8Array, t: number, hdr: number, data: number): boolean {
    const f = this.first!;
    if (t !== this.tcp || hdr !== this.hdr || data > this.size) return false;
    const length = this.base === undefined ? f.length : this.length;
    if (length + data > MAX_IP_PACKET) return false;
    if (this.base !== undefined && this.base[this.start + this.tcp + 13] !== TcpFlag.ACK) return false;
    if (u32(p, t + 4) !== this.nextSeq) return false;
    if (t === 20) {
      // Version, IHL, TOS; TTL and protocol; addresses.
      if (p[0] !== f[0] || p[1] !== f[1] || p[8] !== f[8] || p[9] !== f[9]) return false;
      for (let i = 12; i < 20; i++) if (p[i] !== f[i]) return false;
    } else {
      // Version, traffic class, flow label; next header and hop limit; addresses.
      for (let i = 0; i < 4; i++) if (p[i] !== f[i]) return false;
      for (let i = 6; i < 40; i++) if (p[i] !== f[i]) return false;
    }
    // Ports, then the ACK, data offset, window and urgent pointer, then the options, byte for byte;
    // the sequence number, flags and checksum are the fields allowed to differ.
    for (let i = t; i < t + 4; i++) if (p[i] !== f[i]) return false;
    for (let i = t + 8; i < t + 13; i++) if (p[i] !== f[i]) return false;
    for (let i = t + 14; i < t + 16; i++) if (p[i] !== f[i]) return false;
    for (let i = t + 18; i < hdr; i++) if (p[i] !== f[i]) return false;
    return true;
  }

  private append(p: Uint8Array, hdr: number, data: number, owned: boolean): void {
    const f = this.first!;
    if (this.base === undefined) {
      this.length = f.length;
      this.merged++;
      if (this.owned && owned && p.buffer === f.buffer && p.byteOffset === alignPiece(f.byteOffset + f.length)) {
        this.base = new Uint8Array(f.buffer);
        this.start = f.byteOffset;
        this.inPlace = true;
      } else this.copyOut(f, f.length);
    } else if (this.inPlace && !(owned && p.buffer === f.buffer && p.byteOffset === alignPiece(this.lastEnd))) {
      this.copyOut(this.base.subarray(this.start, this.start + this.length), this.length);
    }
    const base = this.base!;
    if (this.inPlace) {
      // The piece's data moved back to follow the merge's; its headers and the padding before it
      // (both spent) are overwritten.
      base.copyWithin(this.start + this.length, p.byteOffset + hdr, p.byteOffset + hdr + data);
      this.lastEnd = p.byteOffset + p.length;
    } else base.set(p.subarray(hdr, hdr + data), this.start + this.length);
    this.length += data;
    this.pieces++;
    this.merged++;
    this.nextSeq = (this.nextSeq + data) >>> 0;
  }

  /** Continue the merge as a copy in the merger's own slab, starting with `held` (`length` octets so far). */
  private copyOut(held: Uint8Array, length: number): void {
    if (this.slabUsed + MAX_IP_PACKET > this.slab.length) {
      this.slab = new Uint8Array(GRO_SLAB_BYTES);
      this.slabUsed = 0;
    }
    this.slab.set(held.subarray(0, length), this.slabUsed);
    this.base = this.slab;
    this.start = this.slabUsed;
    this.inPlace = false;
  }
}
