/**
 * Ephemeral port selection, RFC 6056 §3.3.3 (Algorithm 3, "Simple Hash-Based Port Selection"): the
 * search starts at an offset that is a keyed hash of (local address, remote address, remote port), so
 * an off-path attacker cannot guess the port of someone else's connection, while ports for one
 * destination still advance in sequence (which keeps reuse of a recent 4-tuple unlikely).
 */
import type { IpAddress } from '../wire/index.js';
import { fourTupleBytes } from '../tcp/isn.js';
import type { RandomSource } from '../tcp/random.js';
import { sipHash24, SipKey } from '../tcp/siphash.js';

export const EPHEMERAL_MIN = 49152;
export const EPHEMERAL_MAX = 65535;

export class EphemeralPorts {
  private readonly key: SipKey;
  private nextEphemeral: number;
  private readonly scratch = new Uint8Array(36);

  constructor(
    random: RandomSource,
    readonly min = EPHEMERAL_MIN,
    readonly max = EPHEMERAL_MAX,
  ) {
    const k = new Uint8Array(16);
    random.fill(k);
    this.key = new SipKey(k);
    this.nextEphemeral = random.nextUint32() % (max - min + 1);
  }

  /** A port for which `free(port)` holds, or undefined when every one is taken. */
  choose(localAddr: IpAddress, remoteAddr: IpAddress, remotePort: number, free: (port: number) => boolean): number | undefined {
    const n = this.max - this.min + 1;
    // F(local_IP, remote_IP, remote_port, secret_key): the local port takes no part in it.
    const len = fourTupleBytes(this.scratch, localAddr, 0, remoteAddr, remotePort);
    const offset = sipHash24(this.key, this.scratch, 0, len);
    for (let count = n; count > 0; count--) {
      const port = this.min + ((this.nextEphemeral + offset) % n);
      this.nextEphemeral = (this.nextEphemeral + 1) % n;
      if (free(port)) return port;
    }
    return undefined;
  }
}
