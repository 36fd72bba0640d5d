/**
 * Empty buffers shared between connections. A connection holds a send or receive buffer only while
 * it holds data (see Tcb.sendBuffer): an empty one reads as the shared empty buffer, and one that
 * a connection emptied is kept as the single spare for the next connection that needs one, so a
 * transfer that drains its buffers on every segment does not make a buffer per segment. A spare
 * holds no data (only emptied buffers are kept), so nothing passes between connections.
 */
import { ReceiveBuffer } from './receive-buffer.js';
import { SendBuffer } from './send-buffer.js';

/** What an empty buffer reads as (never written). */
export const NO_SEND_BUFFER = new SendBuffer(0);
export const NO_RECEIVE_BUFFER = new ReceiveBuffer();

let spareSendBuffer: SendBuffer | undefined;
let spareReceiveBuffer: ReceiveBuffer | undefined;

export function takeSpareSendBuffer(capacity: number): SendBuffer {
  const b = spareSendBuffer;
  if (b === undefined) return new SendBuffer(capacity);
  spareSendBuffer = undefined;
  b.capacity = capacity;
  return b;
}

export function takeSpareReceiveBuffer(): ReceiveBuffer {
  const b = spareReceiveBuffer;
  if (b === undefined) return new ReceiveBuffer();
  spareReceiveBuffer = undefined;
  return b;
}

/** An emptied send buffer, kept unless a spare is kept already. */
export function keepSpareSendBuffer(b: SendBuffer): void {
  spareSendBuffer ??= b;
}

export function keepSpareReceiveBuffer(b: ReceiveBuffer): void {
  spareReceiveBuffer ??= b;
}
