/**
 * Files in and out of the page, all in the page: a capture chosen with the file input or dropped
 * anywhere on the page (pcap or pcapng) is read into bytes; the run is saved as a pcap (a Blob
 * download). Nothing is sent anywhere.
 */
import { byId, h } from './dom.js';

/** Call `open` with each capture the learner chooses or drops. */
export function bindCaptureInput(open: (name: string, bytes: Uint8Array) => void): void {
  byId<HTMLInputElement>('pcap-file').addEventListener('change', async (ev) => {
    const input = ev.target as HTMLInputElement;
    const f = input.files?.[0];
    if (f) open(f.name, new Uint8Array(await f.arrayBuffer()));
    input.value = '';
  });
  const zone = byId('drop-zone');
  let depth = 0;
  const hasFiles = (ev: DragEvent): boolean => [...(ev.dataTransfer?.types ?? [])].includes('Files');
  document.addEventListener('dragenter', (ev) => {
    if (!hasFiles(ev)) return;
    depth++;
    zone.hidden = false;
  });
  document.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) zone.hidden = true;
  });
  document.addEventListener('dragover', (ev) => {
    if (hasFiles(ev)) ev.preventDefault();
  });
  document.addEventListener('drop', async (ev) => {
    depth = 0;
    zone.hidden = true;
    const f = ev.dataTransfer?.files?.[0];
    if (!f) return;
    ev.preventDefault();
    open(f.name, new Uint8Array(await f.arrayBuffer()));
  });
}

/** Save bytes as a file the browser downloads. */
export function download(bytes: Uint8Array, name: string, type: string): void {
  const blob = new Blob([bytes as BlobPart], { type });
  const a = h('a', { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}
