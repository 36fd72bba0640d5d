/**
 * synack/socket: Node-style sockets over a synack host: Socket (a stream.Duplex), Server, and
 * node:net's factories. Errors are Node's: SocketError carries code, errno and syscall.
 */
export { connect, createConnection, createServer, synackNet, type ConnectOptions, type SynackNet } from './net.js';
export { Server, type ListenOptions, type ServerOptions } from './server.js';
export { Socket, type AddressInfo, type LookupFunction, type SocketConnectOptions, type SocketOptions } from './socket.js';
export type { SocketError, SocketErrorCode, Syscall } from './errors.js';
export {
  TcpConnectionEvent,
  TcpErrorEvent,
  TcpListener,
  TcpStream,
  type TcpListenerOpenInfo,
  type TcpListenerOptions,
  type TcpStreamOpenInfo,
  type TcpStreamOptions,
  type TcpStreamWrapOptions,
} from './web.js';
export { createSocket, DgramSocket, type DgramAddressInfo, type DgramOptions, type DgramType, type RemoteInfo } from './dgram.js';
export { UdpErrorEvent, UdpMessageEvent, UdpSocket, type UdpMessage, type UdpSocketOpenInfo, type UdpSocketOptions } from './web-udp.js';
export { serveDnsOnNodeDgram } from './dns-node.js';
export { hostResolver, serveDns, type DnsService, type ServeDnsOptions } from './dns.js';
export { runDhcpClient, serveDhcp, DhcpClientEventTarget, type DhcpClientRun, type DhcpService } from './dhcp.js';
export { createGateway, type Gateway, type GatewayOptions } from './gateway.js';
export { attachV86, type V86Attachment, type V86Bus, type V86Like, type V86Options } from './v86.js';
