/**
 * synack: a TCP/IP stack in TypeScript. The package root exports what an application calls: the
 * codecs, one connection (Tcb), a host's stack, the simulator and links, Node-style sockets, and the
 * trace renderers. Each layer is also importable by subpath (synack/wire, synack/tcp, synack/stack,
 * synack/link, synack/socket, synack/trace, synack/workloads, synack/packetdrill; synack/link/tun
 * and synack/link/udp for the links that need Node's I/O).
 */

// wire: bytes <-> values
export {
  checksumAdjust16,
  checksumAdjust32,
  decodeIcmp,
  decodeIp,
  decodeTcpHeader,
  decodeTcpOptions,
  decodeTcpPacket,
  encodeIcmpPacket,
  encodePcap,
  encodePcapHeader,
  encodePcapRecord,
  encodeTcpPacket,
  Icmp4Type,
  Icmp6Type,
  internetChecksum,
  ipToString,
  IpProtocol,
  LinkType,
  locateIp,
  onesSum,
  parseIp,
  pseudoHeaderSumV4,
  pseudoHeaderSumV6,
  readCapture,
  SEQ_MODULUS,
  seqAdd,
  seqDiff,
  seqDistance,
  seqGe,
  seqGt,
  seqInRange,
  seqInRangeInclusive,
  seqLe,
  seqLt,
  seqMax,
  seqMin,
  tcpChecksumValid,
  TcpFlag,
  TcpOptionKind,
  tcpPacketLine,
  tcpPacketToJson,
  tcpPayload,
  withTcpChecksum,
  type Capture,
  type CaptureRecord,
  type DecodeFailure,
  type DecodeReason,
  type IcmpMessage,
  type IpAddress,
  type IpHeader,
  type IpPacket,
  type SackBlock,
  type TcpHeader,
  type TcpHeaderFields,
  type TcpOptions,
  type TcpPacket,
  type TcpPacketJson,
  type TcpPacketSpec,
  type TcpTimestamp,
} from './wire/index.js';

// tcp: one connection
export {
  CryptoRandom,
  CubicController,
  DEFAULT_TCP_CONFIG,
  IsnGenerator,
  NewRenoController,
  SeededRandom,
  TCP_STATES,
  Tcb,
  TcpError,
  TcpStats,
  type CongestionControlName,
  type CongestionController,
  type RandomSource,
  type Segment,
  type TcbOptions,
  type TcpConfig,
  type TcpErrorCode,
  type TcpEvent,
  type TcpState,
} from './tcp/index.js';

// stack: a host
export {
  Connection,
  DEFAULT_STACK_LIMITS,
  formatConnections,
  listConnections,
  Listener,
  Stack,
  StackCounters,
  staleCloseWait,
  type ConnectionRow,
  type Endpoint,
  type StackEvent,
  type StackLimits,
  type StackOptions,
  type SynCookieMode,
} from './stack/index.js';

// link: moving packets
export * from './link/index.js';

// socket: the Node-style API
export * from './socket/index.js';

// trace: events into diagrams
export {
  renderJson,
  renderMermaid,
  renderSvg,
  renderText,
  TraceCollector,
  tracesFromCapture,
  type CollectorOptions,
  type Trace,
  type TraceEvent,
} from './trace/index.js';

// net: UDP beside the TCP stack (Host.enableUdp)
export { Udp, UdpCounters, UdpEndpoint, UdpError, type UdpEvent, type UdpOptions, type UdpRemote } from './net/udp.js';

// services: DNS and DHCP, transport-free (socket/dns.ts and socket/dhcp.ts run them on a host)
export * from './services/dns-server.js';
export * from './services/dns-resolver.js';
export * from './services/dhcp-server.js';
export * from './services/dhcp-client.js';
