/**
 * synack/tcp: one TCP connection as a sans-I/O state machine (RFC 9293), what configures it, and
 * the pieces a caller plugs into it (randomness, ISNs, congestion control, trace hooks).
 */
export { Tcb, TcpError, type CookieFields, type TcbOptions } from './tcb.js';
export { Timer } from './timers.js';
export { TimeWait, TimeWaitAnswer } from './time-wait.js';
export { DEFAULT_TCP_CONFIG, resolveConfig, shareConfig, type TcpConfig } from './config.js';
export type { TcpErrorCode, TcpEvent } from './events.js';
export { TCP_STATES, isSynchronized, type TcpState } from './state.js';
export { makeSegment, resetFor, segmentLength, type Segment } from './segment.js';
export { TcpStats } from './stats.js';
export { IsnGenerator } from './isn.js';
export { CryptoRandom, SeededRandom, type RandomSource } from './random.js';
export { ChallengeAckBudget, ChallengeAckLimiter } from './challenge-ack.js';
export type { AckSample, CongestionController } from './congestion.js';
export { NewRenoController } from './newreno.js';
export { CubicController } from './cubic.js';
export { createCongestionController, type CongestionControlName } from './cc-factory.js';
export type { CwndReason, TcbTimerAction, TcbTimerKind, TcbTraceSink } from './trace.js';
export { FastOpenState } from './fast-open.js';
