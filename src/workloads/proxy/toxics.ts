/**
 * Toxics, as toxiproxy names them: a named impairment of one stream (upstream: client to server;
 * downstream: server to client), with a toxicity (the chance a connection gets it) and attributes.
 *
 * Two kinds, by where they act:
 * - packet-level: on the simulated link, the direction of their stream, for every connection (the
 *   link is shared, as a real path is): toxiproxy's `latency` {latency, jitter} (ms) and `bandwidth`
 *   {rate} (KB/s), and synack's own `loss` {probability}, `burst_loss` {p, r, bad_loss, good_loss}
 *   (netem's gemodel p, r, 1-h, 1-k), `reorder` {probability}, `duplicate` {probability}, `corrupt`
 *   {probability}, `mtu` {bytes}, `rate` {rate (bit/s), queue (bytes)} and `partition` {} (the link is
 *   down, both ways, while the toxic exists). These act on a shared path, so a toxicity below 1 (a
 *   share of connections) has no meaning for them: it is refused.
 * - stream-level: on the bytes at the proxy's ends, per connection, where toxiproxy's act:
 *   `slow_close` {delay} (ms before the stream's end is passed on), `timeout` {timeout} (data stops;
 *   the connection is closed after that many ms, never if 0), `reset_peer` {timeout} (the connection
 *   is reset after that many ms), `slicer` {average_size, size_variation, delay} (bytes cut into
 *   pieces of average_size +- size_variation, delay microseconds apart), `limit_data` {bytes} (the
 *   connection is closed once that many bytes have passed).
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { LinkProfile } from '../../link/sim.js';
import { checkLinkProfile } from '../../link/sim-options.js';

export type StreamName = 'upstream' | 'downstream';

export interface Toxic {
  name: string;
  type: string;
  stream: StreamName;
  toxicity: number;
  attributes: Record<string, number>;
}

/** A bad toxic: toxiproxy's message and status. */
export class ToxicError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

interface ToxicType {
  /** Attribute names and their defaults. */
  attributes: Record<string, number>;
  packet: boolean;
  /** The link settings a packet-level toxic adds to its direction. */
  link?: (a: Record<string, number>) => Partial<LinkProfile>;
}

const queueFor = (bps: number) => Math.max(16_384, Math.round((bps * 0.1) / 8));

export const TOXIC_TYPES: Record<string, ToxicType> = {
  latency: { attributes: { latency: 0, jitter: 0 }, packet: true, link: (a) => ({ delayMs: a.latency, jitterMs: a.jitter }) },
  // toxiproxy's rate is in KB/s (1000 bytes).
  bandwidth: { attributes: { rate: 0 }, packet: true, link: (a) => (a.rate > 0 ? { rateBps: a.rate * 8000, queueBytes: queueFor(a.rate * 8000) } : {}) },
  loss: { attributes: { probability: 0 }, packet: true, link: (a) => ({ loss: a.probability }) },
  burst_loss: { attributes: { p: 0, r: 1, bad_loss: 1, good_loss: 0 }, packet: true, link: (a) => ({ burstEnter: a.p, burstExit: a.r, burstLoss: a.bad_loss, goodLoss: a.good_loss }) },
  reorder: { attributes: { probability: 0 }, packet: true, link: (a) => ({ reorder: a.probability }) },
  duplicate: { attributes: { probability: 0 }, packet: true, link: (a) => ({ duplicate: a.probability }) },
  corrupt: { attributes: { probability: 0 }, packet: true, link: (a) => ({ corrupt: a.probability }) },
  mtu: { attributes: { bytes: 1500 }, packet: true, link: (a) => ({ mtu: a.bytes }) },
  rate: { attributes: { rate: 0, queue: 0 }, packet: true, link: (a) => (a.rate > 0 ? { rateBps: a.rate, queueBytes: a.queue > 0 ? a.queue : queueFor(a.rate) } : {}) },
  partition: { attributes: {}, packet: true },
  slow_close: { attributes: { delay: 0 }, packet: false },
  timeout: { attributes: { timeout: 0 }, packet: false },
  reset_peer: { attributes: { timeout: 0 }, packet: false },
  slicer: { attributes: { average_size: 0, size_variation: 0, delay: 0 }, packet: false },
  limit_data: { attributes: { bytes: 0 }, packet: false },
};

/** A toxic from a request body (toxiproxy's defaults: stream downstream, toxicity 1, name TYPE_STREAM). */
export function toxicFromJson(body: unknown): Toxic {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ToxicError('bad request body: a toxic must be a JSON object', 400);
  const b = body as Record<string, unknown>;
  const type = b.type;
  if (typeof type !== 'string' || !(type in TOXIC_TYPES)) throw new ToxicError(`invalid toxic type: ${JSON.stringify(type ?? null)}; known: ${Object.keys(TOXIC_TYPES).join(', ')}`, 400);
  const stream = b.stream ?? 'downstream';
  if (stream !== 'upstream' && stream !== 'downstream') throw new ToxicError('stream was invalid, can be either upstream or downstream', 400);
  const name = b.name ?? `${type}_${stream}`;
  if (typeof name !== 'string' || name === '') throw new ToxicError('bad request body: name must be a non-empty string', 400);
  const toxic: Toxic = { name, type, stream, toxicity: 1, attributes: { ...TOXIC_TYPES[type].attributes } };
  applyUpdate(toxic, b);
  return toxic;
}

/** Apply an update's toxicity and attributes (toxiproxy's update: fields left out keep their values). */
export function applyUpdate(toxic: Toxic, body: unknown): void {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ToxicError('bad request body: a toxic must be a JSON object', 400);
  const b = body as Record<string, unknown>;
  const t = TOXIC_TYPES[toxic.type];
  let toxicity = toxic.toxicity;
  if (b.toxicity !== undefined) {
    if (typeof b.toxicity !== 'number' || !(b.toxicity >= 0 && b.toxicity <= 1)) throw new ToxicError(`bad request body: toxicity must be a number from 0 to 1, got ${JSON.stringify(b.toxicity)}`, 400);
    toxicity = b.toxicity;
  }
  if (t.packet && toxicity !== 1) {
    throw new ToxicError(`bad request body: toxicity must be 1 for '${toxic.type}': it acts on the simulated path all of the proxy's connections share, not on a share of them`, 400);
  }
  const attributes = { ...toxic.attributes };
  if (b.attributes !== undefined) {
    if (typeof b.attributes !== 'object' || b.attributes === null || Array.isArray(b.attributes)) throw new ToxicError('bad request body: attributes must be an object', 400);
    for (const [k, v] of Object.entries(b.attributes)) {
      if (!(k in t.attributes)) throw new ToxicError(`bad request body: '${toxic.type}' has no attribute '${k}' (it has: ${Object.keys(t.attributes).join(', ') || 'none'})`, 400);
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ToxicError(`bad request body: attribute '${k}' must be a number >= 0, got ${JSON.stringify(v)}`, 400);
      attributes[k] = v;
    }
  }
  if (t.link) {
    try {
      checkLinkProfile(t.link(attributes), `toxic ${toxic.name}`, 'attributes');
    } catch (e) {
      throw new ToxicError(`bad request body: ${(e as Error).message}`, 400);
    }
  }
  toxic.toxicity = toxicity;
  toxic.attributes = attributes;
}

/** The link settings the packet-level toxics of one stream add (later toxics over earlier ones). */
export function linkFromToxics(toxics: Iterable<Toxic>, stream: StreamName): Partial<LinkProfile> {
  const out: Partial<LinkProfile> = {};
  for (const t of toxics) {
    const type = TOXIC_TYPES[t.type];
    if (t.stream === stream && type.link) Object.assign(out, type.link(t.attributes));
  }
  return out;
}

export function hasPartition(toxics: Iterable<Toxic>): boolean {
  for (const t of toxics) if (t.type === 'partition') return true;
  return false;
}

/** What a stream stage may do to its connection. */
export interface StageControl {
  /** The toxics now (read on every chunk, so toxics added later act on open connections). */
  toxics(): Iterable<Toxic>;
  /** Close the connection (FIN both ways). */
  close(): void;
  /** Reset the connection (RST both ways). */
  reset(): void;
}

/**
 * The stream-level toxics of one direction of one connection, as a Transform in the pipe. Each toxic
 * is rolled once per connection against its toxicity, when first met.
 */
export class ToxicStage extends Transform {
  private readonly rolled = new Map<string, boolean>();
  private passed = 0;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private armed = new Set<string>();

  constructor(
    private readonly stream: StreamName,
    private readonly control: StageControl,
    private readonly random: () => number = Math.random,
  ) {
    super({ highWaterMark: 16 * 1024 });
    this.on('close', () => this.clearTimers());
  }

  /** The stream-level toxics of this direction that this connection got. */
  private active(): Toxic[] {
    const out: Toxic[] = [];
    for (const t of this.control.toxics()) {
      if (t.stream !== this.stream || TOXIC_TYPES[t.type].packet) continue;
      let got = this.rolled.get(t.name);
      if (got === undefined) {
        got = t.toxicity >= 1 || this.random() < t.toxicity;
        this.rolled.set(t.name, got);
      }
      if (got) out.push(t);
    }
    return out;
  }

  /** Arm the connection-level toxics (timeout, reset_peer) once each, as soon as they are seen. */
  arm(): void {
    for (const t of this.active()) {
      if (this.armed.has(t.name)) continue;
      if (t.type === 'reset_peer') {
        this.armed.add(t.name);
        this.later(t.attributes.timeout, () => this.control.reset());
      } else if (t.type === 'timeout' && t.attributes.timeout > 0) {
        this.armed.add(t.name);
        this.later(t.attributes.timeout, () => this.control.close());
      }
    }
  }

  private later(ms: number, fn: () => void): void {
    // Beyond a Node timer's reach (about 24.8 days), never: setTimeout would fire at once.
    if (ms > 2 ** 31 - 1) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.arm();
    const toxics = this.active();
    if (toxics.some((t) => t.type === 'timeout' || t.type === 'reset_peer')) {
      callback(); // data stops
      return;
    }
    let data = chunk;
    const limit = toxics.find((t) => t.type === 'limit_data');
    let closeAfter = false;
    if (limit) {
      const room = Math.max(0, limit.attributes.bytes - this.passed);
      if (data.length >= room) {
        data = data.subarray(0, room);
        closeAfter = true;
      }
    }
    this.passed += data.length;
    const slicer = toxics.find((t) => t.type === 'slicer');
    const done = () => {
      if (closeAfter) this.control.close();
      callback();
    };
    if (!slicer || slicer.attributes.average_size <= 0 || data.length === 0) {
      if (data.length > 0) this.push(data);
      done();
      return;
    }
    const { average_size: avg, size_variation: variation, delay } = slicer.attributes;
    const pieces: Buffer[] = [];
    for (let i = 0; i < data.length; ) {
      const size = Math.max(1, Math.round(avg + (this.random() * 2 - 1) * Math.min(variation, avg - 1)));
      pieces.push(data.subarray(i, i + size));
      i += size;
    }
    const next = () => {
      const p = pieces.shift();
      if (p === undefined) {
        done();
        return;
      }
      this.push(p);
      if (delay > 0) this.later(delay / 1000, next);
      else next();
    };
    next();
  }

  override _flush(callback: TransformCallback): void {
    const slow = this.active().find((t) => t.type === 'slow_close');
    if (slow && slow.attributes.delay > 0) this.later(slow.attributes.delay, () => callback());
    else callback();
  }
}
