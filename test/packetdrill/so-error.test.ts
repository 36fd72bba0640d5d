/**
 * SO_ERROR after a RST, in every state an application can still hold the socket in: ECONNRESET once,
 * then 0 (the system-call layer of BSD, tcp_input's so_error, and of Linux, tcp_reset). RFC 9293
 * §3.10.7.4 closes CLOSING and LAST-ACK on a RST without saying what the user hears; both systems
 * report the reset, so a program that shut down its side learns the peer did not close in order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runScriptText } from '../../src/packetdrill/index.js';

const OPEN = `--tolerance_usecs=10000
0.000 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > S 0:0(0) <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>
+0.1 < S. 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 7>
+0 > . 1:1(0) ack 1
`;

const RESET_SEEN = `+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNRESET], [4]) = 0
+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0
+0 close(3) = 0
`;

const SCRIPTS: Record<string, string> = {
  ESTABLISHED: `${OPEN}+0.1 < R. 1:1(0) ack 1 win 1000
${RESET_SEEN}`,
  'FIN-WAIT-1': `${OPEN}+0 shutdown(3, SHUT_WR) = 0
+0 > F. 1:1(0) ack 1
+0.1 < R. 1:1(0) ack 1 win 1000
${RESET_SEEN}`,
  'CLOSE-WAIT': `${OPEN}+0.1 < F. 1:1(0) ack 1 win 1000
+0 > . 1:1(0) ack 2
+0.1 < R. 2:2(0) ack 1 win 1000
${RESET_SEEN}`,
  'LAST-ACK': `${OPEN}+0.1 < F. 1:1(0) ack 1 win 1000
+0 > . 1:1(0) ack 2
+0 shutdown(3, SHUT_WR) = 0
+0 > F. 1:1(0) ack 2
+0.1 < R. 2:2(0) ack 2 win 1000
${RESET_SEEN}`,
  CLOSING: `${OPEN}+0 shutdown(3, SHUT_WR) = 0
+0 > F. 1:1(0) ack 1
+0.1 < F. 1:1(0) ack 1 win 1000
+0 > . 2:2(0) ack 2
+0.1 < R. 2:2(0) ack 2 win 1000
${RESET_SEEN}`,
};

for (const [state, src] of Object.entries(SCRIPTS)) {
  test(`a RST in ${state}: SO_ERROR is ECONNRESET once, then 0`, () => {
    const r = runScriptText(src, { mode: 'lenient', personality: 'none' });
    assert.equal(r.result, 'PASS', `line ${r.line}: ${r.detail}`);
  });
}
