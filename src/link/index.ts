export * from './event-queue.js';
export * from './host.js';
export * from './realtime.js';
export * from './scenario.js';
export * from './sim.js';
export * from './transfer.js';
