/**
 * Names for the TLS records a segment carries (RFC 8446 §5.1, RFC 5246 §6.2), for ladder diagrams
 * of TLS over TCP: "ClientHello", "ServerHello", "ChangeCipherSpec", "Certificate", ... for what is
 * sent in the clear; "encrypted" for what is not. TLS 1.3 encrypts everything after ServerHello
 * (EncryptedExtensions, Certificate, Finished, NewSessionTicket and application data all travel as
 * records of type application_data), and TLS 1.2 encrypts the Finished after ChangeCipherSpec: the
 * wire does not say which is which, and neither do these names.
 *
 * Records span segments: one tracker per direction follows the record boundaries through the
 * stream (segments in order, as on a lossless link; a gap or a retransmission loses the thread and
 * names nothing until a segment starts with something that looks like a record header again).
 */

const CONTENT: Record<number, string> = { 20: 'ChangeCipherSpec', 21: 'Alert', 23: 'encrypted' };
const HANDSHAKE: Record<number, string> = {
  1: 'ClientHello',
  2: 'ServerHello',
  4: 'NewSessionTicket',
  8: 'EncryptedExtensions',
  11: 'Certificate',
  12: 'ServerKeyExchange',
  13: 'CertificateRequest',
  14: 'ServerHelloDone',
  15: 'CertificateVerify',
  16: 'ClientKeyExchange',
  20: 'Finished',
};

/** Follows one direction's byte stream; `names(payload)` is what this segment's data begins or holds. */
export class TlsRecordTracker {
  /** Bytes of the current record still to come. */
  private left = 0;
  /** A ChangeCipherSpec went this way: later handshake records are encrypted (TLS 1.2's Finished). */
  private encrypting = false;
  private lost = false;

  names(payload: Uint8Array): string[] {
    const out: string[] = [];
    let i = 0;
    if (this.left > 0) {
      const n = Math.min(this.left, payload.length);
      this.left -= n;
      i = n;
    }
    while (i < payload.length) {
      if (payload.length - i < 5) {
        this.lost = true;
        break;
      }
      const type = payload[i];
      const major = payload[i + 1];
      const len = (payload[i + 3] << 8) | payload[i + 4];
      if (type < 20 || type > 23 || major !== 3) {
        this.lost = true;
        break;
      }
      this.lost = false;
      if (type === 22 && !this.encrypting) out.push(HANDSHAKE[payload[i + 5]] ?? `handshake ${payload[i + 5]}`);
      else if (type === 22) out.push('encrypted');
      else out.push(CONTENT[type]);
      if (type === 20) this.encrypting = true;
      const end = i + 5 + len;
      if (end > payload.length) {
        this.left = end - payload.length;
        break;
      }
      i = end;
    }
    if (this.lost) this.left = 0;
    return out;
  }
}

/** A describer for TraceCollector's `describePayload`: TLS record names, one tracker per direction. */
export function tlsRecordDescriber(): (src: string, dst: string, payload: Uint8Array) => string | undefined {
  const trackers = new Map<string, TlsRecordTracker>();
  return (src, dst, payload) => {
    if (payload.length === 0) return undefined;
    const key = `${src}>${dst}`;
    let t = trackers.get(key);
    if (t === undefined) trackers.set(key, (t = new TlsRecordTracker()));
    const names = t.names(payload);
    if (names.length === 0) return undefined;
    // Runs of one name once: "encrypted x3".
    const parts: string[] = [];
    for (let i = 0; i < names.length; ) {
      let j = i;
      while (j < names.length && names[j] === names[i]) j++;
      parts.push(j - i > 1 ? `${names[i]} x${j - i}` : names[i]);
      i = j;
    }
    return parts.join(', ');
  };
}
