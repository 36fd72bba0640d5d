/**
 * Hard ICMP errors (port and protocol unreachable) end a connection that is not yet synchronized
 * with its peer (RFC 1122 §4.2.3.9: "SHOULD abort"; RFC 5461 §4: only before the connection is
 * established), in SYN-SENT and in SYN-RECEIVED alike: a passive open's half-open connection goes
 * (back to LISTEN for a listening TCB, gone for a stack's child), an active one in simultaneous
 * open fails with ECONNREFUSED. Soft errors are only remembered. The quoted sequence number must be
 * one in flight (RFC 5927 §4.1): our SYN-ACK's, the ISS.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Tcb } from '../../src/tcp/tcb.js';
import { drain, events, seg, tcb, PLAIN, B_PORT } from './harness.js';

function child(): Tcb {
  const t = Tcb.accept({ localPort: B_PORT, iss: 1000, config: PLAIN }, seg('<SEQ=5000><CTL=SYN>', { dstPort: B_PORT }), 0);
  drain(t, 0);
  events(t);
  assert.equal(t.state, 'SYN-RECEIVED');
  return t;
}

describe('hard ICMP errors before the connection is synchronized', () => {
  test("a stack's child in SYN-RECEIVED: gone, counted as a failed attempt, nothing sent", () => {
    const t = child();
    assert.equal(t.icmpError('unreachable-hard', 1000, 0, 5), true);
    assert.equal(t.state, 'CLOSED');
    assert.equal(t.stats.AttemptFails, 1);
    assert.deepEqual(drain(t, 5), []);
  });

  test('a listening TCB in SYN-RECEIVED goes back to LISTEN', () => {
    const t = tcb({ localPort: B_PORT, iss: 1000 });
    t.listen(0);
    t.handleSegment(seg('<SEQ=5000><CTL=SYN>', { dstPort: B_PORT }), 0);
    drain(t, 0);
    t.icmpError('unreachable-hard', 1000, 0, 5);
    assert.equal(t.state, 'LISTEN');
  });

  test('simultaneous open in SYN-RECEIVED: ECONNREFUSED', () => {
    const t = tcb({ iss: 1000 });
    t.connect(0);
    drain(t, 0);
    t.handleSegment(seg('<SEQ=5000><CTL=SYN>'), 1);
    drain(t, 1);
    assert.equal(t.state, 'SYN-RECEIVED');
    events(t);
    t.icmpError('unreachable-hard', 1000, 0, 5);
    assert.equal(t.state, 'CLOSED');
    assert.deepEqual(events(t).flatMap((e) => (e.type === 'error' ? [e.code] : [])), ['ECONNREFUSED']);
  });

  test('a soft error in SYN-RECEIVED is only remembered', () => {
    const t = child();
    t.icmpError('unreachable-soft', 1000, 0, 5);
    assert.equal(t.state, 'SYN-RECEIVED');
    assert.equal(t.rare.softError, 'unreachable-soft');
  });

  test('a hard error quoting a sequence number not in flight is ignored', () => {
    const t = child();
    assert.equal(t.icmpError('unreachable-hard', 999, 0, 5), false);
    assert.equal(t.state, 'SYN-RECEIVED');
  });
});
