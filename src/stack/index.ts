export * from './connection.js';
export * from './counters.js';
export * from './endpoint.js';
export * from './listener.js';
export * from './listing.js';
export * from './ports.js';
export * from './stack.js';
export * from './timer-heap.js';
