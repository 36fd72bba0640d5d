/**
 * The demo scenarios: each a real run of the simulator (seeded, virtual time), never a canned
 * drawing. A scenario builds a Lab, makes the application's calls at chosen virtual times, runs the
 * network and returns the trace the collector saw, with notes that say what to notice.
 */
import { decodeTcpPacket, encodePcap as encodePcapPackets, TcpFlag, seqGt, seqLt } from '../wire/index.js';
import { SeededRandom } from '../tcp/random.js';
import { spoofedSyn } from '../workloads/flood.js';
import type { Host } from '../link/host.js';
import { endpointText, roundMs, type TraceEvent } from './model.js';
import type { Connection } from '../stack/connection.js';
import type { Listener } from '../stack/listener.js';
import { Lab, EthernetLab, ATTACKER_ADDRESS, CLIENT_ADDRESS, SERVER_ADDRESS, SERVER_PORT, type Lang, type ScenarioLab, type Text } from './lab.js';
import { DhcpServer } from '../services/dhcp-server.js';
import { DhcpClient } from '../services/dhcp-client.js';
import { runDhcpClient, serveDhcp } from '../socket/dhcp.js';
import type { Trace } from './model.js';

export interface ScenarioOptions {
  seed: number;
  lang: Lang;
  /** Keep every packet for a pcap. */
  pcap?: boolean;
  /** Record each segment's arrival time (TraceCollector's `arrivals`). */
  arrivals?: boolean;
  /**
   * Called with each lab the scenario builds, before it runs anything (a scenario in parts builds
   * one per part; their traces are joined with each later one starting 1 s after the previous ended).
   */
  onLab?: (lab: ScenarioLab) => void;
}

export interface ScenarioResult {
  trace: Trace;
  pcap?: Uint8Array;
  /** Facts a test can check that the wire does not show (what the application read, counters). */
  facts: Record<string, unknown>;
}

export interface Scenario {
  name: string;
  /** One line for `synack demo --list`. */
  summary: Text;
  /** What to notice, for the tour. */
  notice: Text;
  run(opts: ScenarioOptions): ScenarioResult;
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

function finish(lab: ScenarioLab, opts: ScenarioOptions, facts: Record<string, unknown> = {}): ScenarioResult {
  const r: ScenarioResult = { trace: lab.result(), facts };
  if (opts.pcap) r.pcap = lab.trace.pcap();
  return r;
}

function lab(opts: ScenarioOptions, extra: Partial<ConstructorParameters<typeof Lab>[0]> = {}): Lab {
  const l = new Lab({ seed: opts.seed, lang: opts.lang, keepPackets: opts.pcap, arrivals: opts.arrivals, initial: { client: 'CLOSED', server: 'LISTEN' }, ...extra });
  opts.onLab?.(l);
  return l;
}

/** Listen, connect, and run until both ends are ESTABLISHED; returns [client conn, server conn]. */
function establish(l: Lab, opts: { localPort?: number } = {}): [Connection, Connection] {
  const listener = l.server.stack.listen(SERVER_PORT);
  const c = l.connect(SERVER_PORT, opts);
  let s: Connection | undefined;
  l.runUntil(() => (s ??= listener.accept()) !== undefined && c.state === 'ESTABLISHED');
  return [c, s!];
}

const handshake: Scenario = {
  name: 'handshake',
  summary: {
    en: 'the three-way handshake: SYN, SYN+ACK, ACK (the third segment carries the first data)',
    ko: '3-way handshake: SYN, SYN+ACK, ACK (세 번째 세그먼트가 첫 데이터를 싣는다)',
  },
  notice: {
    en: 'Each side picks its own initial sequence number (ISN); numbers are shown relative to it. The SYN and the SYN+ACK each use one sequence number, so the ACKs read 1. The client queued its request before the handshake finished, so the third segment carries it. The options (MSS, SACK-permitted, timestamps, window scale) are only negotiated on SYNs.',
    ko: '양쪽은 각자 초기 순서 번호(ISN)를 고른다; 번호는 ISN 기준 상대값으로 보인다. SYN과 SYN+ACK는 순서 번호를 하나씩 쓰므로 ACK 번호가 1이 된다. 클라이언트가 핸드셰이크가 끝나기 전에 요청을 넣어 두었으므로 세 번째 세그먼트가 데이터를 싣는다. 옵션(MSS, SACK 허용, 타임스탬프, 윈도우 스케일)은 SYN에서만 협상된다.',
  },
  run(opts) {
    const l = lab(opts);
    const listener = l.listen();
    const c = l.connect();
    l.send(l.client, c, 'GET / HTTP/1.0\r\n\r\n');
    l.runFor(20);
    const s = listener.accept();
    const got = s ? dec(l.read(l.server, s)) : '';
    l.runFor(10);
    return finish(l, opts, { serverRead: got, clientState: c.state, serverState: s?.state });
  },
};


const close: Scenario = {
  name: 'close',
  summary: { en: 'the four-way close: FIN, ACK, FIN, ACK, and TIME-WAIT for 2*MSL', ko: '4-way handshake 종료: FIN, ACK, FIN, ACK, 그리고 2*MSL 동안의 TIME-WAIT' },
  notice: {
    en: 'The side that closes first (the client) goes FIN-WAIT-1, FIN-WAIT-2, then TIME-WAIT; the other side passes through CLOSE-WAIT (its application has not closed yet) and LAST-ACK. A FIN uses one sequence number. TIME-WAIT lasts 2*MSL (here MSL = 30 s, so 60 s) so that a lost last ACK can be sent again and old segments die out.',
    ko: '먼저 닫는 쪽(클라이언트)은 FIN-WAIT-1, FIN-WAIT-2를 거쳐 TIME-WAIT가 된다; 상대는 CLOSE-WAIT(애플리케이션이 아직 close()하지 않음)와 LAST-ACK를 지난다. FIN도 순서 번호 하나를 쓴다. TIME-WAIT는 2*MSL(여기서는 MSL 30초, 즉 60초) 동안 유지되어 마지막 ACK가 유실되면 다시 보낼 수 있고 늦게 도착하는 옛 세그먼트가 사라진다.',
  },
  run(opts) {
    const l = lab(opts);
    const [c, s] = establish(l);
    l.send(l.client, c, 'bye');
    l.runFor(10);
    l.read(l.server, s);
    l.say({ en: 'the client application calls close()', ko: '클라이언트 애플리케이션이 close()를 호출' }, 'client');
    l.close(l.client, c);
    l.runFor(10);
    l.say({ en: 'the server application reads end-of-file and calls close()', ko: '서버 애플리케이션이 EOF를 읽고 close()를 호출' }, 'server');
    l.read(l.server, s);
    l.close(l.server, s);
    l.runUntil(() => c.state === 'CLOSED' && s.state === 'CLOSED', 120_000);
    return finish(l, opts, { clientState: c.state, serverState: s.state });
  },
};

const halfClose: Scenario = {
  name: 'half-close',
  summary: { en: 'half-close: the client shuts down its sending side and keeps receiving', ko: 'half-close: 클라이언트가 송신만 닫고 수신은 계속한다' },
  notice: {
    en: "The client's FIN says only 'I will send no more' (shutdown(SHUT_WR)). The server, in CLOSE-WAIT, keeps sending its answer and the client, in FIN-WAIT-2, keeps acknowledging it. Only the server's own FIN ends the other direction.",
    ko: "클라이언트의 FIN은 '더 이상 보내지 않겠다'는 뜻일 뿐이다(shutdown(SHUT_WR)). CLOSE-WAIT 상태의 서버는 응답을 계속 보내고, FIN-WAIT-2 상태의 클라이언트는 계속 ACK한다. 반대 방향은 서버의 FIN이 와야 끝난다.",
  },
  run(opts) {
    const l = lab(opts);
    const [c, s] = establish(l);
    l.send(l.client, c, 'request');
    l.say({ en: 'the client calls shutdown(SHUT_WR) after its request', ko: '클라이언트가 요청을 보낸 뒤 shutdown(SHUT_WR) 호출' }, 'client');
    l.shutdown(l.client, c);
    l.runFor(10);
    const req = dec(l.read(l.server, s));
    l.say({ en: 'the server keeps sending its answer in CLOSE-WAIT', ko: '서버는 CLOSE-WAIT 상태에서 응답을 계속 보낸다' }, 'server');
    l.send(l.server, s, 'answer part 1');
    l.runFor(10);
    l.send(l.server, s, 'answer part 2');
    l.runFor(10);
    const answer = dec(l.read(l.client, c));
    l.close(l.server, s);
    l.runFor(10);
    l.read(l.client, c);
    l.runUntil(() => c.state === 'CLOSED' && s.state === 'CLOSED', 120_000);
    return finish(l, opts, { serverRead: req, clientRead: answer });
  },
};

const simultaneousOpen: Scenario = {
  name: 'simultaneous-open',
  summary: { en: 'simultaneous open: both ends send a SYN at once and both go SYN-SENT, SYN-RECEIVED, ESTABLISHED', ko: '동시 열기(simultaneous open): 양쪽이 동시에 SYN을 보내고 둘 다 SYN-SENT, SYN-RECEIVED, ESTABLISHED를 거친다' },
  notice: {
    en: 'No listener: both sides do an active open to each other\'s port at the same moment (RFC 9293 Figure 7). The SYNs cross; each side answers the other\'s SYN with SYN+ACK from SYN-RECEIVED. Four segments instead of three, and one connection.',
    ko: '리스너가 없다: 양쪽이 같은 순간에 서로의 포트로 active open 한다(RFC 9293 그림 7). SYN이 엇갈리고, 각자 SYN-RECEIVED에서 상대의 SYN에 SYN+ACK로 답한다. 세그먼트 셋이 아니라 넷, 연결은 하나.',
  },
  run(opts) {
    const l = lab(opts, { initial: { client: 'CLOSED', server: 'CLOSED' } });
    const a = l.connect(5001, { localPort: 5000 });
    const b = l.server.stack.connect({ address: CLIENT_ADDRESS, port: 5000 }, l.now, { localPort: 5001 });
    l.server.kick();
    l.runUntil(() => a.state === 'ESTABLISHED' && b.state === 'ESTABLISHED');
    l.runFor(5);
    return finish(l, opts, { clientState: a.state, serverState: b.state });
  },
};

const simultaneousClose: Scenario = {
  name: 'simultaneous-close',
  summary: { en: 'simultaneous close: both FINs cross; both go FIN-WAIT-1, CLOSING, TIME-WAIT', ko: '동시 종료: 두 FIN이 엇갈리고 양쪽 모두 FIN-WAIT-1, CLOSING, TIME-WAIT를 거친다' },
  notice: {
    en: 'Both applications close at the same moment (RFC 9293 Figure 13). Each receives a FIN while its own is unacknowledged, so it goes to CLOSING rather than FIN-WAIT-2, and both ends wait in TIME-WAIT.',
    ko: '두 애플리케이션이 같은 순간에 close()한다(RFC 9293 그림 13). 각자 자기 FIN이 ACK되기 전에 상대 FIN을 받으므로 FIN-WAIT-2가 아니라 CLOSING으로 가고, 양쪽 모두 TIME-WAIT에서 기다린다.',
  },
  run(opts) {
    const l = lab(opts);
    const [c, s] = establish(l);
    l.runFor(5);
    l.say({ en: 'both applications call close() at the same moment', ko: '두 애플리케이션이 동시에 close() 호출' });
    l.close(l.client, c);
    l.close(l.server, s);
    l.runUntil(() => c.state === 'CLOSED' && s.state === 'CLOSED', 120_000);
    return finish(l, opts, { clientState: c.state, serverState: s.state });
  },
};

const refused: Scenario = {
  name: 'refused',
  summary: { en: 'connection refused: a SYN to a port with no listener is answered with RST+ACK', ko: '연결 거부: 리스너가 없는 포트로 간 SYN에 RST+ACK로 답한다' },
  notice: {
    en: 'Nothing listens on port 81, so the server TCP answers the SYN with a reset (RFC 9293 §3.10.7.1): seq 0, ACK = the SYN\'s sequence number + 1, so that the client can tell the RST is about its SYN. The client goes straight back to CLOSED and its application sees ECONNREFUSED.',
    ko: '81번 포트에는 리스너가 없으므로 서버 TCP는 SYN에 RST로 답한다(RFC 9293 §3.10.7.1): seq 0, ACK = SYN의 순서 번호 + 1이므로 클라이언트는 이 RST가 자신의 SYN에 대한 것임을 안다. 클라이언트는 바로 CLOSED로 돌아가고 애플리케이션은 ECONNREFUSED를 본다.',
  },
  run(opts) {
    const l = lab(opts, { initial: { client: 'CLOSED', server: 'CLOSED' } });
    let error: string | undefined;
    l.client.onEvent((e) => {
      if (e.type === 'event' && e.event.type === 'error') error = e.event.code;
    });
    const c = l.connect(81);
    l.runUntil(() => c.state === 'CLOSED');
    l.runFor(5);
    return finish(l, opts, { error, clientState: c.state });
  },
};

const lostSyn: Scenario = {
  name: 'lost-syn',
  summary: { en: 'a lost SYN: retransmitted after the initial RTO (1 s), then 2 s later (exponential backoff)', ko: 'SYN 유실: 초기 RTO(1초) 후 재전송, 다음은 2초 후(지수 백오프)' },
  notice: {
    en: 'The link is down for the first 2.5 s. The client hears nothing, so its retransmission timer fires after the initial RTO of 1 s (RFC 6298) and again after 2 s: the timeout doubles each time. The third SYN gets through. The RTT is not sampled from a retransmitted SYN (Karn).',
    ko: '처음 2.5초 동안 링크가 끊겨 있다. 클라이언트는 아무 응답도 듣지 못해 초기 RTO 1초(RFC 6298) 후 재전송 타이머가 만료되고, 다음은 2초 후다: 타임아웃이 매번 두 배가 된다. 세 번째 SYN이 도착한다. 재전송된 SYN으로는 RTT를 재지 않는다(Karn).',
  },
  run(opts) {
    const l = lab(opts);
    l.linkDown(2500);
    const listener = l.listen();
    const c = l.connect();
    let s: Connection | undefined;
    l.runUntil(() => (s ??= listener.accept()) !== undefined && c.state === 'ESTABLISHED');
    l.runFor(5);
    return finish(l, opts, { clientState: c.state, connectedAt: l.now });
  },
};

const lostFin: Scenario = {
  name: 'lost-fin',
  summary: { en: "a lost FIN: the closing side stays in FIN-WAIT-1 until its retransmission is acknowledged", ko: 'FIN 유실: 닫는 쪽은 재전송이 ACK될 때까지 FIN-WAIT-1에 머문다' },
  notice: {
    en: 'The FIN is lost, so the client stays in FIN-WAIT-1 (RFC 9293: its FIN is unacknowledged) and the server still believes the connection is ESTABLISHED. The retransmission timer fires, the FIN goes again, and the close proceeds as usual.',
    ko: 'FIN이 유실되어 클라이언트는 FIN-WAIT-1에 머물고(FIN이 ACK되지 않음) 서버는 여전히 ESTABLISHED라고 믿는다. 재전송 타이머가 만료되어 FIN을 다시 보내고, 그 뒤 종료는 평소대로 진행된다.',
  },
  run(opts) {
    const l = lab(opts);
    const [c, s] = establish(l);
    l.runFor(10);
    l.say({ en: 'the client calls close(); the link drops its FIN', ko: '클라이언트가 close() 호출; 링크가 FIN을 버린다' }, 'client');
    l.linkDown(50);
    l.close(l.client, c);
    l.runUntil(() => s.state === 'CLOSE-WAIT');
    l.runFor(5);
    l.close(l.server, s);
    l.runUntil(() => c.state === 'CLOSED' && s.state === 'CLOSED', 120_000);
    return finish(l, opts, { clientState: c.state, serverState: s.state });
  },
};


/** Raw packets the server put on the link carrying data, kept for a later "delayed duplicate". */
function keepServerData(l: Lab): Array<{ packet: Uint8Array; seq: number; len: number }> {
  const kept: Array<{ packet: Uint8Array; seq: number; len: number }> = [];
  l.link.tap((packet, _t, from) => {
    if (from !== l.server) return;
    const p = decodeTcpPacket(packet);
    if (p.ok && p.payloadLength > 0) kept.push({ packet: packet.slice(), seq: p.tcp.seq, len: p.payloadLength });
  });
  return kept;
}

/** Send a kept packet again as if it had been held up in the network. */
function resurface(l: Lab, packet: Uint8Array, label: string): void {
  l.trace.label(label);
  l.link.send(l.server, packet.slice());
}

const timeWait: Scenario = {
  name: 'time-wait',
  summary: {
    en: 'TIME-WAIT at work: a delayed duplicate is absorbed; with TIME-WAIT too short, the same duplicate corrupts the next connection',
    ko: 'TIME-WAIT의 역할: 늦게 온 중복 세그먼트를 흡수한다; TIME-WAIT가 너무 짧으면 같은 중복이 다음 연결의 데이터를 망가뜨린다',
  },
  notice: {
    en: "Part 1: a copy of one of the server's data segments was held up in the network and arrives while the client is in TIME-WAIT: the client only acknowledges it again; nothing reaches an application (the server, which has forgotten the connection, answers that ACK with a RST, which TIME-WAIT ignores: RFC 1337). Part 2: the client's TIME-WAIT is cut to 10 ms (mslMs 5) and timestamps are off (no PAWS, RFC 7323). The client reuses its port at once; the new connection's ISNs are only a little ahead of the old ones (RFC 6528's clock), so the old segment falls inside the new receive window and its bytes are read as if the new server had sent them.",
    ko: '1부: 서버의 데이터 세그먼트 사본 하나가 네트워크에서 지연되었다가 클라이언트가 TIME-WAIT일 때 도착한다: 클라이언트는 ACK만 다시 보내고 어떤 애플리케이션에도 전달되지 않는다(연결을 이미 잊은 서버는 그 ACK에 RST로 답하고, TIME-WAIT는 이를 무시한다: RFC 1337). 2부: 클라이언트의 TIME-WAIT를 10ms(mslMs 5)로 줄이고 타임스탬프를 끈다(PAWS 없음, RFC 7323). 클라이언트가 같은 포트를 바로 다시 쓰고, 새 연결의 ISN은 옛 연결보다 조금 앞설 뿐이므로(RFC 6528의 시계) 옛 세그먼트가 새 수신 윈도우 안에 들어와 새 서버가 보낸 것처럼 읽힌다.',
  },
  run(opts) {
    const l = lab(opts);
    const kept = keepServerData(l);
    const listener = l.listen();
    // Part 1: the normal TIME-WAIT.
    l.say({ en: 'Part 1: TIME-WAIT of 2*MSL (60 s)', ko: '1부: 2*MSL(60초)의 TIME-WAIT' });
    const c1 = l.connect(SERVER_PORT, { localPort: 50000 });
    l.runUntil(() => c1.state === 'ESTABLISHED');
    l.runFor(2);
    const s1 = listener.accept()!;
    l.send(l.server, s1, 'old data');
    l.runFor(5);
    l.read(l.client, c1);
    l.close(l.client, c1);
    l.runUntil(() => s1.state === 'CLOSE-WAIT');
    l.close(l.server, s1);
    l.runUntil(() => c1.state === 'TIME-WAIT');
    l.runFor(1000);
    const old = kept[0];
    resurface(l, old.packet, 'delayed duplicate of the server\'s data');
    l.runFor(10);
    const absorbed = c1.state;
    l.runUntil(() => c1.state === 'CLOSED', 120_000);

    // Part 2: TIME-WAIT too short, and no timestamps.
    l.runFor(1000);
    l.say({ en: 'Part 2: the client\'s TIME-WAIT cut to 10 ms, timestamps off', ko: '2부: 클라이언트의 TIME-WAIT를 10ms로 줄이고 타임스탬프를 끔' });
    const short = { mslMs: 5, timestamps: false };
    kept.length = 0;
    const c2 = l.connect(SERVER_PORT, { localPort: 50001, tcp: short });
    l.runUntil(() => c2.state === 'ESTABLISHED');
    l.runFor(2);
    const s2 = listener.accept()!;
    l.send(l.server, s2, new Uint8Array(8000).fill(0x6f)); // 'o' for old
    l.runFor(10);
    l.read(l.client, c2);
    l.close(l.client, c2);
    l.runUntil(() => s2.state === 'CLOSE-WAIT');
    l.close(l.server, s2);
    l.runUntil(() => c2.state === 'CLOSED');
    l.runFor(1);
    const c3 = l.connect(SERVER_PORT, { localPort: 50001, tcp: short });
    l.runUntil(() => c3.state === 'ESTABLISHED');
    l.runFor(2);
    const s3 = listener.accept()!;
    // An old segment ahead of RCV.NXT, inside the new receive window. The new server sends up to its
    // first byte; then the old copy surfaces, exactly in order.
    const rcvNxt = c3.tcb.rcvNxt;
    const hit = kept.find((k) => seqGt(k.seq, rcvNxt) && seqLt(k.seq, (rcvNxt + 30_000) >>> 0));
    let oldBytes = 0;
    if (hit) {
      l.send(l.server, s3, new Uint8Array((hit.seq - rcvNxt) >>> 0).fill(0x6e)); // 'n' for new
      l.runFor(10);
      resurface(l, hit.packet, 'delayed duplicate from the old connection');
      l.runFor(5);
      l.send(l.server, s3, new Uint8Array(hit.len).fill(0x6e));
      l.runFor(10);
      const got = l.read(l.client, c3);
      oldBytes = got.filter((b) => b === 0x6f).length;
      l.say({
        en: `the client application read ${got.length} bytes; ${oldBytes} of them came from the old connection, and the new server's bytes in their place were discarded as duplicates`,
        ko: `클라이언트 애플리케이션이 ${got.length}바이트를 읽었다; 그중 ${oldBytes}바이트는 옛 연결의 데이터이고, 그 자리에 온 새 서버의 바이트는 중복으로 버려졌다`,
      }, 'client');
    } else {
      l.say({ en: 'no old segment fell inside the new window in this run', ko: '이번 실행에서는 새 윈도우에 들어온 옛 세그먼트가 없다' });
    }
    l.runFor(5);
    return finish(l, opts, { absorbedIn: absorbed, corruptedBytes: oldBytes });
  },
};

/** The client "crashes": its connection is dropped while the link is down, so its RST never arrives. */
function crash(l: Lab, c: Connection): void {
  l.link.up = false;
  l.trace.quiet = true;
  c.abort(l.now);
  l.client.kick();
  l.net.runFor(0);
  l.trace.quiet = false;
  l.link.up = true;
}

const halfOpen: Scenario = {
  name: 'half-open',
  summary: { en: 'half-open connections (RFC 9293 Figures 9 and 10): one side crashed and forgot the connection', ko: '반열림(half-open) 연결 (RFC 9293 그림 9, 10): 한쪽이 재시작되어 연결을 잊었다' },
  notice: {
    en: "Figure 10: the client crashed; when the server sends data, the client's TCP knows no such connection and answers RST, and the server aborts. Figure 9: the client crashed and reconnects from the same port; the server, still ESTABLISHED, answers the new SYN with an ACK for the old connection; the client, in SYN-SENT, resets it (RST with seq = that ACK), the server drops the old connection, and the client's retransmitted SYN opens a new one.",
    ko: '그림 10: 클라이언트가 재시작되었다; 서버가 데이터를 보내면 클라이언트 TCP는 그런 연결을 모르므로 RST로 답하고 서버는 연결을 끊는다. 그림 9: 클라이언트가 재시작 후 같은 포트로 다시 연결한다; 아직 ESTABLISHED인 서버는 새 SYN에 옛 연결의 ACK로 답하고, SYN-SENT 상태의 클라이언트가 그 ACK 값을 seq로 한 RST를 보내 옛 연결을 끊은 뒤, 재전송한 SYN으로 새 연결이 열린다.',
  },
  run(opts) {
    const l = lab(opts);
    const listener = l.listen();
    l.say({ en: 'Figure 10: the client crashes, the server sends', ko: '그림 10: 클라이언트가 재시작되고, 서버가 데이터를 보낸다' });
    const a = l.connect(SERVER_PORT, { localPort: 50010 });
    l.runUntil(() => a.state === 'ESTABLISHED');
    l.runFor(2);
    const sa = listener.accept()!;
    l.say({ en: 'the client host crashes: its connection is gone, the server is not told', ko: '클라이언트 호스트가 재시작된다: 연결 정보가 사라지고 서버는 알지 못한다' }, 'client');
    crash(l, a);
    l.runFor(5);
    l.send(l.server, sa, 'hello?');
    l.runUntil(() => sa.state === 'CLOSED');
    l.runFor(100);

    l.say({ en: 'Figure 9: the client crashes and connects again from the same port', ko: '그림 9: 클라이언트가 재시작 후 같은 포트로 다시 연결한다' });
    const b = l.connect(SERVER_PORT, { localPort: 50011 });
    l.runUntil(() => b.state === 'ESTABLISHED');
    l.runFor(2);
    const sb = listener.accept()!;
    crash(l, b);
    l.say({ en: 'the client host crashed and, restarted, connects again', ko: '재시작한 클라이언트가 다시 연결한다' }, 'client');
    l.runFor(1000);
    const b2 = l.connect(SERVER_PORT, { localPort: 50011 });
    l.runUntil(() => b2.state === 'ESTABLISHED', 10_000);
    l.runFor(5);
    return finish(l, opts, { fig10Server: sa.state, fig9OldServer: sb.state, fig9New: b2.state });
  },
};

const oldDuplicateSyn: Scenario = {
  name: 'old-duplicate-syn',
  summary: { en: 'an old duplicate SYN (RFC 9293 Figure 8): the client resets the half-open connection it causes', ko: '옛 중복 SYN (RFC 9293 그림 8): 클라이언트가 그것이 만든 반열림 연결을 RST로 정리한다' },
  notice: {
    en: "The client's first SYN is lost; meanwhile an old SYN for the same ports (from an earlier connection, with another ISN) arrives. The server answers it with SYN+ACK acknowledging the old ISN. The client, in SYN-SENT, sees an ACK for a sequence number it never sent and answers RST with seq = that ACK (RFC 9293 §3.10.7.3); the server returns to LISTEN. The client's retransmitted SYN then opens the connection normally. This is why TCP uses a three-way handshake.",
    ko: '클라이언트의 첫 SYN이 유실되고, 그 사이 같은 포트 쌍의 옛 SYN(이전 연결, 다른 ISN)이 도착한다. 서버는 옛 ISN을 확인하는 SYN+ACK로 답한다. SYN-SENT 상태의 클라이언트는 보낸 적 없는 순서 번호에 대한 ACK를 보고 그 ACK 값을 seq로 한 RST를 보낸다(RFC 9293 §3.10.7.3); 서버는 LISTEN으로 돌아간다. 이어 재전송된 SYN으로 연결이 정상적으로 열린다. TCP가 3-way handshake를 쓰는 이유다.',
  },
  run(opts) {
    const l = lab(opts);
    const listener = l.listen();
    l.linkDown(1);
    const c = l.connect(SERVER_PORT, { localPort: 50020 });
    l.runFor(5);
    const oldIsn = (c.tcb.iss - 0x10000000) >>> 0;
    l.inject(
      l.client,
      { src: CLIENT_ADDRESS, dst: SERVER_ADDRESS, srcPort: 50020, dstPort: SERVER_PORT, seq: oldIsn, flags: TcpFlag.SYN, options: { mss: 1460 } },
      'old duplicate SYN from an earlier connection',
    );
    let s: Connection | undefined;
    l.runUntil(() => (s ??= listener.accept()) !== undefined && c.state === 'ESTABLISHED', 10_000);
    l.runFor(5);
    return finish(l, opts, { clientState: c.state, serverState: s?.state, oldIsn });
  },
};

/** Put `n` spoofed SYNs on the attacker's link, drawing only the first `drawn`. */
function flood(l: Lab, r: SeededRandom, n: number, drawn: number): void {
  const dst = 0xc6120002; // 198.18.0.2
  for (let i = 0; i < n; i++) {
    if (i === drawn) {
      l.runFor(2); // the drawn ones arrive and are answered
      l.trace.muted = true;
    }
    l.attackLink!.send(l.attacker!, spoofedSyn(r, dst, SERVER_PORT));
  }
  l.runFor(2);
  l.trace.muted = false;
}

function floodPart(opts: ScenarioOptions, mode: 'off' | 'on-overflow', queue: number): { l: Lab; c: Connection; error: string | undefined } {
  const l = lab(opts, {
    attacker: true,
    server: { synCookies: mode, limits: { synQueueSize: queue } },
    initial: { client: 'CLOSED', server: 'LISTEN' },
  });
  const listener = l.listen();
  const r = new SeededRandom(opts.seed, 99);
  l.say(
    mode === 'off'
      ? { en: `SYN cookies off; the SYN queue holds ${queue}. The attacker sends ${queue + 8} SYNs from spoofed addresses (3 drawn)`, ko: `SYN 쿠키 끔; SYN 큐 크기 ${queue}. 공격자가 위조 주소로 SYN ${queue + 8}개를 보낸다(3개만 그림)` }
      : { en: `SYN cookies on overflow; the same flood (3 of ${queue + 8} drawn)`, ko: `큐가 넘치면 SYN 쿠키 사용; 같은 공격(${queue + 8}개 중 3개만 그림)` },
    'attacker',
  );
  flood(l, r, queue + 8, 3);
  l.runFor(5);
  let error: string | undefined;
  l.client.onEvent((e) => {
    if (e.type === 'event' && e.event.type === 'error') error = e.event.code;
  });
  l.say({ en: 'a legitimate client connects (it gives up after 3 s)', ko: '정상 클라이언트가 연결한다(3초 후 포기)' }, 'client');
  const c = l.connect(SERVER_PORT, { tcp: { connectTimeoutMs: 3000 } });
  let s: Connection | undefined;
  l.runUntil(() => c.state === 'CLOSED' || (c.state === 'ESTABLISHED' && (s ??= listener.accept()) !== undefined), 10_000);
  l.runFor(5);
  return { l, c, error };
}

const synFlood: Scenario = {
  name: 'syn-flood',
  summary: { en: 'a SYN flood: without SYN cookies the legitimate client fails; with them it is served', ko: 'SYN flooding: SYN 쿠키 없이는 정상 클라이언트가 실패하고, 쿠키가 있으면 연결된다' },
  notice: {
    en: "Spoofed SYNs fill the listener's SYN queue with half-open connections whose SYN+ACKs go nowhere. Without cookies the server drops the legitimate SYN (no arrow back), the client retransmits and gives up. With SYN cookies (RFC 4987) the server answers from no state: the ISN of its SYN+ACK encodes the connection, and the client's ACK rebuilds it, straight to ESTABLISHED.",
    ko: '위조된 SYN이 리스너의 SYN 큐를 반열림 연결로 채우고, 그 SYN+ACK는 어디에도 닿지 않는다. 쿠키가 없으면 서버는 정상 SYN을 버리고(돌아오는 화살표 없음) 클라이언트는 재전송하다 포기한다. SYN 쿠키(RFC 4987)가 있으면 서버는 상태 없이 답한다: SYN+ACK의 ISN이 연결 정보를 담고, 클라이언트의 ACK로 연결을 복원해 바로 ESTABLISHED가 된다.',
  },
  run(opts) {
    const a = floodPart(opts, 'off', 16);
    const b = floodPart(opts, 'on-overflow', 16);
    const result = combine(opts, [a.l, b.l]);
    result.facts = { withoutCookies: a.c.state, withoutCookiesError: a.error, withCookies: b.c.state, cookiesSent: b.l.server.stack.counters.tcp.SyncookiesSent };
    return result;
  },
};

/** The pause between the parts of a scenario in parts, as their joined trace shows it (ms). */
export const PART_GAP_MS = 1000;

/** Several labs' traces, one after the other (each later one shifted to start 1 s after the previous ended). */
function combine(opts: ScenarioOptions, labs: Lab[]): ScenarioResult {
  const events: TraceEvent[] = [];
  const packets: Array<{ data: Uint8Array; timeMs: number }> = [];
  let offset = 0;
  let hosts = labs[0].result().hosts;
  for (const l of labs) {
    const t = l.result();
    if (t.hosts.length > hosts.length) hosts = t.hosts;
    for (const e of t.events) {
      const moved = { ...e, t: roundMs(e.t + offset) };
      // A timer's deadline is on the same clock as its time.
      if (moved.kind === 'timer' && moved.deadline !== null) moved.deadline = roundMs(moved.deadline + offset);
      events.push(moved);
    }
    for (const p of l.trace.packets()) packets.push({ data: p.data, timeMs: p.timeMs + offset });
    offset += l.now + PART_GAP_MS;
  }
  const r: ScenarioResult = { trace: { hosts, events }, facts: {} };
  if (opts.pcap) r.pcap = encodePcapPackets(packets);
  return r;
}

const hijack: Scenario = {
  name: 'hijack',
  summary: { en: 'blind attacks (RFC 5961): an in-window RST, SYN and data are answered with challenge ACKs; predictable ISNs would let them through', ko: '블라인드 공격(RFC 5961): 윈도우 안의 RST, SYN, 데이터에 챌린지 ACK로 답한다; ISN을 예측할 수 있다면 공격이 통한다' },
  notice: {
    en: "An off-path attacker forges segments from the client's address (timestamps are off here, so that only sequence numbers stand in its way). A RST that is in the window but not exactly at RCV.NXT, a SYN, and data whose ACK is outside what the server has sent all get a challenge ACK sent to the real client (RFC 5961 §3.2, §4, §5), which ignores it (the guesses go half a second apart: each connection answers one challenge ACK per 500 ms, §7); the server stays ESTABLISHED and reads nothing forged. Then the attacker is given the exact numbers, as it would have them if ISNs were predictable (what RFC 6528 prevents): its data is accepted as the client's, and an exact RST tears the connection down.",
    ko: '경로 밖의 공격자가 클라이언트 주소로 세그먼트를 위조한다(여기서는 타임스탬프를 꺼서 순서 번호만이 공격자를 막는다). 윈도우 안이지만 RCV.NXT와 정확히 같지 않은 RST, SYN, 그리고 서버가 보낸 범위 밖을 ACK하는 데이터는 모두 실제 클라이언트에게 가는 챌린지 ACK를 부른다(RFC 5961 §3.2, §4, §5); 클라이언트는 이를 무시하고(연결마다 챌린지 ACK는 500 ms에 하나뿐이므로 추측은 0.5초 간격으로 보낸다, §7), 서버는 ESTABLISHED를 유지하며 위조 데이터를 읽지 않는다. 이어 공격자에게 정확한 번호를 준다(ISN을 예측할 수 있었다면 가졌을 값, RFC 6528이 막는 것): 그 데이터는 클라이언트의 것으로 받아들여지고, 정확한 RST는 연결을 끊는다.',
  },
  run(opts) {
    // Timestamps off, so that only sequence numbers stand in the attacker's way.
    const l = lab(opts, { attacker: true, client: { tcp: { ackDelayMs: 0, timestamps: false } } });
    const [c, s] = establish(l);
    l.send(l.client, c, 'login ok');
    l.runFor(5);
    l.read(l.server, s);
    const tcb = s.tcb;
    // Each connection answers one challenge ACK per 500 ms (RFC 5961 §7, challengeAckWindowMs), so the
    // blind guesses go half a second apart, each to be seen answered.
    const forged = (fields: { seq: number; ack?: number; flags: number; payload?: Uint8Array }, label: string, waitMs = 5): void => {
      l.inject(l.attacker!, { src: CLIENT_ADDRESS, dst: SERVER_ADDRESS, srcPort: c.local.port, dstPort: SERVER_PORT, window: 502, ...fields }, label);
      l.runFor(waitMs);
    };
    l.say({ en: 'the attacker guesses: every value in the window, none exact', ko: '공격자는 추측한다: 윈도우 안이지만 정확하지 않은 값' }, 'attacker');
    forged({ seq: tcb.rcvNxt + 1000, flags: TcpFlag.RST }, 'blind RST, in window', 500);
    forged({ seq: tcb.rcvNxt + 2000, flags: TcpFlag.SYN }, 'blind SYN', 500);
    forged({ seq: tcb.rcvNxt, ack: tcb.sndNxt + 0x40000000, flags: TcpFlag.ACK | TcpFlag.PSH, payload: enc('rm -rf /') }, 'blind data, ACK guessed wrong');
    const readBefore = dec(l.read(l.server, s));
    const stateAfterBlind = s.state;
    l.say({ en: 'with predictable ISNs the attacker knows the exact numbers', ko: 'ISN을 예측할 수 있다면 공격자는 정확한 번호를 안다' }, 'attacker');
    forged({ seq: tcb.rcvNxt, ack: tcb.sndNxt, flags: TcpFlag.ACK | TcpFlag.PSH, payload: enc('rm -rf /') }, 'data with exact numbers');
    const injected = dec(l.read(l.server, s));
    forged({ seq: tcb.rcvNxt, flags: TcpFlag.RST }, 'RST with exact seq');
    l.runFor(5);
    return finish(l, opts, { readAfterBlind: readBefore, stateAfterBlind, injectedRead: injected, finalServerState: s.state, challengeAcks: s.tcb.stats.TCPChallengeACK });
  },
};

const closeWaitLeak: Scenario = {
  name: 'close-wait-leak',
  summary: { en: 'an application that never closes: the server stays in CLOSE-WAIT while the client gives up', ko: 'close()하지 않는 애플리케이션: 클라이언트가 포기한 뒤에도 서버는 CLOSE-WAIT에 남는다' },
  notice: {
    en: "The client closes; the server's TCP acknowledges the FIN and moves to CLOSE-WAIT, where it waits for its application to call close(), which it never does. The client gives up on FIN-WAIT-2 after 60 s (Linux's tcp_fin_timeout) and forgets the connection; the server's side stays, holding memory and a port, until it writes and is reset. Many sockets in CLOSE-WAIT in `ss -tan` mean an application bug.",
    ko: '클라이언트가 close()한다; 서버 TCP는 FIN을 ACK하고 CLOSE-WAIT로 가서 애플리케이션의 close()를 기다리지만, 호출되지 않는다. 클라이언트는 60초(Linux tcp_fin_timeout) 후 FIN-WAIT-2를 포기하고 연결을 잊는다; 서버 쪽은 메모리와 포트를 잡은 채 남아 있다가, 무언가를 쓸 때 RST를 받는다. `ss -tan`에 CLOSE-WAIT가 많다면 애플리케이션 버그다.',
  },
  run(opts) {
    const l = lab(opts);
    const [c, s] = establish(l);
    l.runFor(5);
    l.close(l.client, c);
    l.runUntil(() => s.state === 'CLOSE-WAIT');
    l.read(l.server, s);
    l.say({ en: 'the server application reads end-of-file but never calls close()', ko: '서버 애플리케이션은 EOF를 읽지만 close()를 호출하지 않는다' }, 'server');
    l.runUntil(() => c.state === 'CLOSED', 120_000);
    l.runFor(30_000);
    const leaked = s.state;
    l.say({ en: `90 s later the server is still ${leaked}; then it writes`, ko: `90초 뒤에도 서버는 여전히 ${leaked}; 그제서야 무언가를 쓴다` }, 'server');
    l.send(l.server, s, 'late');
    l.runUntil(() => s.state === 'CLOSED', 10_000);
    l.runFor(5);
    return finish(l, opts, { serverAfter90s: leaked, clientState: c.state });
  },
};

const lossyTransfer: Scenario = {
  name: 'lossy-transfer',
  summary: { en: 'loss recovery: two data segments are lost and recovered while the transfer continues', ko: '손실 복구: 데이터 세그먼트 두 개가 유실되고, 전송을 계속하며 복구된다' },
  notice: {
    en: "The client sends 16 KB; the link loses its 3rd and 8th data segments. The server acknowledges what arrived in order and its duplicate ACKs carry SACK blocks (RFC 2018) naming what arrived beyond the hole. The client retransmits only what is missing, after duplicate ACKs (fast retransmit) or its retransmission timer, as the stack's loss recovery decides; the server's ACK then jumps over everything received.",
    ko: '클라이언트가 16KB를 보내고, 링크가 3번째와 8번째 데이터 세그먼트를 잃는다. 서버는 순서대로 도착한 만큼 ACK하고, 중복 ACK에는 빈 곳 너머에 도착한 범위를 알리는 SACK 블록(RFC 2018)이 실린다. 클라이언트는 빠진 것만 재전송한다(중복 ACK에 의한 빠른 재전송 또는 재전송 타이머, 스택의 손실 복구가 정한다); 그러면 서버의 ACK는 받은 데이터 전체를 건너뛴다.',
  },
  run(opts) {
    const l = lab(opts);
    let dataSegments = 0;
    l.loseWhere((packet, from) => {
      if (from !== l.client) return false;
      const p = decodeTcpPacket(packet);
      if (!p.ok || p.payloadLength === 0) return false;
      dataSegments++;
      return dataSegments === 3 || dataSegments === 8;
    });
    const [c, s] = establish(l);
    const data = new Uint8Array(16_000);
    for (let i = 0; i < data.length; i++) data[i] = i & 0xff;
    l.send(l.client, c, data);
    let got = 0;
    let intact = true;
    l.runUntil(() => {
      const d = l.read(l.server, s);
      for (let i = 0; i < d.length; i++) if (d[i] !== ((got + i) & 0xff)) intact = false;
      got += d.length;
      return got >= data.length;
    }, 60_000);
    l.runFor(5);
    return finish(l, opts, { received: got, intact, retransSegs: c.tcb.stats.RetransSegs });
  },
};

function ethernetLab(opts: ScenarioOptions, dhcpClient = false): EthernetLab {
  const l = new EthernetLab({ seed: opts.seed, lang: opts.lang, keepPackets: opts.pcap, arrivals: opts.arrivals, initial: { client: 'CLOSED', server: 'LISTEN' }, dhcpClient });
  opts.onLab?.(l);
  return l;
}

/** One connection on an Ethernet lab: connect, send a request, read it, answer, both close. */
function exchange(l: EthernetLab, listener: Listener, request: string): { read: string; answer: string } {
  const c = l.connect();
  l.send(l.client, c, request);
  let s: Connection | undefined;
  l.runUntil(() => (s ??= listener.accept()) !== undefined && s.state === 'ESTABLISHED' && c.state === 'ESTABLISHED', 10_000);
  l.runFor(5);
  const read = dec(l.read(l.server, s!));
  l.send(l.server, s!, 'OK');
  l.runFor(5);
  const answer = dec(l.read(l.client, c));
  l.close(l.client, c);
  l.runFor(5);
  l.close(l.server, s!);
  l.runFor(10);
  return { read, answer };
}

const arp: Scenario = {
  name: 'arp',
  summary: {
    en: 'ARP on an Ethernet segment: a broadcast who-has and its reply come before the SYN; a second connection finds the address in the cache',
    ko: '이더넷 세그먼트의 ARP: SYN보다 먼저 브로드캐스트 who-has와 그 응답이 오간다; 두 번째 연결은 캐시에서 주소를 찾는다',
  },
  notice: {
    en: "Client and server are on one Ethernet segment (a switch). Before the client can send its SYN to 198.18.0.2 it needs the server's hardware (MAC) address: it broadcasts an ARP request (who-has 198.18.0.2), which every host on the segment sees, and holds the SYN meanwhile. The server answers with a unicast reply (is-at), and notes the client's address from the request itself (RFC 826), so it never asks back. The second connection, a moment later, starts straight with its SYN: both addresses are in the ARP caches. (At time 0 each host announced its own address: a request for itself, a gratuitous ARP, RFC 5227.)",
    ko: '클라이언트와 서버는 하나의 이더넷 세그먼트(스위치)에 있다. 클라이언트가 198.18.0.2로 SYN을 보내려면 먼저 서버의 하드웨어(MAC) 주소가 필요하다: 세그먼트의 모든 호스트가 보는 ARP 요청(who-has 198.18.0.2)을 브로드캐스트하고, 그동안 SYN은 대기한다. 서버는 유니캐스트 응답(is-at)으로 답하고, 요청 자체에서 클라이언트의 주소를 기록하므로(RFC 826) 되묻지 않는다. 잠시 뒤의 두 번째 연결은 곧바로 SYN으로 시작한다: 양쪽 주소가 모두 ARP 캐시에 있다. (시각 0에 각 호스트는 자기 주소를 알렸다: 자기 자신을 묻는 요청, 즉 gratuitous ARP, RFC 5227.)',
  },
  run(opts) {
    const l = ethernetLab(opts);
    const listener = l.server.stack.listen(SERVER_PORT);
    l.runFor(5);
    l.say({ en: 'first connection: the client does not know the server\'s MAC yet', ko: '첫 번째 연결: 클라이언트는 아직 서버의 MAC을 모른다' }, 'client');
    const first = exchange(l, listener, 'GET /1');
    l.say({ en: 'second connection: the ARP cache has the address', ko: '두 번째 연결: ARP 캐시에 주소가 있다' }, 'client');
    const second = exchange(l, listener, 'GET /2');
    const cache = l.client.net!.neighbors();
    return finish(l, opts, { first, second, clientNeighbors: cache });
  },
};

const dhcp: Scenario = {
  name: 'dhcp',
  summary: {
    en: 'DHCP on an Ethernet segment: DISCOVER, OFFER, REQUEST, ACK give the client an address; then ARP and a connection from it',
    ko: '이더넷 세그먼트의 DHCP: DISCOVER, OFFER, REQUEST, ACK로 클라이언트가 주소를 받고, 그 주소로 ARP와 연결을 한다',
  },
  notice: {
    en: "The client starts with no IPv4 address. It broadcasts a DHCPDISCOVER from 0.0.0.0:68 to 255.255.255.255:67; the server offers 198.18.0.100 (OFFER), the client asks for it by name (REQUEST, still broadcast so that every server hears its choice) and the server confirms (ACK): RFC 2131 §3.1's four messages, the same transaction id (xid) in each. The replies are broadcast too: the client cannot take unicast before it has an address. Once bound, the client announces its new address (a gratuitous ARP), then ARPs for the server and opens a TCP connection from the leased address.",
    ko: '클라이언트는 IPv4 주소 없이 시작한다. 0.0.0.0:68에서 255.255.255.255:67로 DHCPDISCOVER를 브로드캐스트한다; 서버가 198.18.0.100을 제안하고(OFFER), 클라이언트가 그 주소를 지정해 요청하며(REQUEST, 모든 서버가 선택을 듣도록 역시 브로드캐스트) 서버가 확인한다(ACK): RFC 2131 §3.1의 네 메시지이며 모두 같은 트랜잭션 ID(xid)를 쓴다. 응답도 브로드캐스트다: 주소가 없는 클라이언트는 유니캐스트를 받을 수 없다. 주소를 받은 클라이언트는 새 주소를 알리고(gratuitous ARP), 서버를 ARP로 찾은 뒤 임대받은 주소로 TCP 연결을 연다.',
  },
  run(opts) {
    const l = ethernetLab(opts, true);
    const server = new DhcpServer({ serverAddress: SERVER_ADDRESS, first: '198.18.0.100', last: '198.18.0.110', subnetMask: 24, leaseTime: 3600 });
    serveDhcp(l.server, server);
    const iface = l.client.net!.interfaces.find((i) => i.kind === 'frames')!;
    const client = new DhcpClient({ chaddr: iface.mac!, random: new SeededRandom(opts.seed) });
    l.say({ en: 'the client has no IPv4 address: it asks DHCP for one', ko: '클라이언트는 IPv4 주소가 없다: DHCP로 주소를 요청한다' }, 'client');
    runDhcpClient(l.client, client);
    l.runUntil(() => client.state === 'BOUND', 60_000);
    const leased = client.lease?.address;
    l.say({ en: `bound to ${leased ?? '?'}: the client connects to the server`, ko: `${leased ?? '?'} 주소를 받았다: 클라이언트가 서버에 연결한다` }, 'client');
    const listener = l.server.stack.listen(SERVER_PORT);
    const got = exchange(l, listener, 'hello');
    return finish(l, opts, { leased, ...got });
  },
};

export const SCENARIOS: Scenario[] = [
  handshake,
  close,
  halfClose,
  simultaneousOpen,
  simultaneousClose,
  refused,
  lostSyn,
  lostFin,
  timeWait,
  halfOpen,
  oldDuplicateSyn,
  synFlood,
  hijack,
  closeWaitLeak,
  lossyTransfer,
  arp,
  dhcp,
];

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}

export { ATTACKER_ADDRESS, endpointText };
export type { Host };
