export * from './event-queue.js';
export * from './host.js';
export * from './sim.js';
