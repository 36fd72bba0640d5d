/**
 * synack's DNS server on a real `node:dgram` socket (the kernel's UDP, e.g. on 127.0.0.1): each
 * datagram is a query, each answer goes back to its sender. For serving the host's own programs (dig,
 * getent) from synack's zones, and for checking synack's answers against a real client.
 */
import type { Socket as NodeDgramSocket } from 'node:dgram';
import type { DnsServer } from '../services/dns-server.js';

/** Answer every datagram `socket` receives with `server`; returns a function that stops. */
export function serveDnsOnNodeDgram(server: DnsServer, socket: NodeDgramSocket): () => void {
  const onMessage = (msg: Buffer, rinfo: { address: string; port: number }) => {
    const query = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
    void server.respond(query, 'udp', { address: rinfo.address, port: rinfo.port }).then((reply) => {
      if (reply) socket.send(reply, rinfo.port, rinfo.address, () => {});
    });
  };
  socket.on('message', onMessage);
  return () => socket.off('message', onMessage);
}
