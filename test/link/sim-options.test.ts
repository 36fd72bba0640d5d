/**
 * SimNetwork refuses options that make no network: a loss of 2, an MTU of 10, a NaN delay or a rate of
 * 0 used to make a silent black hole, a delay of -5 a transfer that took 0 ms, a misspelt key
 * (`dealyMs`) was ignored, and two hosts with one name or one address, or a host linked to itself,
 * were accepted. Each is now a TypeError (wrong type, unknown key) or a RangeError (out of range,
 * taken) whose message names the field, what is allowed and the value.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFAULT_LINK, SimNetwork, type LinkProfile } from '../../src/link/sim.js';

function pair(): { net: SimNetwork; a: ReturnType<SimNetwork['addHost']>; b: ReturnType<SimNetwork['addHost']> } {
  const net = new SimNetwork(1);
  const a = net.addHost('a', { addresses: ['198.18.0.1'] });
  const b = net.addHost('b', { addresses: ['198.18.0.2'] });
  return { net, a, b };
}

/** Asserts a throw of `type` whose message contains every one of `parts`. */
function refuses(fn: () => unknown, type: typeof TypeError | typeof RangeError, ...parts: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof type, `expected a ${type.name}, got ${String(e)}`);
    for (const p of parts) assert.ok((e as Error).message.includes(p), `message contains ${JSON.stringify(p)}: ${(e as Error).message}`);
    return true;
  });
}

describe('SimNetwork.link checks its profile', () => {
  test('probabilities: loss, duplicate, reorder, corrupt in [0, 1]', () => {
    const { net, a, b } = pair();
    refuses(() => net.link(a, b, { loss: 2 }), RangeError, 'SimNetwork.link: loss must be a fraction in [0, 1]', 'got 2');
    refuses(() => net.link(a, b, { duplicate: -0.1 }), RangeError, 'duplicate', 'got -0.1');
    refuses(() => net.link(a, b, { reorder: NaN }), RangeError, 'reorder', 'got NaN');
    refuses(() => net.link(a, b, { corrupt: 1.5 }), RangeError, 'corrupt', 'got 1.5');
    refuses(() => net.link(a, b, { loss: '1%' as unknown as number }), TypeError, 'loss must be', 'got the string "1%"');
  });

  test('MTU: an integer in [68, 65535]', () => {
    const { net, a, b } = pair();
    refuses(() => net.link(a, b, { mtu: 10 }), RangeError, 'SimNetwork.link: mtu must be an integer number of bytes in [68, 65535]', 'got 10');
    refuses(() => net.link(a, b, { mtu: 70000 }), RangeError, 'mtu', 'got 70000');
    refuses(() => net.link(a, b, { mtu: 1500.5 }), RangeError, 'mtu', 'got 1500.5');
  });

  test('times: delayMs and jitterMs finite and >= 0', () => {
    const { net, a, b } = pair();
    refuses(() => net.link(a, b, { delayMs: NaN }), RangeError, 'delayMs must be a finite number of milliseconds >= 0', 'got NaN');
    refuses(() => net.link(a, b, { delayMs: -5 }), RangeError, 'delayMs', 'got -5');
    refuses(() => net.link(a, b, { jitterMs: Infinity }), RangeError, 'jitterMs', 'got Infinity');
  });

  test('bottleneck: rateBps > 0, queueBytes a positive integer (either may be Infinity)', () => {
    const { net, a, b } = pair();
    refuses(() => net.link(a, b, { rateBps: 0 }), RangeError, 'rateBps must be a number of bits per second > 0', 'got 0');
    refuses(() => net.link(a, b, { rateBps: -1e6 }), RangeError, 'rateBps', 'got -1000000');
    refuses(() => net.link(a, b, { queueBytes: 0 }), RangeError, 'queueBytes', 'got 0');
    refuses(() => net.link(a, b, { queueBytes: 10.5 }), RangeError, 'queueBytes', 'got 10.5');
    net.link(a, b, { rateBps: Infinity, queueBytes: Infinity });
  });

  test('an unknown key is a TypeError naming it, the nearest known key and all of them', () => {
    const { net, a, b } = pair();
    refuses(
      () => net.link(a, b, { dealyMs: 5 } as Partial<LinkProfile>),
      TypeError,
      "SimNetwork.link: unknown profile key 'dealyMs' (did you mean 'delayMs'?)",
      'known keys: delayMs, jitterMs, rateBps, queueBytes, mtu, loss, duplicate, reorder, corrupt',
    );
    refuses(() => net.link(a, b, {}, { banana: 1 } as Partial<LinkProfile>), TypeError, "unknown reverse key 'banana'; known keys:");
    refuses(() => net.link(a, b, {}, { mtu: 1 }), RangeError, 'reverse.mtu must be', 'got 1');
    refuses(() => net.link(a, b, 5 as unknown as Partial<LinkProfile>), TypeError, 'profile must be an object');
  });

  test('the ends: hosts of this network, not one host twice', () => {
    const { net, a, b } = pair();
    refuses(() => net.link(a, a), RangeError, 'SimNetwork.link: a host cannot be linked to itself ("a")');
    const other = new SimNetwork(2).addHost('c', { addresses: ['198.18.0.3'] });
    refuses(() => net.link(a, other), TypeError, 'SimNetwork.link: b must be a host added to this network');
    refuses(() => net.link(undefined as unknown as typeof a, b), TypeError, 'a must be a host');
    assert.equal(net.links.length, 0, 'a refused link is not added');
  });

  test('a key left undefined takes the default, as if it were left out', () => {
    const { net, a, b } = pair();
    const l = net.link(a, b, { delayMs: undefined, mtu: 1400 }, { loss: undefined });
    assert.deepEqual(l.profiles[0], { ...DEFAULT_LINK, mtu: 1400 });
    assert.deepEqual(l.profiles[1], { ...DEFAULT_LINK, mtu: 1400 });
  });

  test('property: every profile in range is accepted and used as given', () => {
    const inRange = fc.record(
      {
        delayMs: fc.double({ min: 0, max: 1000, noNaN: true }),
        jitterMs: fc.double({ min: 0, max: 100, noNaN: true }),
        rateBps: fc.oneof(fc.constant(Infinity), fc.double({ min: 1, max: 1e12, noNaN: true })),
        queueBytes: fc.integer({ min: 1, max: 1 << 30 }),
        mtu: fc.integer({ min: 68, max: 65535 }),
        loss: fc.double({ min: 0, max: 1, noNaN: true }),
        duplicate: fc.double({ min: 0, max: 1, noNaN: true }),
        reorder: fc.double({ min: 0, max: 1, noNaN: true }),
        corrupt: fc.double({ min: 0, max: 1, noNaN: true }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(inRange, (profile) => {
        const { net, a, b } = pair();
        const l = net.link(a, b, profile);
        assert.deepEqual(l.profiles[0], { ...DEFAULT_LINK, ...profile });
      }),
      { seed: 0x1201, numRuns: 200 },
    );
  });
});

describe('SimNetwork.addHost checks names, addresses and keys', () => {
  test('a name or an address another host has is a RangeError naming both', () => {
    const { net } = pair();
    refuses(() => net.addHost('a', { addresses: ['198.18.0.9'] }), RangeError, 'SimNetwork.addHost: a host named "a" exists already');
    refuses(() => net.addHost('c', { addresses: ['198.18.0.2'] }), RangeError, 'address 198.18.0.2 of "c" belongs to host "b" already');
    // The same address written as a number is the same address.
    refuses(() => net.addHost('c', { addresses: [0xc6120001] }), RangeError, 'address 198.18.0.1 of "c" belongs to host "a" already');
    refuses(() => net.addHost('c', { addresses: ['2001:db8::1', '2001:db8:0::1'] }), RangeError, 'address 2001:db8::1 is listed twice for "c"');
    assert.equal(net.hosts.length, 2, 'a refused host is not added');
  });

  test('addresses that are not addresses, and unknown keys', () => {
    const net = new SimNetwork(1);
    refuses(() => net.addHost('c', { addresses: ['300.1.1.1'] }), RangeError, 'SimNetwork.addHost: addresses[0] is not an IP address: "300.1.1.1"');
    refuses(() => net.addHost('c', { addresses: [2 ** 32] }), RangeError, 'addresses[0] must be an IP address', 'got 4294967296');
    refuses(() => net.addHost('c', { addresses: [new Uint8Array(4)] }), RangeError, 'addresses[0] must be an IP address', 'got a Uint8Array of 4 bytes');
    refuses(() => net.addHost('c', { addresses: '198.18.0.1' } as unknown as { addresses: string[] }), TypeError, 'addresses must be an array');
    refuses(() => net.addHost('c', { adresses: ['198.18.0.1'] } as unknown as { addresses: string[] }), TypeError, "unknown options key 'adresses' (did you mean 'addresses'?)");
    refuses(() => net.addHost('', { addresses: ['198.18.0.1'] }), TypeError, 'name must be a non-empty string');
    assert.equal(net.hosts.length, 0);
  });

  test('valid hosts and a link still carry a transfer end to end', () => {
    const { net, a, b } = pair();
    net.link(a, b, { delayMs: 5, mtu: 576 });
    b.stack.listen(80);
    const c = a.stack.connect({ address: '198.18.0.2', port: 80 }, net.now);
    a.kick();
    net.runUntil(() => c.state === 'ESTABLISHED');
    // The handshake took one round trip of the 5 ms links: a delay is used as given.
    assert.ok(net.now >= 10, `t=${net.now}`);
  });
});

describe('the other entry points of the simulator check their numbers', () => {
  test('the seed: an integer (NaN or 1.5 would silently be another seed)', () => {
    refuses(() => new SimNetwork(NaN), RangeError, 'SimNetwork: seed must be an integer', 'got NaN');
    refuses(() => new SimNetwork(1.5), RangeError, 'seed', 'got 1.5');
    refuses(() => new SimNetwork('42' as unknown as number), TypeError, 'seed', 'got the string "42"');
    assert.equal(new SimNetwork(-7).seed, -7);
  });

  test('times: runFor, at and partition refuse NaN (it used to make the clock NaN)', () => {
    const { net, a, b } = pair();
    const l = net.link(a, b);
    refuses(() => net.runFor(NaN), RangeError, 'SimNetwork.runFor: ms must be a finite number of milliseconds >= 0', 'got NaN');
    refuses(() => net.runFor(-1), RangeError, 'runFor', 'got -1');
    refuses(() => net.at(NaN, () => undefined), RangeError, 'SimNetwork.at: t must be a number of milliseconds', 'got NaN');
    refuses(() => net.at(5, 'go' as unknown as () => void), TypeError, 'SimNetwork.at: fn must be a function');
    refuses(() => l.partition(10, 5), RangeError, 'SimLink.partition: toMs must be >= fromMs', 'got 10..5');
    refuses(() => l.partition(Infinity, Infinity), RangeError, 'fromMs must be finite');
    l.partition(10, Infinity); // down for good from t=10
    assert.equal(net.runFor(20), 20);
    assert.equal(l.up, false);
  });
});
