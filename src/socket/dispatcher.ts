/**
 * One dispatcher per Host: the bridge between the sans-I/O stack and the application's objects, the
 * Node-style ones (Socket, Server) and the web-stream ones (TcpStream, TcpListener) alike, so both
 * kinds share a host. It needs nothing from Node (the browser build includes it).
 *
 * The stack queues StackEvents; the host's driver hands them to one handler (`host.onEvent`) each
 * time it services the host. The dispatcher is that handler. It routes each event by the handle the
 * stack keeps for the application: `Connection.user` holds the Socket or TcpStream, `Listener.user`
 * the Server or TcpListener.
 * Events for a connection nobody holds yet (one waiting in a listener's accept queue) are dropped: a
 * Socket made for it later reads the TCB's state instead (data waiting, FIN received).
 *
 * Events run inside the driver's service of the host, so a Socket's 'data' and 'connect' handlers
 * run there too; their own calls (write, end, destroy) go straight to the Connection and `kick` the
 * host, and the driver sends what they produced in the same service round.
 *
 * The dispatcher also owns the host's socket-layer timers (see timers.ts).
 */
import type { Host } from '../link/host.js';
import type { StackEvent } from '../stack/stack.js';
import type { TcpEvent } from '../tcp/events.js';
import type { UdpEvent } from '../net/udp.js';
import { HostTimers } from './timers.js';

/** How a Socket receives its connection's events (a symbol keeps it off the public surface). */
export const kTcpEvent: unique symbol = Symbol('synack.tcpEvent');
/** How a Server learns that its listener has connections to accept. */
export const kAcceptable: unique symbol = Symbol('synack.acceptable');

export interface TcpEventSink {
  [kTcpEvent](e: TcpEvent): void;
}

/** How a dgram socket (Node's or the web one) receives its endpoint's events. */
export const kUdpEvent: unique symbol = Symbol('synack.udpEvent');

export interface UdpEventSink {
  [kUdpEvent](e: UdpEvent): void;
}

export interface AcceptSink {
  [kAcceptable](): void;
}

export class SocketHost {
  readonly timers: HostTimers;

  constructor(readonly host: Host) {
    this.timers = new HostTimers(host);
    host.onEvent((e) => this.dispatch(e));
    host.onUdpEvent((e) => (e.endpoint.user as Partial<UdpEventSink> | undefined)?.[kUdpEvent]?.(e));
  }

  private dispatch(e: StackEvent): void {
    if (e.type === 'event') {
      const sink = e.connection.user as Partial<TcpEventSink> | undefined;
      sink?.[kTcpEvent]?.(e.event);
    } else {
      const sink = e.listener.user as Partial<AcceptSink> | undefined;
      sink?.[kAcceptable]?.();
    }
  }
}

const hosts = new WeakMap<Host, SocketHost>();

/**
 * The socket layer of a host, made (and installed as the host's event handler) on first use. Every
 * Socket and Server of a host shares it, so nothing else should call `host.onEvent` on a host that
 * carries sockets.
 */
export function socketHost(host: Host): SocketHost {
  let sh = hosts.get(host);
  if (!sh) {
    sh = new SocketHost(host);
    hosts.set(host, sh);
  }
  return sh;
}
