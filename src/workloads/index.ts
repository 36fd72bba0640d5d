/**
 * synack/workloads: what runs on hosts. A bulk transfer checked end to end by sha256, the standard
 * two-host transfer scenario `synack sim` replays, a SYN-flood attacker's spoofed SYNs, and the
 * proxy that carries real TCP connections across a simulated impaired path (createProxy).
 */
export {
  bytesEachWay,
  runTransfer,
  streamSha256,
  TransferSession,
  type Direction,
  type SideReport,
  type StreamReport,
  type TransferLimits,
  type TransferOptions,
  type TransferReport,
} from './transfer.js';
export { SIM_CLIENT_ADDRESS, SIM_PORT, SIM_SERVER_ADDRESS, simCommand, simulateTransfer, type SimTransferRun, type SimTransferSpec } from './scenario.js';
export { spoofedSyn } from './flood.js';
export {
  createProxy,
  findProfile,
  parseSchedule,
  Proxy,
  PROFILES,
  PROXY_TCP,
  type ConnectionStats,
  type LinkSettings,
  type PathProfile,
  type ProxyOptions,
  type ScheduleStep,
  startApi,
  ToxiproxyApi,
  type ApiOptions,
} from './proxy/index.js';
