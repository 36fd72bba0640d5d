/**
 * synack/browser: the core as one ES module for a browser (dist/browser/synack.js), with no Node
 * built-in: the codecs, one connection, a host's stack, the simulator and its links, the trace and
 * its renderers, the demo scenarios, and connections as WHATWG streams (TcpStream, TcpListener).
 */
export * from '../wire/index.js';
export * from '../tcp/index.js';
export * from '../stack/index.js';
export * from '../link/index.js';
export * from '../trace/index.js';
export {
  TcpConnectionEvent,
  TcpErrorEvent,
  TcpListener,
  TcpStream,
  type TcpListenerOpenInfo,
  type TcpListenerOptions,
  type TcpStreamOpenInfo,
  type TcpStreamOptions,
  type TcpStreamWrapOptions,
} from '../socket/web.js';
// The trace's name for the decoded options is the wire's type under the same name.
export type { TcpOptionsJson } from '../wire/index.js';
