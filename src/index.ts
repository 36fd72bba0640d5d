/** synack: a TCP/IP stack in TypeScript. Layers are exported as they are built (see DESIGN.md). */
export * from './wire/index.js';
export * from './tcp/index.js';
export * from './stack/index.js';
export * from './link/index.js';
export * from './workloads/index.js';
export * from './socket/index.js';
