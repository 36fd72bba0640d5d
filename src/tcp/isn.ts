/**
 * RFC 6528 initial sequence numbers: ISN = M + F(localip, localport, remoteip, remoteport, secretkey),
 * where M is a timer ticking every 4 microseconds and F is SipHash-2-4 (RFC 6528 §3 asks for a
 * cryptographic hash; SipHash is what Linux uses) keyed with a secret chosen at random at start.
 * ISNs of one 4-tuple then increase with time, as RFC 9293 §3.4.1 requires, while an off-path
 * attacker cannot predict another 4-tuple's ISN (the study notes' sequence-prediction hijack).
 */
import type { IpAddress } from '../wire/index.js';
import type { RandomSource } from './random.js';
import { sipHash24, SipKey } from './siphash.js';

/** Serialize a 4-tuple into `out` (reused); returns the length. */
export function fourTupleBytes(out: Uint8Array, localAddr: IpAddress, localPort: number, remoteAddr: IpAddress, remotePort: number): number {
  // No closure: this runs for every SYN of a flood (cookie and timestamp-offset hashes).
  let i = putAddress(out, 0, localAddr);
  i = putAddress(out, i, remoteAddr);
  out[i++] = localPort >>> 8; out[i++] = localPort;
  out[i++] = remotePort >>> 8; out[i++] = remotePort;
  return i;
}

function putAddress(out: Uint8Array, i: number, a: IpAddress): number {
  if (typeof a === 'number') {
    out[i] = a >>> 24; out[i + 1] = a >>> 16; out[i + 2] = a >>> 8; out[i + 3] = a;
    return i + 4;
  }
  out.set(a, i);
  return i + 16;
}

export class IsnGenerator {
  private readonly key: SipKey;
  private readonly scratch = new Uint8Array(36);

  /** `secret` is 16 bytes; or pass a RandomSource to draw one. */
  constructor(secret: Uint8Array | RandomSource) {
    if (secret instanceof Uint8Array) this.key = new SipKey(secret);
    else {
      const k = new Uint8Array(16);
      secret.fill(k);
      this.key = new SipKey(k);
    }
  }

  /** F(): the keyed hash of the 4-tuple alone. */
  offset(localAddr: IpAddress, localPort: number, remoteAddr: IpAddress, remotePort: number): number {
    const n = fourTupleBytes(this.scratch, localAddr, localPort, remoteAddr, remotePort);
    return sipHash24(this.key, this.scratch, 0, n);
  }

  /** The ISN for a connection opened at `nowMs` (RFC 6528 §3: M is the 4 µs clock). */
  isn(localAddr: IpAddress, localPort: number, remoteAddr: IpAddress, remotePort: number, nowMs: number): number {
    const m = Math.floor(nowMs * 250) % 0x1_0000_0000;
    return (m + this.offset(localAddr, localPort, remoteAddr, remotePort)) >>> 0;
  }
}
