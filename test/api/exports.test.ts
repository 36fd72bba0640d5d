/**
 * The package's public API as a user imports it: each entry point by its package subpath ("synack",
 * "synack/wire", ...; Node resolves the package's own name through package.json "exports"), the
 * names the README documents present, and synack's internals absent from the root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
  name: string;
  exports: Record<string, string | { types: string; default: string }>;
};

/** A specifier in a variable, so that TypeScript does not resolve it at build time (dist may not exist yet). */
async function load(specifier: string): Promise<Record<string, unknown>> {
  return (await import(specifier)) as Record<string, unknown>;
}

const documented: Record<string, string[]> = {
  synack: [
    // wire
    'decodeTcpPacket', 'decodeIp', 'decodeTcpHeader', 'decodeTcpOptions', 'encodeTcpPacket', 'tcpChecksumValid', 'parseIp',
    'ipToString', 'TcpFlag', 'onesSum', 'internetChecksum', 'checksumAdjust16', 'checksumAdjust32', 'pseudoHeaderSumV4',
    'pseudoHeaderSumV6', 'seqLt', 'seqLe', 'seqGt', 'seqGe', 'seqAdd', 'seqDiff', 'seqInRange', 'readCapture', 'locateIp',
    'encodePcap',
    // tcp
    'Tcb', 'TcpError', 'DEFAULT_TCP_CONFIG', 'IsnGenerator', 'CubicController', 'NewRenoController',
    // stack
    'Stack', 'Connection', 'Listener', 'listConnections', 'formatConnections', 'staleCloseWait', 'DEFAULT_STACK_LIMITS',
    // link
    'SimNetwork', 'SimLink', 'Host', 'DEFAULT_LINK', 'RealtimeDriver', 'DeviceDriver',
    // socket
    'Socket', 'Server', 'createServer', 'createConnection', 'connect', 'synackNet', 'TcpStream', 'TcpListener',
    // trace
    'TraceCollector', 'renderText', 'renderMermaid', 'renderSvg', 'renderJson', 'tracesFromCapture',
  ],
  'synack/wire': ['decodeTcpPacket', 'encodeTcpPacket', 'readCapture', 'CaptureReader', 'decodeCapturedTcp', 'encodePcap', 'seqLt', 'TcpFlag'],
  'synack/tcp': ['Tcb', 'TcpError', 'Timer', 'TimeWait', 'TimeWaitAnswer', 'DEFAULT_TCP_CONFIG', 'IsnGenerator', 'SeededRandom', 'CubicController', 'NewRenoController'],
  'synack/stack': ['Stack', 'Connection', 'Listener', 'StackCounters', 'SynCookies', 'listConnections', 'formatConnections', 'staleCloseWait'],
  'synack/link': ['SimNetwork', 'SimLink', 'SimSegment', 'Host', 'RealtimeDriver', 'DeviceDriver'],
  'synack/socket': ['Socket', 'Server', 'createServer', 'createConnection', 'connect', 'synackNet', 'TcpStream', 'TcpListener', 'TcpErrorEvent', 'TcpConnectionEvent'],
  'synack/trace': ['TraceCollector', 'renderText', 'renderMermaid', 'renderSvg', 'renderJson', 'tracesFromCapture', 'CaptureTracer', 'SCENARIOS', 'findScenario', 'Lab'],
  'synack/workloads': ['runTransfer', 'TransferSession', 'simulateTransfer', 'simCommand', 'spoofedSyn'],
  'synack/packetdrill': ['parseScript', 'runScript', 'runScriptText', 'PERSONALITIES'],
  'synack/browser': [
    'decodeTcpPacket', 'encodeTcpPacket', 'readCapture', 'Tcb', 'TcpError', 'Stack', 'SimNetwork', 'RealtimeDriver', 'TraceCollector',
    'renderText', 'renderSvg', 'tracesFromCapture', 'SCENARIOS', 'Lab', 'TcpStream', 'TcpListener', 'spoofedSyn',
    'flagNames', 'CLIENT_ADDRESS', 'SERVER_ADDRESS', 'ATTACKER_ADDRESS', 'SERVER_PORT',
  ],
  'synack/link/tun': ['TunDevice', 'TunLink', 'tunUnavailableReason'],
  'synack/link/udp': ['UdpLink'],
  'synack/link/tap': ['TapLink'],
  'synack/net': ['NetStack', 'NeighborCache', 'RoutingTable', 'parsePrefix'],
};

test('package.json exports every layer by subpath, each with its type declarations', () => {
  assert.equal(pkg.name, 'synack');
  const subpaths = Object.keys(documented).map((s) => (s === 'synack' ? '.' : `./${s.slice('synack/'.length)}`));
  for (const sub of subpaths) {
    const entry = pkg.exports[sub];
    assert.ok(entry && typeof entry === 'object', `exports["${sub}"]`);
    for (const file of [entry.types, entry.default]) assert.ok(existsSync(path.join(repoRoot, file)), `exports["${sub}"]: ${file} exists`);
  }
});

for (const [specifier, names] of Object.entries(documented)) {
  test(`${specifier} exports what the README documents`, async () => {
    const m = await load(specifier);
    for (const name of names) assert.notEqual(m[name], undefined, `${specifier} exports ${name}`);
  });
}

test('the root and synack/wire do not export byte helpers or internal constructors', async () => {
  const root = await load('synack');
  for (const name of ['u16', 'u32', 'put16', 'put32', 'fail', 'settled', 'concatBytes', 'toHex', 'kTcpEvent', 'socketHost', 'EventQueue', 'sipHash24', 'wrap']) {
    assert.equal(root[name], undefined, `synack must not export ${name}`);
  }
  const wire = await load('synack/wire');
  for (const name of ['u16', 'u32', 'put16', 'put32', 'fail']) assert.equal(wire[name], undefined, `synack/wire must not export ${name}`);
  const socket = await load('synack/socket');
  for (const name of ['kTcpEvent', 'kAcceptable', 'socketHost', 'nodeError', 'HostTimers']) assert.equal(socket[name], undefined, `synack/socket must not export ${name}`);
  const tcp = await load('synack/tcp');
  for (const name of ['sipHash24', 'fourTupleBytes', 'segmentArrives', 'transmit', 'acceptable', 'trimToWindow', 'RecoveryState', 'TcbRare', 'takeSpareSendBuffer']) {
    assert.equal(tcp[name], undefined, `synack/tcp must not export ${name}`);
  }
  const stack = await load('synack/stack');
  for (const name of ['KeyedTimerHeap', 'connectionKey', 'SYN_COOKIE_LAYOUT', 'addressKey', 'EphemeralPorts']) assert.equal(stack[name], undefined, `synack/stack must not export ${name}`);
  const browser = await load('synack/browser');
  for (const name of ['Socket', 'Server', 'createServer', 'synackNet', 'TunDevice', 'UdpLink', 'kTcpEvent']) assert.equal(browser[name], undefined, `synack/browser must not export ${name} (Node's)`);
  const link = await load('synack/link');
  for (const name of ['settled', 'EventQueue', 'DeliveryFifo']) assert.equal(link[name], undefined, `synack/link must not export ${name}`);
});

test('the README library example runs from the root export', async () => {
  const { decodeTcpPacket, encodeTcpPacket, parseIp, tcpChecksumValid, TcpFlag } = (await load('synack')) as any;
  const bytes = encodeTcpPacket({
    ip: { version: 4, src: parseIp('198.18.0.1'), dst: parseIp('198.18.0.2') },
    tcp: { srcPort: 49152, dstPort: 80, seq: 1, ack: 0, flags: TcpFlag.SYN, window: 65535, urgentPointer: 0, options: { mss: 1460, sackPermitted: true, wscale: 7, timestamp: { value: 1, echo: 0 } } },
  });
  const p = decodeTcpPacket(bytes);
  assert.equal(p.ok, true);
  assert.equal(p.tcp.options.mss, 1460);
  assert.equal(tcpChecksumValid(p), true);
});
