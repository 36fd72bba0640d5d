/**
 * synack/stack: a host's TCP: demultiplexing, listeners and their queues, ports, SYN cookies,
 * resource limits, counters, and the connection listing.
 */
export { Stack, DEFAULT_STACK_LIMITS, type StackEvent, type StackLimits, type StackOptions, type StackTraceSink, type SynCookieMode } from './stack.js';
export { Connection, type ConnectionOwner } from './connection.js';
export { Listener } from './listener.js';
export { StackCounters, type IcmpCounters, type IpCounters, type StackTcpStats } from './counters.js';
export { endpointToString, type Endpoint } from './endpoint.js';
export { EPHEMERAL_MAX, EPHEMERAL_MIN } from './ports.js';
export { SynCookies, type SynCookiesOptions } from './syn-cookies.js';
export { formatConnections, listConnections, staleCloseWait, type ConnectionRow } from './listing.js';
export { DEFAULT_FAST_OPEN, FAST_OPEN_COOKIE_BYTES, FastOpenCache, FastOpenKeys, type FastOpenCacheEntry, type FastOpenSettings } from './fast-open.js';
