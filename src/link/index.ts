export * from './event-queue.js';
export * from './host.js';
export * from './realtime.js';
export * from './sim.js';
export * from './device.js';
// tun.js, udp.js and pcap-file.js use Node's I/O modules: import them as synack/link/tun, synack/link/udp.
