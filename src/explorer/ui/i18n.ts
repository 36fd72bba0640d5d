/**
 * The explorer's own words in English and Korean. The scenarios' texts (summary, notice, the notes
 * a run writes) come from the scenarios themselves in the chosen language; these are the page's.
 */
export type Lang = 'en' | 'ko';

const WORDS = {
  title: { en: 'synack explorer', ko: 'synack 탐색기' },
  tagline: { en: 'a real TCP, running in this page: drive it and watch every segment, state and timer', ko: '이 페이지에서 실제 TCP가 돈다: 직접 움직이며 모든 세그먼트, 상태, 타이머를 지켜보자' },
  scenarios: { en: 'Scenarios', ko: '시나리오' },
  sandbox: { en: 'Sandbox', ko: '샌드박스' },
  controls: { en: 'show / hide', ko: '보이기 / 숨기기' },
  roundTrips: { en: 'Round trips (recorded in Node)', ko: '왕복 횟수 (Node에서 기록)' },
  openCapture: { en: 'Open a capture (pcap, pcapng)', ko: '캡처 파일 열기 (pcap, pcapng)' },
  language: { en: 'Language', ko: '언어' },
  play: { en: 'Play', ko: '재생' },
  pause: { en: 'Pause', ko: '일시정지' },
  step: { en: 'Step', ko: '한 단계' },
  toEnd: { en: 'To the end', ko: '끝까지' },
  speed: { en: 'Speed', ko: '속도' },
  seed: { en: 'Seed', ko: '시드' },
  runAgain: { en: 'Run again', ko: '다시 실행' },
  share: { en: 'Share', ko: '공유' },
  shareCopied: { en: 'Link copied', ko: '링크를 복사했다' },
  shareReady: { en: 'Link in the address bar', ko: '주소창에 링크가 있다' },
  downloadPcap: { en: 'Download pcap', ko: 'pcap 내려받기' },
  now: { en: 'virtual time', ko: '가상 시간' },
  finished: { en: 'finished', ko: '끝' },
  ladder: { en: 'Ladder diagram', ko: '래더 다이어그램' },
  ladderHelp: { en: 'Each arrow is a real segment; click one (or focus it and press Enter) to inspect it.', ko: '화살표 하나하나가 실제 세그먼트다; 클릭하거나 (포커스 후 Enter) 내용을 살펴보자.' },
  ladderHelpSandbox: { en: 'Click a segment while it is in flight to drop it.', ko: '날아가는 중인 세그먼트를 클릭하면 버린다.' },
  stateDiagram: { en: 'State diagram (RFC 9293 Figure 5)', ko: '상태 다이어그램 (RFC 9293 그림 5)' },
  tcb: { en: 'Transmission Control Blocks', ko: '전송 제어 블록 (TCB)' },
  noTcb: { en: 'No open connection.', ko: '열린 연결이 없다.' },
  listeners: { en: 'Listeners', ko: '리스너' },
  seqSpace: { en: 'Sequence space', ko: '순서 번호 공간' },
  acked: { en: 'acknowledged', ko: '확인됨' },
  inFlight: { en: 'in flight', ko: '전송 중' },
  sacked: { en: 'SACKed', ko: 'SACK됨' },
  lost: { en: 'lost', ko: '손실' },
  unsent: { en: 'unsent', ko: '미전송' },
  cwndPlot: { en: 'cwnd and flight size', ko: 'cwnd와 전송 중 바이트' },
  noPlot: { en: 'No data sent yet.', ko: '아직 보낸 데이터가 없다.' },
  counters: { en: 'Counters', ko: '카운터' },
  noCounters: { en: 'All zero.', ko: '모두 0.' },
  explanation: { en: 'What happens', ko: '무슨 일이 일어나나' },
  notice: { en: 'What to notice', ko: '눈여겨볼 점' },
  inspector: { en: 'Segment inspector', ko: '세그먼트 검사기' },
  inspectorEmpty: { en: 'Select an arrow to see its header fields and bytes.', ko: '화살표를 고르면 헤더 필드와 바이트가 보인다.' },
  noBytes: { en: 'The bytes of this segment were not kept.', ko: '이 세그먼트의 바이트는 남아 있지 않다.' },
  close: { en: 'Close', ko: '닫기' },
  help: { en: 'Keyboard', ko: '키보드' },
  helpText: { en: 'Space: play/pause · n or →: step · e: to the end · ?: this help · Enter on an arrow: inspect · Esc: close', ko: 'Space: 재생/일시정지 · n 또는 →: 한 단계 · e: 끝까지 · ?: 도움말 · 화살표에서 Enter: 검사 · Esc: 닫기' },
  client: { en: 'Client', ko: '클라이언트' },
  server: { en: 'Server', ko: '서버' },
  network: { en: 'Network', ko: '네트워크' },
  attacker: { en: 'Attacker', ko: '공격자' },
  link: { en: 'Link', ko: '링크' },
  connect: { en: 'Connect', ko: '연결' },
  send: { en: 'Send', ko: '보내기' },
  bytes: { en: 'bytes', ko: '바이트' },
  shutdown: { en: 'Shut down sending (FIN)', ko: '송신 종료 (FIN)' },
  closeConn: { en: 'Close', ko: '닫기 (close)' },
  abort: { en: 'Abort (RST)', ko: '중단 (RST)' },
  listen: { en: 'Listen', ko: '대기 (listen)' },
  backlog: { en: 'backlog', ko: '백로그' },
  accept: { en: 'Accept', ko: '수락 (accept)' },
  read: { en: 'Read', ko: '읽기' },
  reading: { en: 'Reading (click to stop)', ko: '읽는 중 (누르면 멈춤)' },
  dropNextC2S: { en: 'Drop next client → server', ko: '다음 클라이언트 → 서버 버리기' },
  dropNextS2C: { en: 'Drop next server → client', ko: '다음 서버 → 클라이언트 버리기' },
  partition: { en: 'Partition for', ko: '단절 시간' },
  partitionGo: { en: 'Partition', ko: '단절' },
  ms: { en: 'ms', ko: 'ms' },
  spoofRst: { en: 'Spoofed RST', ko: '위조 RST' },
  spoofSyn: { en: 'Spoofed SYN', ko: '위조 SYN' },
  spoofData: { en: 'Spoofed data', ko: '위조 데이터' },
  exact: { en: 'exact numbers (else guessed)', ko: '정확한 번호 (아니면 추측)' },
  flood: { en: 'SYN flood', ko: 'SYN 플러드' },
  floodCount: { en: 'SYNs', ko: 'SYN 개수' },
  cookies: { en: 'SYN cookies', ko: 'SYN 쿠키' },
  cookiesOff: { en: 'off', ko: '끔' },
  cookiesOverflow: { en: 'on overflow', ko: '넘칠 때' },
  cookiesAlways: { en: 'always', ko: '항상' },
  delay: { en: 'delay (one way)', ko: '지연 (단방향)' },
  jitter: { en: 'jitter', ko: '지터' },
  loss: { en: 'loss', ko: '손실률' },
  rate: { en: 'rate', ko: '대역폭' },
  queue: { en: 'queue', ko: '큐' },
  mtu: { en: 'MTU', ko: 'MTU' },
  reorder: { en: 'reordering', ko: '순서 바뀜' },
  duplicate: { en: 'duplication', ko: '중복' },
  unlimited: { en: 'unlimited', ko: '무제한' },
  refused: { en: 'Not now', ko: '지금은 안 된다' },
  captureTitle: { en: 'Capture', ko: '캡처' },
  captureError: { en: 'This file could not be read', ko: '이 파일을 읽을 수 없다' },
  captureNote: {
    en: 'A capture shows only what crossed the wire: each side\'s state is inferred from what it sent and received (RFC 9293), and there are no TCBs, timers or counters to show.',
    ko: '캡처에는 회선을 지난 것만 보인다: 각 쪽의 상태는 보내고 받은 것에서 추론하며 (RFC 9293), 보여 줄 TCB, 타이머, 카운터는 없다.',
  },
  recordedNote: {
    en: 'A recording keeps the run\'s segments and state changes only: there are no TCBs, timers or counters to show.',
    ko: '기록에는 실행의 세그먼트와 상태 변화만 남아 있다: 보여 줄 TCB, 타이머, 카운터는 없다.',
  },
  captureNone: { en: 'No TCP connection in this capture.', ko: '이 캡처에는 TCP 연결이 없다.' },
  connection: { en: 'Connection', ko: '연결' },
  dropHere: { en: 'Drop a pcap or pcapng file to draw its connections', ko: 'pcap 또는 pcapng 파일을 놓으면 연결을 그린다' },
  home: {
    en: 'Press Play (or Space) to watch a real three-way handshake, pick another scenario on the left, open the sandbox to drive TCP yourself, or drop a pcap file on the page.',
    ko: '재생(또는 Space)을 누르면 실제 3-way handshake를 볼 수 있다. 왼쪽에서 다른 시나리오를 고르거나, 샌드박스에서 직접 TCP를 움직이거나, pcap 파일을 페이지에 놓아 보자.',
  },
  retx: { en: 'retransmission', ko: '재전송' },
  lostWord: { en: 'lost', ko: '손실' },
  timers: { en: 'timers', ko: '타이머' },
  noTimers: { en: 'no timer armed', ko: '켜진 타이머 없음' },
  relHint: { en: 'relative to the ISN; hover for the absolute number', ko: 'ISN 기준 상대값; 마우스를 올리면 절대값' },
  sandboxIntro: {
    en: 'Two hosts on a simulated link, and an attacker. Start the server listening, connect the client, send some bytes, and break things: the stack is the real one, running on virtual time.',
    ko: '시뮬레이션 링크 위의 두 호스트와 공격자. 서버를 listen 상태로 두고, 클라이언트를 연결하고, 바이트를 보내고, 망가뜨려 보자: 가상 시간 위에서 도는 진짜 스택이다.',
  },
  urlSkipped: { en: 'Parts of the address that could not be read', ko: '주소에서 읽을 수 없는 부분' },
  unknownScenario: { en: 'No such scenario', ko: '그런 시나리오는 없다' },
} satisfies Record<string, Record<Lang, string>>;

export type WordKey = keyof typeof WORDS;

export function t(key: WordKey, lang: Lang): string {
  return WORDS[key][lang];
}

/** Every key has both languages (checked by test/explorer/ui-i18n.test.ts). */
export function wordKeys(): WordKey[] {
  return Object.keys(WORDS) as WordKey[];
}

export function parseLang(s: string | null | undefined): Lang {
  return s === 'ko' ? 'ko' : 'en';
}
