/**
 * What a connection tells its user. Pulled from `Tcb.pollEvent()`. Events are frozen: those with no
 * fields of their own, and the state changes, are each one object shared by every connection (a
 * connection's life is a dozen events, so they cost no allocation).
 */
import { TCP_STATES, type TcpState } from './state.js';

/** Node-style error codes, as Node's net module uses them. */
export type TcpErrorCode = 'ECONNREFUSED' | 'ECONNRESET' | 'ETIMEDOUT' | 'EPIPE' | 'ECONNABORTED' | 'EHOSTUNREACH';

export type TcpEvent =
  /** The three-way handshake completed (entered ESTABLISHED). */
  | { type: 'connected' }
  /** New in-order data can be read. */
  | { type: 'readable' }
  /** Send buffer space was freed after `send` had refused data. */
  | { type: 'writable' }
  /** The peer's FIN arrived and all data before it has been made readable: end of stream. */
  | { type: 'end' }
  /** Urgent data (RFC 6093): `pointer` is the sequence number of the byte after it. */
  | { type: 'urgent'; pointer: number }
  /** The connection failed; `closed` follows. */
  | { type: 'error'; code: TcpErrorCode; message: string }
  /** The state changed. */
  | { type: 'state'; from: TcpState; to: TcpState }
  /** R1 retransmissions passed (RFC 9293 §3.8.3): the IP layer may look for another route. */
  | { type: 'retransmit-threshold'; retransmissions: number }
  /**
   * Fast Open (RFC 7413), for the stack's cookie cache: a SYN-ACK answered our Fast Open SYN (with a
   * well-formed cookie or none, and its MSS option), or our SYN with data timed out (`synDataLost`).
   * A stack takes these itself; a TCB used on its own passes them to its user.
   */
  | { type: 'fast-open'; cookie?: Uint8Array; exp?: boolean; mss?: number; synDataLost?: boolean }
  /** The connection reached CLOSED and can be forgotten. */
  | { type: 'closed' };

export const CONNECTED_EVENT: TcpEvent = Object.freeze({ type: 'connected' });
export const READABLE_EVENT: TcpEvent = Object.freeze({ type: 'readable' });
export const WRITABLE_EVENT: TcpEvent = Object.freeze({ type: 'writable' });
export const END_EVENT: TcpEvent = Object.freeze({ type: 'end' });
export const CLOSED_EVENT: TcpEvent = Object.freeze({ type: 'closed' });

/** Every state change's event, by its two states. */
const STATE_EVENTS = Object.fromEntries(
  TCP_STATES.map((from) => [from, Object.fromEntries(TCP_STATES.map((to) => [to, Object.freeze({ type: 'state', from, to })]))]),
) as Record<TcpState, Record<TcpState, TcpEvent>>;

/** The (shared, frozen) event of a change of state. */
export function stateEvent(from: TcpState, to: TcpState): TcpEvent {
  return STATE_EVENTS[from][to];
}
