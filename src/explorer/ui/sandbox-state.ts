/**
 * Which sandbox buttons make sense now (DOM-free, tested from Node), read from the session's
 * snapshot: connect only with no client connection, send or close only with one, accept only with
 * a connection waiting in the accept queue, and so on. A button that is enabled may still be
 * refused by the model; its reason is then shown.
 */
import type { Snapshot } from '../model/types.js';

export type ButtonId =
  | 'client-connect' | 'client-send' | 'client-shutdown' | 'client-close' | 'client-abort'
  | 'server-listen' | 'server-accept' | 'server-read' | 'server-close'
  | 'drop-next-c2s' | 'drop-next-s2c' | 'partition'
  | 'attack-rst' | 'attack-syn' | 'attack-data' | 'attack-flood';

const SENDING = new Set(['SYN-SENT', 'SYN-RECEIVED', 'ESTABLISHED', 'CLOSE-WAIT']);

export function enabledButtons(snap: Snapshot): Set<ButtonId> {
  const on = new Set<ButtonId>(['drop-next-c2s', 'drop-next-s2c', 'partition', 'attack-syn']);
  const client = snap.tcbs.find((v) => v.host === 'client' && v.state !== 'CLOSED' && v.state !== 'TIME-WAIT');
  const server = snap.tcbs.filter((v) => v.host === 'server' && v.state !== 'CLOSED' && v.state !== 'TIME-WAIT');
  const listener = snap.listeners.find((l) => l.host === 'server');
  if (!client) on.add('client-connect');
  if (client && SENDING.has(client.state)) on.add('client-send').add('client-shutdown').add('client-close');
  if (client) on.add('client-abort');
  if (!listener) on.add('server-listen');
  if (listener && listener.acceptQueue > 0) on.add('server-accept');
  if (server.length) on.add('server-read');
  if (listener || server.length) on.add('server-close');
  if (server.length || client) on.add('attack-rst').add('attack-data');
  if (listener) on.add('attack-flood');
  return on;
}
