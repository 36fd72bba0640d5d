/**
 * synack/net: the network layer between frames and the transports: interfaces (Ethernet with ARP and
 * IPv6 neighbour discovery, bare IP, loopback), addresses with DAD and SLAAC, routes, forwarding,
 * ICMP, and IP protocol handlers (the TCP Stack, UDP).
 */
export { NetStack, NetCounters, ND, ACD, fragmentIpv4, type FrameOut, type InterfaceOptions, type IpProtocolHandler, type NetEvent, type NetStackOptions, type PacketOut, type RouteOptions } from './net-stack.js';
export { NetInterface, type AddressOrigin, type AddressState, type InterfaceAddress, type InterfaceKind, type RouterAdvertSettings } from './interface.js';
export { NeighborCache, NeighborCounters, DEFAULT_NEIGHBOR_PARAMS, type LearnFlags, type NeighborEntry, type NeighborHooks, type NeighborParams, type NudState } from './neighbor.js';
export { RoutingTable, type Route, type RouteOrigin } from './routes.js';
export { IcmpRateLimit, icmpErrorFor, mayAnswerWithError, type IcmpErrorKind as NetIcmpError } from './icmp-errors.js';
export { parsePrefix, prefixToString, inPrefix, networkOf, broadcastOf, maskV4, eui64InterfaceId, linkLocalFor, withInterfaceId, isLinkLocal6, type Prefix } from './prefix.js';
