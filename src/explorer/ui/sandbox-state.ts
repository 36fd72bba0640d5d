/**
 * Which sandbox buttons make sense now (DOM-free, tested from Node), from the session's status:
 * connect only with no client connection, send or close only while the client may still send,
 * accept only with a connection waiting in the accept queue, and so on. An enabled button may still
 * be refused by the model; its reason is then shown.
 */
import type { SandboxStatus } from '../model/index.js';

export type ButtonId =
  | 'client-connect' | 'client-send' | 'client-shutdown' | 'client-close' | 'client-abort'
  | 'server-listen' | 'server-accept' | 'server-read' | 'server-close'
  | 'drop-next-c2s' | 'drop-next-s2c' | 'partition'
  | 'attack-rst' | 'attack-syn' | 'attack-data' | 'attack-flood';

/** States in which the application may still send and close (RFC 9293 §3.10.2, §3.10.4). */
const SENDING = new Set(['SYN-SENT', 'SYN-RECEIVED', 'ESTABLISHED', 'CLOSE-WAIT']);

export function enabledButtons(st: Pick<SandboxStatus, 'client' | 'listening' | 'acceptable' | 'accepted'>): Set<ButtonId> {
  const on = new Set<ButtonId>(['drop-next-c2s', 'drop-next-s2c', 'partition', 'attack-syn']);
  if (st.client === undefined) on.add('client-connect');
  if (st.client !== undefined && SENDING.has(st.client)) on.add('client-send').add('client-shutdown').add('client-close');
  if (st.client !== undefined) on.add('client-abort');
  if (!st.listening) on.add('server-listen');
  if (st.acceptable > 0) on.add('server-accept');
  if (st.listening || st.accepted > 0) on.add('server-read').add('server-close');
  if (st.client !== undefined || st.accepted > 0 || st.acceptable > 0) on.add('attack-rst').add('attack-data');
  if (st.listening) on.add('attack-flood');
  return on;
}
