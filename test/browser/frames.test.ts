/**
 * Two synack hosts exchanging Ethernet frames in a real page (Debian's headless Chromium, driven by
 * playwright-core, the bundle served by request interception: nothing goes on a network): two
 * FrameHosts from dist/browser/synack.js, joined by their WebStreams of frames, resolve each other by
 * ARP and then carry 100 kB over TCP (TcpListener, TcpStream) byte-exact, with the page's own
 * streams, EventTarget, timers and event loop.
 *
 * Skipped, with the reason, where Chromium is not installed; under CI (which installs it) that fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inPage, skip } from './page.js';

test('in Chromium, two FrameHosts joined by streams of Ethernet frames: ARP, then 100 kB over TCP byte-exact', { skip, timeout: 120_000 }, async () => {
  const r = await inPage(async () => {
    const g = globalThis as { process?: unknown; Buffer?: unknown };
    const nodeGlobals = [g.process, g.Buffer].filter((x) => x !== undefined).length;
    const { FrameHost, TcpListener, TcpStream, decodeEthernet } = await import(`${'http://synack.invalid'}/synack.js`);
    const a = new FrameHost({ name: 'a', mac: '02:00:00:00:00:0a', addresses: ['198.18.20.1/24'] });
    const b = new FrameHost({ name: 'b', mac: '02:00:00:00:00:0b', addresses: ['198.18.20.2/24'] });
    const etherTypes: number[] = [];
    for (const h of [a, b]) h.addEventListener('frame', (ev: Event & { frame: Uint8Array }) => {
      const e = decodeEthernet(ev.frame);
      if (e.ok) etherTypes.push(e.etherType);
    });
    void a.readable.pipeTo(b.writable);
    void b.readable.pipeTo(a.writable);
    const total = 100_000;
    const data = new Uint8Array(total);
    for (let i = 0; i < total; i++) data[i] = (i * 7 + (i >> 9)) & 0xff;
    const listener = new TcpListener(b.host, { localPort: 80, autoAccept: true });
    const received = new Promise<{ got: number; wrong: number }>((resolve) => {
      listener.addEventListener('connection', async (e: Event & { stream: { opened: Promise<{ readable: ReadableStream<Uint8Array> }> } }) => {
        const { readable } = await e.stream.opened;
        const reader = readable.getReader();
        let got = 0;
        let wrong = 0;
        for (let x = await reader.read(); !x.done; x = await reader.read()) for (const byte of x.value) if (byte !== data[got++]) wrong++;
        resolve({ got, wrong });
      });
    });
    const s = new TcpStream(a.host, { remoteAddress: '198.18.20.2', remotePort: 80 });
    const { writable } = await s.opened;
    const w = writable.getWriter();
    for (let o = 0; o < total; o += 1400) {
      await w.ready;
      void w.write(data.subarray(o, o + 1400));
    }
    await w.close();
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no data within 30 s')), 30_000));
    const result = await Promise.race([received, timeout]);
    const arpFirst = etherTypes.indexOf(0x0806) >= 0 && etherTypes.indexOf(0x0806) < etherTypes.indexOf(0x0800);
    const neighbors = a.net.neighbors() as string[];
    a.close();
    b.close();
    return { nodeGlobals, ...result, arpFirst, arp: etherTypes.filter((t) => t === 0x0806).length, ipv4: etherTypes.filter((t) => t === 0x0800).length, neighbors };
  });
  assert.equal(r.nodeGlobals, 0, 'the page has no Node globals');
  assert.equal(r.got, 100_000);
  assert.equal(r.wrong, 0);
  assert.ok(r.arpFirst && r.arp >= 2, `ARP before the first IPv4 frame (${r.arp} ARP frames, ${r.ipv4} IPv4)`);
  assert.ok(r.neighbors.some((n: string) => n.startsWith('198.18.20.2 ') && n.includes('lladdr 02:00:00:00:00:0b')), `a's neighbour table: ${r.neighbors.join('; ')}`);
});
