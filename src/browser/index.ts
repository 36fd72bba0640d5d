/**
 * synack/browser: the core as one ES module for a browser (dist/browser/synack.js), with no Node
 * built-in: the codecs, one connection, a host's stack, the network layer (interfaces, ARP, NDP,
 * routes), the simulator and its links, the trace and
 * its renderers, the demo scenarios, a SYN-flood attacker's spoofed SYNs, and connections as WHATWG
 * streams (TcpStream, TcpListener), UDP (Udp, UdpSocket) and the DNS and DHCP services. Not here: Node-style sockets (node:stream), TUN and the UDP link
 * (Node's I/O), the transfers (node:crypto's sha256), the packetdrill runner and the CLI.
 */
export * from '../wire/index.js';
export * from '../tcp/index.js';
export * from '../stack/index.js';
export * from '../net/index.js';
export * from '../link/index.js';
export * from '../trace/index.js';
export { spoofedSyn } from '../workloads/flood.js';
// For a page drawing traces (the explorer's DOM names flags as the trace does) and driving the lab.
export { flagNames } from '../trace/model.js';
export { ATTACKER_ADDRESS, CLIENT_ADDRESS, SERVER_ADDRESS, SERVER_PORT } from '../trace/lab.js';
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
} from '../socket/web.js';
export { UdpErrorEvent, UdpMessageEvent, UdpSocket, type UdpMessage, type UdpSocketOpenInfo, type UdpSocketOptions } from '../socket/web-udp.js';
export * from '../net/udp.js';
export * from '../services/dns-server.js';
export * from '../services/dns-resolver.js';
export * from '../services/dhcp-server.js';
export * from '../services/dhcp-client.js';
export { hostResolver, serveDns, type DnsService, type ServeDnsOptions } from '../socket/dns.js';
export { DhcpClientEventTarget, runDhcpClient, serveDhcp, type DhcpClientRun, type DhcpService } from '../socket/dhcp.js';
// A guest's gateway over frames (FrameHost is in link/), and v86's NIC on it.
export { createGateway, type Gateway, type GatewayOptions } from '../socket/gateway.js';
export { attachV86, type V86Attachment, type V86Bus, type V86Like, type V86Options } from '../socket/v86.js';
// The trace's name for the decoded options is the wire's type under the same name.
export type { TcpOptionsJson } from '../wire/index.js';
