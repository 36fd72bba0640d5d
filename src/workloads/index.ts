/**
 * What runs on hosts: a bulk transfer checked end to end by sha256, the standard two-host transfer
 * scenario `synack sim` replays, and a SYN-flood attacker's spoofed SYNs.
 */
export * from './transfer.js';
export * from './scenario.js';
export * from './flood.js';
