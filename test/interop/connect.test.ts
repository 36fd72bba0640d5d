/**
 * `synack connect` against the kernel's TCP (socat) through a TUN device in a namespace of its own:
 * data each way with the half-close each way (synack closing first, the kernel closing first, both at
 * once), byte-exact; a kernel port with no listener reaches synack as ECONNREFUSED; every capture is
 * clean in tshark. Skipped, with the reason, without root or TUN.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CLI, finished, interopSkipReason, nsExec, nsSpawn, tsharkComplaints, uniqueName, withNetns } from './netns.js';

const skip = interopSkipReason(['socat', 'tshark']) ?? false;

const FAMILIES = [
  { name: 'IPv4', addr: '198.18.0.2/24', peer: '198.18.0.1', to: '198.18.0.1', listen: 'TCP4-LISTEN' },
  { name: 'IPv6', addr: '2001:db8::2/64', peer: '2001:db8::1', to: '[2001:db8::1]', listen: 'TCP6-LISTEN' },
] as const;

type Fam = (typeof FAMILIES)[number];

/** socat listening in `ns` (on every address: the TUN device does not exist yet), one connection. */
function socat(ns: string, args: string[]) {
  const child = nsSpawn(ns, 'socat', args, { timeoutMs: 30_000 });
  return { child, result: finished(child, 35_000) };
}

/** Wait until something listens on `port` in `ns` (bounded). */
async function listeningOn(ns: string, port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const r = nsExec(ns, 'ss', ['-Htln', `sport = :${port}`], { timeoutMs: 5000 });
    if (r.stdout.trim() !== '') return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`nothing listens on port ${port} in ${ns} after 2 s`);
}

function connectArgs(fam: Fam, port: number, pcap: string): string[] {
  return [CLI, 'connect', '--tun', uniqueName(), '--addr', fam.addr, '--peer', fam.peer, '--to', `${fam.to}:${port}`, '--pcap', pcap];
}

for (const fam of FAMILIES) {
  test(`${fam.name}: synack sends 3 MB to socat and closes first; socat closes after`, { skip }, async () => {
    await withNetns(async (ns, dir) => {
      const data = randomBytes(3_000_000);
      const input = path.join(dir, 'in');
      const received = path.join(dir, 'received');
      const pcap = path.join(dir, 'c.pcap');
      writeFileSync(input, data);
      const server = socat(ns, ['-u', `${fam.listen}:5001,reuseaddr`, `CREATE:${received}`]);
      await listeningOn(ns, 5001);
      const fd = openSync(input, 'r');
      const client = nsSpawn(ns, process.execPath, connectArgs(fam, 5001, pcap), { stdin: fd, timeoutMs: 30_000 });
      closeSync(fd);
      const c = await finished(client, 35_000);
      const s = await server.result;
      assert.equal(c.status, 0, `synack connect: ${c.stderr}`);
      assert.equal(s.status, 0, `socat: ${s.stderr}`);
      assert.ok(readFileSync(received).equals(data), 'socat received exactly what synack sent');
      assert.equal(c.stdoutBytes.length, 0);
      assert.deepEqual(tsharkComplaints(pcap).problems, []);
    });
  });

  test(`${fam.name}: socat sends 3 MB and half-closes first; synack, still open, answers after the FIN, then closes`, { skip }, async () => {
    await withNetns(async (ns, dir) => {
      const data = randomBytes(3_000_000);
      const input = path.join(dir, 'kdata');
      const received = path.join(dir, 'received');
      const pcap = path.join(dir, 'c.pcap');
      writeFileSync(input, data);
      // Bidirectional: socat sends the file and half-closes at its end, and keeps reading (-t 20: it
      // waits up to 20 s for our side after its own EOF).
      const server = socat(ns, ['-t', '20', `${fam.listen}:5002,reuseaddr`, `OPEN:${input},rdonly!!CREATE:${received}`]);
      await listeningOn(ns, 5002);
      const client = nsSpawn(ns, process.execPath, connectArgs(fam, 5002, pcap), { stdin: 'pipe', timeoutMs: 30_000 });
      const c = finished(client, 35_000);
      let got = 0;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${got} bytes arrived within 20 s`)), 20_000);
        client.stdout!.on('data', (d: Buffer) => {
          got += d.length;
          if (got >= data.length) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      // The kernel's FIN follows its data; synack holds its side open (stdin is), and now sends its
      // answer and its own FIN.
      const answer = Buffer.from('sent after your FIN\n');
      client.stdin!.end(answer);
      const r = await c;
      const s = await server.result;
      assert.equal(r.status, 0, `synack connect: ${r.stderr}`);
      assert.equal(s.status, 0, `socat: ${s.stderr}`);
      assert.ok(r.stdoutBytes.equals(data), 'synack wrote exactly what socat sent');
      assert.ok(readFileSync(received).equals(answer), 'socat read what synack sent after the FIN');
      assert.deepEqual(tsharkComplaints(pcap).problems, []);
    });
  });

  test(`${fam.name}: both send 2 MB and close at once; each receives the other's bytes exactly`, { skip }, async () => {
    await withNetns(async (ns, dir) => {
      const kdata = randomBytes(2_000_000);
      const sdata = randomBytes(2_000_000);
      const kfile = path.join(dir, 'kdata');
      const sfile = path.join(dir, 'sdata');
      const received = path.join(dir, 'received');
      const pcap = path.join(dir, 'c.pcap');
      writeFileSync(kfile, kdata);
      writeFileSync(sfile, sdata);
      // socat's dual address: read what to send from kfile, write what arrives to `received`.
      const server = socat(ns, [`${fam.listen}:5003,reuseaddr`, `OPEN:${kfile},rdonly!!CREATE:${received}`]);
      await listeningOn(ns, 5003);
      const fd = openSync(sfile, 'r');
      const client = nsSpawn(ns, process.execPath, connectArgs(fam, 5003, pcap), { stdin: fd, timeoutMs: 30_000 });
      closeSync(fd);
      const c = await finished(client, 35_000);
      const s = await server.result;
      assert.equal(c.status, 0, `synack connect: ${c.stderr}`);
      assert.equal(s.status, 0, `socat: ${s.stderr}`);
      assert.ok(c.stdoutBytes.equals(kdata), `synack received socat's bytes (${c.stdoutBytes.length} of ${kdata.length})`);
      assert.ok(readFileSync(received).equals(sdata), "socat received synack's bytes");
      assert.deepEqual(tsharkComplaints(pcap).problems, []);
    });
  });

  test(`${fam.name}: a kernel port with no listener: synack connect exits 1 with ECONNREFUSED`, { skip }, async () => {
    await withNetns(async (ns, dir) => {
      const pcap = path.join(dir, 'c.pcap');
      const client = nsSpawn(ns, process.execPath, connectArgs(fam, 5999, pcap), { stdin: 'ignore', timeoutMs: 20_000 });
      const c = await finished(client, 25_000);
      assert.equal(c.status, 1);
      assert.match(c.stderr, /ECONNREFUSED/);
      assert.deepEqual(tsharkComplaints(pcap).problems, []);
    });
  });
}
