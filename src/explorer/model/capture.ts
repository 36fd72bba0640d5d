/**
 * A capture dropped on the page (pcap or pcapng): one session per TCP connection in it, each drawn
 * as `synack ladder` draws it (states inferred from what each side sent and received), with every
 * segment's packet kept for the inspector.
 */
import { tracesFromCapture } from '../../browser/index.js';
import { LIMITS } from './limits.js';
import { StaticSession } from './static.js';

export interface CaptureError {
  error: 'too-big' | 'not-a-capture' | 'no-tcp';
  message: string;
}

export class CaptureSession extends StaticSession {
  readonly kind = 'capture' as const;

  /**
   * Every TCP connection of a capture file's bytes, in the order they began; `skipped` frames held no
   * TCP segment. A file that is no capture, or holds no TCP, is a clear error.
   */
  static open(bytes: Uint8Array, fileName = 'capture'): { sessions: CaptureSession[]; skipped: number; damage?: string } | CaptureError {
    if (bytes.length > LIMITS.captureBytes) return { error: 'too-big', message: `${fileName} is ${bytes.length} bytes; the page reads captures up to ${LIMITS.captureBytes} bytes` };
    const r = tracesFromCapture(bytes, { keepPackets: true });
    if (!r.ok) return { error: 'not-a-capture', message: `${fileName} is not a pcap or pcapng capture (${r.reason}: ${r.detail})` };
    if (r.traces.length === 0) return { error: 'no-tcp', message: `${fileName} holds no TCP segment (${r.skipped} other frames)` };
    const sessions = r.traces.map((t, i) => {
      const [client, server] = t.hosts;
      return new CaptureSession(`${fileName}: ${client.addresses[0]} > ${server.addresses[0]}`, t, r.packets?.[i]);
    });
    const out: { sessions: CaptureSession[]; skipped: number; damage?: string } = { sessions, skipped: r.skipped };
    if (r.damage) out.damage = `${r.damage.reason}: ${r.damage.detail}`;
    return out;
  }
}
