/**
 * synack/link: what moves packets. The host/driver contract, the deterministic network simulator,
 * the real-time driver and the device driver real links plug into. TUN, TAP and the UDP link use Node's
 * I/O modules: import them as synack/link/tun, synack/link/tap and synack/link/udp.
 */
export { Host, type Driver, type HostObserver } from './host.js';
export { IpProtocols, type IpHandler } from './ip-protocols.js';
export {
  DEFAULT_LINK,
  LinkStats,
  SimLink,
  SimNetwork,
  type LinkDropReason,
  type LinkDeliveryTap,
  type LinkDropTap,
  type LinkFilter,
  type LinkProfile,
  type LinkTap,
  type PendingDelivery,
  type RunLimits,
  type SimHostOptions,
  type SimNodeInterface,
  type SimNodeOptions,
} from './sim.js';
export { SimSegment, SWITCH_AGEING_MS, type SegmentPort, type SegmentTap } from './segment.js';
export { RealtimeDriver, type RealtimeOptions } from './realtime.js';
export { DeviceDriver, type DeviceDriverOptions, type DeviceDriverStats, type PacketSink, type PacketTap } from './device.js';
export { FrameHost, FrameEvent, NetStackEvent, type FrameHostOptions, type FrameHostStats } from './frame-host.js';
