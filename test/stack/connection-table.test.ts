/**
 * The demultiplexer's table (stack/connection-table.ts): IPv4 tuples are filed under a 30-bit key
 * that several tuples can share; those are told apart by the whole tuple. Tuples that share a key
 * are found here by search (so the test keeps testing a collision if the key's formula changes), and
 * every one of them is found, replaced and removed on its own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionTable, key4 } from '../../src/stack/connection-table.js';
import type { Endpoint } from '../../src/stack/endpoint.js';

interface Entry {
  local: Endpoint;
  remote: Endpoint;
  name: string;
}

const SERVER = 0xc6120002; // 198.18.0.2

test('a key is a small integer, and differs when only one port differs', () => {
  for (const [lp, ra, rp] of [[80, 0xc6120001, 1024], [65535, 0xc613ffff, 65535], [1, 0, 1]]) {
    const k = key4(lp, ra, rp);
    assert.ok(Number.isInteger(k) && k >= 0 && k < 2 ** 30, `key ${k}`);
    assert.notEqual(key4(lp ^ 1, ra, rp), k);
    assert.notEqual(key4(lp, ra, rp ^ 0x8000), k);
  }
});

test('tuples that share a key are told apart, replaced and removed one by one', () => {
  // Find two tuples to port 80 of SERVER, from different clients, that share one key.
  const byKey = new Map<number, Array<[number, number]>>();
  let group: Array<[number, number]> | undefined;
  for (let host = 1; group === undefined && host < 1 << 17; host++) {
    const ra = 0xc6120000 + host; // 198.18.0.0/15
    for (const rp of [1024, 40000, 65535]) {
      const k = key4(80, ra, rp);
      const list = byKey.get(k) ?? [];
      list.push([ra, rp]);
      byKey.set(k, list);
      if (list.length === 2) group = list;
    }
  }
  assert.ok(group, 'no two tuples sharing a key in 198.18.0.0/15');
  const t = new ConnectionTable<Entry>();
  const entries = group.map(([ra, rp], i): Entry => ({ local: { address: SERVER, port: 80 }, remote: { address: ra, port: rp }, name: `c${i}` }));
  assert.notEqual(entries[0].remote.address, entries[1].remote.address);
  for (const e of entries) t.set(e);
  assert.equal(t.size, 2);
  for (const e of entries) assert.equal(t.get(SERVER, 80, e.remote.address, e.remote.port), e);
  assert.equal(t.get(SERVER, 81, entries[0].remote.address, entries[0].remote.port), undefined, 'other local port');
  // Replacing one (a new incarnation of its tuple) leaves the other.
  const again: Entry = { ...entries[1], name: 'c1 again' };
  t.set(again);
  assert.equal(t.size, 2);
  assert.equal(t.get(SERVER, 80, again.remote.address, again.remote.port), again);
  assert.ok(t.holds(again) && !t.holds(entries[1]));
  // Removing one that is not filed (the old incarnation) changes nothing; then each in turn.
  t.delete(entries[1]);
  assert.equal(t.size, 2);
  t.delete(entries[0]);
  assert.equal(t.get(SERVER, 80, entries[0].remote.address, entries[0].remote.port), undefined);
  assert.equal(t.get(SERVER, 80, again.remote.address, again.remote.port), again);
  t.delete(again);
  assert.equal(t.size, 0);
  assert.deepEqual([...t.values()], []);
});
