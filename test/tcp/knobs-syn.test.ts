/**
 * The SYN we send and how long we keep sending it, against FreeBSD's snd-syn scripts:
 *   `synRetransmitDropOptions` (net.inet.tcp.rexmit_drop_options), `connectTimeoutMs`
 *   (net.inet.tcp.keepinit, TCP_KEEPINIT), `synRetries` (FreeBSD's count), the MSS from the MTU
 *   (snd-syn-mss-inherited-from-mtu-*), and the options when sack / rfc1323 are off.
 *
 * FreeBSD's SYN schedule in those scripts is 0, +1.0, +2.2 s (rexmit_initial 1 s, rexmit_slop 200 ms
 * added after the backoff); synack's is 0, 1, 3 s (RFC 6298: 1 s, doubling). The counts and the
 * contents are what these tests hold synack to.
 */
import { describe, test } from 'node:test';
import { Timer } from '../../src/tcp/timers.js';
import assert from 'node:assert/strict';
import { resolveConfig, mssForMtu, windowScaleFor, type TcpConfig } from '../../src/tcp/config.js';
import type { Segment } from '../../src/tcp/segment.js';
import { TcpFlag, type TcpOptions } from '../../src/wire/index.js';
import { drain, fmt, seg, tcb } from './harness.js';
import { Alone } from './timer-helpers.js';

/** FreeBSD's defaults in the scripts: rfc1323=1 (WS and TS), sack.enable=1. */
const ALL_OPTIONS: Partial<TcpConfig> = { timestamps: true, windowScaling: true, sack: true, receiveBufferSize: 65536, windowScale: 6 };

/** The option kinds a SYN carries, by name, in a fixed order (presence, not layout). */
function optionNames(o: TcpOptions): string[] {
  const n: string[] = [];
  if (o.mss !== undefined) n.push(`mss ${o.mss}`);
  if (o.wscale !== undefined) n.push(`wscale ${o.wscale}`);
  if (o.sackPermitted) n.push('sackOK');
  if (o.timestamp) n.push('TS');
  return n;
}

function syns(a: Alone): Segment[] {
  return a.out.filter((o) => o.seg.flags & TcpFlag.SYN).map((o) => o.seg);
}

function errors(a: Alone): Array<[number, string]> {
  return a.evs.flatMap((x) => (x.e.type === 'error' ? [[x.t, x.e.code] as [number, string]] : []));
}

describe('synRetransmitDropOptions (FreeBSD rexmit_drop_options)', () => {
  test('default 0: every retransmission keeps all options', () => {
    const a = new Alone(tcb({ iss: 1000, config: { ...ALL_OPTIONS, synRetries: 4 } }));
    a.t.connect(0);
    a.runUntil(20_000);
    const all = syns(a).map((s) => optionNames(s.options));
    assert.equal(all.length, 5);
    for (const o of all) assert.deepEqual(o, ['mss 1460', 'wscale 6', 'sackOK', 'TS']);
  });

  test('3 (rexmit_drop_options=1): the SYN and its first two retransmissions carry every option, the third and later only the MSS (snd-syn-rtx-drop-options)', () => {
    const a = new Alone(tcb({ iss: 1000, config: { ...ALL_OPTIONS, synRetransmitDropOptions: 3, synRetries: 4 } }));
    a.t.connect(0);
    a.runUntil(20_000);
    assert.deepEqual(
      a.out.map((o) => [o.t, optionNames(o.seg.options)]),
      [
        [0, ['mss 1460', 'wscale 6', 'sackOK', 'TS']],
        [1000, ['mss 1460', 'wscale 6', 'sackOK', 'TS']],
        [3000, ['mss 1460', 'wscale 6', 'sackOK', 'TS']],
        [7000, ['mss 1460']],
        [15000, ['mss 1460']],
      ],
    );
    assert.ok(a.out.every((o) => fmt(o.seg) === '<SEQ=1000><CTL=SYN>'));
  });

  test('IPv6: the MSS (1440) stays, the rest goes (snd-syn-rtx-drop-options-ipv6)', () => {
    const a = new Alone(tcb({ iss: 1000, ipVersion: 6, config: { ...ALL_OPTIONS, synRetransmitDropOptions: 3, synRetries: 3 } }));
    a.t.connect(0);
    a.runUntil(7000);
    assert.deepEqual(optionNames(syns(a)[3].options), ['mss 1440']);
  });

  test('after the options were dropped, a SYN-ACK offering them negotiates none (RFC 7323 §2.2, §3.2; RFC 2018)', () => {
    const a = new Alone(tcb({ iss: 1000, config: { ...ALL_OPTIONS, synRetransmitDropOptions: 1 } }));
    a.t.connect(0);
    a.runUntil(1000);
    assert.deepEqual(optionNames(syns(a)[1].options), ['mss 1460']);
    a.deliver(seg('<SEQ=5000><ACK=1001><CTL=SYN,ACK>', { options: { mss: 1460, wscale: 7, sackPermitted: true, timestamp: { value: 9, echo: 0 } } }), 1500);
    assert.equal(a.t.state, 'ESTABLISHED');
    assert.equal(a.t.windowScaling, false);
    assert.equal(a.t.timestamps, false);
    assert.equal(a.t.sackPermitted, false);
    const ack = a.out[a.out.length - 1].seg;
    assert.equal(fmt(ack), '<SEQ=1001><ACK=5001><CTL=ACK>');
    assert.deepEqual(ack.options, {}, 'no TSopt on the ACK');
  });

  test('before the Nth retransmission, a SYN-ACK negotiates as usual', () => {
    const a = new Alone(tcb({ iss: 1000, config: { ...ALL_OPTIONS, synRetransmitDropOptions: 3 } }));
    a.t.connect(0);
    a.runUntil(1000);
    a.deliver(seg('<SEQ=5000><ACK=1001><CTL=SYN,ACK>', { options: { mss: 1460, wscale: 7, sackPermitted: true, timestamp: { value: 9, echo: 0 } } }), 1500);
    assert.equal(a.t.windowScaling, true);
    assert.equal(a.t.timestamps, true);
    assert.equal(a.t.sackPermitted, true);
  });

  test('rejects a negative or fractional count', () => {
    assert.throws(() => resolveConfig({ synRetransmitDropOptions: -1 }), RangeError);
    assert.throws(() => resolveConfig({ synRetransmitDropOptions: 1.5 }), RangeError);
  });
});

describe('connectTimeoutMs (FreeBSD keepinit / TCP_KEEPINIT)', () => {
  test('5 s: SYNs at 0, 1 and 3 s, then ETIMEDOUT at 5 s with nothing sent (snd-syn-rtx-keepinit)', () => {
    const a = new Alone(tcb({ iss: 1000, config: { ...ALL_OPTIONS, connectTimeoutMs: 5000 } }));
    a.t.connect(0);
    a.runUntil(60_000);
    assert.deepEqual(
      a.sentAt(),
      [
        [0, '<SEQ=1000><CTL=SYN>'],
        [1000, '<SEQ=1000><CTL=SYN>'],
        [3000, '<SEQ=1000><CTL=SYN>'],
      ],
    );
    assert.deepEqual(errors(a), [[5000, 'ETIMEDOUT']]);
    assert.equal(a.t.state, 'CLOSED');
    assert.equal(a.t.pollTimeout(), undefined);
  });

  test('counts from connect(): a later connect gets its own full time', () => {
    const a = new Alone(tcb({ iss: 1000, config: { connectTimeoutMs: 5000 } }));
    a.now = 1000;
    a.t.connect(1000);
    a.runUntil(60_000);
    assert.deepEqual(errors(a), [[6000, 'ETIMEDOUT']]);
  });

  test('undefined (the default): only synRetries ends the attempt', () => {
    const a = new Alone(tcb({ iss: 1000, config: {} }));
    a.t.connect(0);
    a.runUntil(1_000_000);
    assert.equal(syns(a).length, 8, 'the SYN and synRetries (7) retransmissions');
    assert.deepEqual(errors(a), [[247_000, 'ETIMEDOUT']]);
  });

  test('the earlier of the two wins: synRetries 1 fails at 3 s before a 75 s keepinit', () => {
    const a = new Alone(tcb({ iss: 1000, config: { connectTimeoutMs: 75_000, synRetries: 1 } }));
    a.t.connect(0);
    a.runUntil(100_000);
    assert.deepEqual(errors(a), [[3000, 'ETIMEDOUT']]);
  });

  test('stops once ESTABLISHED', () => {
    const a = new Alone(tcb({ iss: 1000, config: { connectTimeoutMs: 5000 } }));
    a.t.connect(0);
    a.deliver(seg('<SEQ=5000><ACK=1001><CTL=SYN,ACK>'), 100);
    assert.equal(a.t.state, 'ESTABLISHED');
    assert.equal(a.t.timerAt(Timer.Connect), undefined);
    a.runUntil(100_000);
    assert.equal(a.t.state, 'ESTABLISHED');
    assert.deepEqual(errors(a), []);
  });

  test('SYN-RECEIVED by simultaneous open: ETIMEDOUT, and a RST, for the peer holds state (FreeBSD tcp_drop)', () => {
    const a = new Alone(tcb({ iss: 1000, config: { connectTimeoutMs: 5000 } }));
    a.t.connect(0);
    a.deliver(seg('<SEQ=5000><CTL=SYN>'), 100);
    assert.equal(a.t.state, 'SYN-RECEIVED');
    a.runUntil(60_000);
    assert.deepEqual(a.sentAt().slice(-1), [[5000, '<SEQ=1001><CTL=RST>']]);
    assert.deepEqual(errors(a), [[5000, 'ETIMEDOUT']]);
    assert.equal(a.t.state, 'CLOSED');
  });

  test('SYN-RECEIVED from LISTEN: the attempt is dropped at the deadline and the TCB listens again', () => {
    const t = tcb({ iss: 1000, remotePort: 0, config: { connectTimeoutMs: 2500, synAckRetries: 10 } });
    t.listen(0);
    const a = new Alone(t);
    a.deliver(seg('<SEQ=5000><CTL=SYN>'), 0);
    a.runUntil(60_000);
    assert.deepEqual(a.sentAt(), [
      [0, '<SEQ=1000><ACK=5001><CTL=SYN,ACK>'],
      [1000, '<SEQ=1000><ACK=5001><CTL=SYN,ACK>'],
    ]);
    assert.equal(a.t.state, 'LISTEN');
    assert.equal(a.t.pollTimeout(), undefined);
  });

  test('rejects a zero or negative time', () => {
    assert.throws(() => resolveConfig({ connectTimeoutMs: 0 }), RangeError);
    assert.throws(() => resolveConfig({ connectTimeoutMs: -5 }), RangeError);
  });
});

describe("synRetries reproduces FreeBSD's SYN count (snd-syn-rtx-max-number)", () => {
  test('TCP_KEEPINIT 363 s, TCPTV_REXMTMAX 64 s: 11 SYNs (10 retransmissions), then ETIMEDOUT', () => {
    // FreeBSD (connect at 1 s): SYNs at 1, 2, 4.2, 8.4, 16.6, 32.8, 65, 129, 193, 257, 321 s; the next
    // would be at 385 s, after keepinit ends the attempt at 364 s. synack with synRetries 10 and a
    // 64 s maximum RTO sends as many (at 0, 1, 3, 7, 15, 31, 63, 127, 191, 255, 319 s).
    const a = new Alone(tcb({ iss: 1000, config: { ...ALL_OPTIONS, synRetries: 10, maxRtoMs: 64_000, connectTimeoutMs: 363_000 } }));
    a.t.connect(0);
    a.runUntil(1_000_000);
    assert.deepEqual(
      syns(a).map((_, i) => a.out[i].t),
      [0, 1000, 3000, 7000, 15000, 31000, 63000, 127000, 191000, 255000, 319000],
    );
    assert.equal(errors(a).length, 1);
    assert.equal(errors(a)[0][1], 'ETIMEDOUT');
    assert.ok(errors(a)[0][0] <= 321_000 + 65_000, "before the script's getsockopt(SO_ERROR) 65 s after the last SYN");
  });

  test("FreeBSD's defaults (keepinit 75 s): 7 SYNs, ETIMEDOUT at 75 s", () => {
    const a = new Alone(tcb({ iss: 1000, config: { synRetries: 12, maxRtoMs: 64_000, connectTimeoutMs: 75_000 } }));
    a.t.connect(0);
    a.runUntil(1_000_000);
    assert.deepEqual(syns(a).map((_, i) => a.out[i].t), [0, 1000, 3000, 7000, 15000, 31000, 63000]);
    assert.deepEqual(errors(a), [[75_000, 'ETIMEDOUT']]);
  });
});

describe('the MSS option from the MTU (RFC 9293 §3.7.1, RFC 6691; snd-syn-mss-inherited-from-mtu-*)', () => {
  const cases: Array<[4 | 6, number, number]> = [
    [4, 72, 32],
    [4, 1500, 1460],
    [4, 9000, 8960],
    [4, 65535, 65495],
    [6, 1280, 1220],
    [6, 1500, 1440],
    [6, 9000, 8940],
    [6, 65535, 65475],
  ];
  for (const [v, mtu, mss] of cases) {
    test(`IPv${v}, MTU ${mtu}: <mss ${mss}>`, () => {
      assert.equal(mssForMtu(mtu, v), mss);
      const t = tcb({ iss: 1000, ipVersion: v, config: { ...ALL_OPTIONS, mtu } });
      t.connect(0);
      const [syn] = drain(t, 0);
      assert.equal(syn.options.mss, mss);
    });
  }

  test("IPv4's minimum MTU (68, RFC 791) gives 28; never below 1", () => {
    assert.equal(mssForMtu(68, 4), 28);
    assert.equal(mssForMtu(20, 4), 1);
  });
});

describe('the SYN\'s options when sysctls turn them off', () => {
  const synOptions = (config: Partial<TcpConfig>, ipVersion: 4 | 6 = 4): string[] => {
    const t = tcb({ iss: 1000, ipVersion, config: { ...ALL_OPTIONS, ...config } });
    t.connect(0);
    const [syn] = drain(t, 0);
    assert.equal(syn.window, 65535);
    return optionNames(syn.options);
  };

  test('defaults (rfc1323=1, sack.enable=1): mss, wscale 6, sackOK, TS (snd-syn-with-default-options)', () => {
    assert.deepEqual(synOptions({}), ['mss 1460', 'wscale 6', 'sackOK', 'TS']);
  });

  test('sack.enable=0: mss, wscale, TS (snd-syn-without-sack)', () => {
    assert.deepEqual(synOptions({ sack: false }), ['mss 1460', 'wscale 6', 'TS']);
  });

  test('rfc1323=0 (no window scaling, no timestamps): mss, sackOK (snd-syn-without-ws-and-ts)', () => {
    assert.deepEqual(synOptions({ windowScaling: false, timestamps: false }), ['mss 1460', 'sackOK']);
    assert.deepEqual(synOptions({ windowScaling: false, timestamps: false }, 6), ['mss 1440', 'sackOK']);
  });

  test('both: the MSS alone (snd-syn-without-sack-and-ws-and-ts)', () => {
    assert.deepEqual(synOptions({ windowScaling: false, timestamps: false, sack: false }), ['mss 1460']);
  });

  test('kern.ipc.maxsockbuf 73728 / 2097152 / 4294967295: wscale 1 / 6 / 14 (snd-syn-with-min-ws, -max-ws)', () => {
    assert.equal(windowScaleFor(73728), 1);
    assert.equal(windowScaleFor(2097152), 6);
    assert.equal(windowScaleFor(4294967295), 14);
    assert.deepEqual(synOptions({ windowScale: windowScaleFor(73728) }), ['mss 1460', 'wscale 1', 'sackOK', 'TS']);
    assert.deepEqual(synOptions({ windowScale: windowScaleFor(4294967295) }), ['mss 1460', 'wscale 14', 'sackOK', 'TS']);
  });
});
