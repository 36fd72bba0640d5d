/** Node-style sockets over a synack host: Socket (a stream.Duplex), Server, node:net's factories. */
export * from './dispatcher.js';
export * from './errors.js';
export * from './net.js';
export * from './server.js';
export * from './socket.js';
export * from './timers.js';
