/**
 * The proxy: real TCP in and out, genuine TCP across a simulated impaired path in between
 * (proxy.ts), its named path profiles (profiles.ts) and settings over time (schedule.ts).
 */
export { createProxy, linkSettings, Proxy, FAR_ADDRESS, NEAR_ADDRESS, PROXY_BASE_LINK, PROXY_TCP, type ConnectionStats, type LinkSettings, type ProxyOptions, type TcpSideStats } from './proxy.js';
export { findProfile, PROFILES, type PathProfile } from './profiles.js';
export { checkSchedule, parseSchedule, type ScheduleStep } from './schedule.js';
export { formatHostPort, parseHostPort, type HostPort } from './address.js';
export { TOXIC_TYPES, ToxicError, type StreamName, type Toxic } from './toxics.js';
export { startApi, ToxiproxyApi, type ApiOptions } from './api.js';
