/**
 * Wherever a user sees an address it is text: endpoints, connection keys, connections, listeners
 * and TIME-WAIT entries print (console.log / util.inspect, String(), JSON.stringify) with dotted or
 * RFC 5952 addresses, never the 32-bit number or byte array the stack computes with.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { SimNetwork } from '../../src/link/sim.js';

function established(v6: boolean, seed = 1) {
  const net = new SimNetwork(seed);
  const a = v6 ? '2001:db8::1' : '198.18.0.1';
  const b = v6 ? '2001:db8::2' : '198.18.0.2';
  const client = net.addHost('client', { addresses: [a] });
  const server = net.addHost('server', { addresses: [b] });
  net.link(client, server, {});
  const listener = server.stack.listen(80);
  const c = client.stack.connect({ address: b, port: 80 }, client.now());
  client.kick();
  let s: ReturnType<typeof listener.accept>;
  net.runUntil(() => (s ??= listener.accept()) !== undefined && c.state === 'ESTABLISHED', 10_000);
  return { net, client, server, listener, c, s: s!, a, b };
}

for (const v6 of [false, true]) {
  const fam = v6 ? 'IPv6' : 'IPv4';
  test(`${fam}: an endpoint prints its address as text (inspect, String, JSON)`, () => {
    const { c, a, b } = established(v6);
    const local = v6 ? `[${a}]:${c.local.port}` : `${a}:${c.local.port}`;
    assert.equal(String(c.local), local);
    assert.equal(`${c.remote}`, v6 ? `[${b}]:80` : `${b}:80`);
    assert.deepEqual(JSON.parse(JSON.stringify(c.remote)), { address: b, port: 80 });
    assert.match(inspect(c.remote), new RegExp(`'${b}'`));
    assert.doesNotMatch(inspect(c.remote), /3323068418|Uint8Array/);
    // The values the stack computes with are unchanged.
    assert.equal(typeof c.remote.address, v6 ? 'object' : 'number');
    assert.equal(c.remote.port, 80);
  });

  test(`${fam}: a connection's key, inspect and JSON show text addresses and its state`, () => {
    const { c, s, a, b } = established(v6);
    const ep = (x: string, p: number) => (v6 ? `[${x}]:${p}` : `${x}:${p}`);
    assert.equal(c.key, `${ep(b, 80)}>${ep(a, c.local.port)}`);
    assert.equal(s.key, `${ep(a, c.local.port)}>${ep(b, 80)}`);
    const text = inspect(c);
    assert.match(text, /ESTABLISHED/);
    assert.ok(text.includes(ep(a, c.local.port)) && text.includes(ep(b, 80)), text);
    assert.ok(text.length < 200, `a connection prints in one short line, not its whole TCB: ${text.length} chars`);
    assert.deepEqual(JSON.parse(JSON.stringify(c)), { local: ep(a, c.local.port), remote: ep(b, 80), state: 'ESTABLISHED' });
    assert.equal(String(c), `${ep(a, c.local.port)} -> ${ep(b, 80)} ESTABLISHED`);
  });

  test(`${fam}: a listener and a TIME-WAIT entry print text addresses`, () => {
    const { net, client, server, listener, c, s, b } = established(v6);
    assert.match(inspect(listener), /\*:80/);
    assert.deepEqual(JSON.parse(JSON.stringify(listener)).local, '*:80');
    const bound = established(v6, 2).server.stack.listen(81, { address: b });
    assert.equal(String(bound), `LISTEN ${v6 ? `[${b}]` : b}:81`);
    // The client closes first: it ends in TIME-WAIT.
    c.close(net.now);
    client.kick();
    net.runUntil(() => s.state === 'CLOSE-WAIT', 10_000);
    s.close(net.now);
    server.kick();
    net.runUntil(() => [...net.hosts[0].stack.timeWaitEntries()].length === 1, 10_000);
    const tw = [...net.hosts[0].stack.timeWaitEntries()][0];
    assert.match(inspect(tw.local), new RegExp(`'${v6 ? '2001:db8::1' : '198.18.0.1'}'`));
    assert.equal(String(tw.remote), v6 ? `[${b}]:80` : `${b}:80`);
  });
}
