/**
 * Acceptance: for every packet of every file in ../shared/captures/, `synack decode --json` agrees
 * with tshark's dissection in the `.tshark.tsv` beside it on every column listed there.
 *
 * The oracle is the TSV (tshark 4.0's output, see captures/README.md); this test runs the real CLI.
 * Each TSV column is compared for every frame; a column this test does not know how to compare is
 * itself a failure, so a new column can never be skipped silently.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { cliPath, sharedDir } from '../checkout.js';

const capturesDir = path.join(sharedDir, 'captures');

const pcaps = existsSync(capturesDir) ? readdirSync(capturesDir).filter((f) => f.endsWith('.pcap')).sort() : [];
const missingReason = pcaps.length === 0 ? `no captures in ${capturesDir} (set SYNACK_SHARED to the shared folder)` : undefined;

function runCli(args: string[]): string {
  return execFileSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
}

/** The TSV as rows of cells keyed by column name; '' is an absent field. */
function readTsv(file: string): { columns: string[]; rows: Record<string, string>[] } {
  const lines = readFileSync(file, 'utf8').split('\n');
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  const columns = lines[0].split('\t');
  const rows = lines.slice(1).map((line, i) => {
    const cells = line.split('\t');
    assert.equal(cells.length, columns.length, `${path.basename(file)} row ${i + 2}: ${cells.length} cells for ${columns.length} columns`);
    return Object.fromEntries(columns.map((c, j) => [c, cells[j]]));
  });
  return { columns, rows };
}

/** A decoded packet as `synack decode --json` prints it (TCP packets), or an error line. */
interface Decoded {
  frame: number;
  error?: string;
  detail?: string;
  ipVersion?: number;
  src?: string;
  dst?: string;
  ttl?: number;
  ecn?: number;
  srcPort?: number;
  dstPort?: number;
  seq?: number;
  ack?: number;
  flags?: number;
  window?: number;
  payloadLength?: number;
  checksum?: number;
  checksumValid?: boolean;
  urgentPointer?: number;
  options?: {
    mss?: number;
    wscale?: number;
    sackPermitted?: boolean;
    sack?: [number, number][];
    timestamp?: { value: number; echo: number };
  };
}

/** A cell or a JSON value, normalised for comparison: absent, or a list of canonical strings. */
type Norm = string[] | undefined;

const dec = (cell: string): Norm => (cell === '' ? undefined : cell.split(' ').map((v) => String(Number(v))));
const hex = (cell: string): Norm => (cell === '' ? undefined : cell.split(' ').map((v) => String(parseInt(v, 16))));
const text = (cell: string): Norm => (cell === '' ? undefined : cell.split(' '));
/** tshark 4.0 prints an FT_NONE/bytes field such as sack_perm as its raw bytes: only presence counts. */
const present = (cell: string): Norm => (cell === '' ? undefined : ['present']);
const status = (cell: string): Norm => (cell === '' ? undefined : [cell === '1' ? 'good' : cell === '0' ? 'bad' : `status ${cell}`]);

const num = (v: number | undefined): Norm => (v === undefined ? undefined : [String(v)]);
const v4 = (j: Decoded, v: Norm): Norm => (j.ipVersion === 4 ? v : undefined);
const v6 = (j: Decoded, v: Norm): Norm => (j.ipVersion === 6 ? v : undefined);

/** For each TSV column: how to read the cell, and the same value taken from synack's JSON. */
const COLUMNS: Record<string, { cell: (c: string) => Norm; json: (j: Decoded) => Norm }> = {
  'frame.number': { cell: dec, json: (j) => num(j.frame) },
  'ip.version': { cell: dec, json: (j) => num(j.ipVersion) },
  'ip.src': { cell: text, json: (j) => v4(j, j.src === undefined ? undefined : [j.src]) },
  'ip.dst': { cell: text, json: (j) => v4(j, j.dst === undefined ? undefined : [j.dst]) },
  'ipv6.src': { cell: text, json: (j) => v6(j, j.src === undefined ? undefined : [j.src]) },
  'ipv6.dst': { cell: text, json: (j) => v6(j, j.dst === undefined ? undefined : [j.dst]) },
  'ip.ttl': { cell: dec, json: (j) => v4(j, num(j.ttl)) },
  'ipv6.hlim': { cell: dec, json: (j) => v6(j, num(j.ttl)) },
  'ip.dsfield.ecn': { cell: dec, json: (j) => v4(j, num(j.ecn)) },
  'ipv6.tclass.ecn': { cell: dec, json: (j) => v6(j, num(j.ecn)) },
  'tcp.srcport': { cell: dec, json: (j) => num(j.srcPort) },
  'tcp.dstport': { cell: dec, json: (j) => num(j.dstPort) },
  'tcp.seq': { cell: dec, json: (j) => num(j.seq) },
  'tcp.ack': { cell: dec, json: (j) => num(j.ack) },
  'tcp.flags': { cell: hex, json: (j) => num(j.flags) },
  'tcp.window_size_value': { cell: dec, json: (j) => num(j.window) },
  'tcp.len': { cell: dec, json: (j) => num(j.payloadLength) },
  'tcp.checksum': { cell: hex, json: (j) => num(j.checksum) },
  'tcp.checksum.status': { cell: status, json: (j) => (j.checksumValid === undefined ? undefined : [j.checksumValid ? 'good' : 'bad']) },
  'tcp.urgent_pointer': { cell: dec, json: (j) => num(j.urgentPointer) },
  'tcp.options.mss_val': { cell: dec, json: (j) => num(j.options?.mss) },
  'tcp.options.wscale.shift': { cell: dec, json: (j) => num(j.options?.wscale) },
  'tcp.options.sack_perm': { cell: present, json: (j) => (j.options?.sackPermitted ? ['present'] : undefined) },
  'tcp.options.sack_le': { cell: dec, json: (j) => j.options?.sack?.map((b) => String(b[0])) },
  'tcp.options.sack_re': { cell: dec, json: (j) => j.options?.sack?.map((b) => String(b[1])) },
  'tcp.options.timestamp.tsval': { cell: dec, json: (j) => num(j.options?.timestamp?.value) },
  'tcp.options.timestamp.tsecr': { cell: dec, json: (j) => num(j.options?.timestamp?.echo) },
};

const show = (v: Norm): string => (v === undefined ? '(absent)' : v.join(' '));

/** Every disagreement between the TSV and synack's JSON lines, as "FILE frame N COLUMN: ..." strings. */
function compare(file: string, columns: string[], rows: Record<string, string>[], decoded: Decoded[]): string[] {
  const out: string[] = [];
  for (const c of columns) if (!COLUMNS[c]) out.push(`${file}: column ${c} has no comparison in this test`);
  if (decoded.length !== rows.length) out.push(`${file}: tshark has ${rows.length} frames, synack printed ${decoded.length} lines`);
  const n = Math.min(rows.length, decoded.length);
  for (let i = 0; i < n; i++) {
    const row = rows[i];
    const j = decoded[i];
    const frame = row['frame.number'];
    if (j.error !== undefined) {
      out.push(`${file} frame ${frame}: synack reported ${j.error}: ${j.detail}`);
      continue;
    }
    for (const c of columns) {
      const spec = COLUMNS[c];
      if (!spec) continue;
      const want = spec.cell(row[c]);
      const got = spec.json(j);
      if (show(want) !== show(got)) out.push(`${file} frame ${frame} column ${c}: tshark ${show(want)}, synack ${show(got)}`);
    }
  }
  return out;
}

if (missingReason) {
  // Locally the shared folder may be absent: say so. CI always has it, so there it is a failure.
  if (process.env.CI) {
    test('captures in ../shared/captures are present', () => assert.fail(`CI is set but ${missingReason}`));
  } else {
    test('synack decode --json agrees with tshark on the shared captures', { skip: missingReason }, () => {});
  }
} else {
  for (const name of pcaps) {
    const pcap = path.join(capturesDir, name);
    const tsv = pcap.replace(/\.pcap$/, '.tshark.tsv');

    test(`${name}: synack decode --json agrees with tshark on every frame and column`, () => {
      assert.ok(existsSync(tsv), `${name} has no ${path.basename(tsv)} beside it`);
      const { columns, rows } = readTsv(tsv);
      assert.ok(rows.length > 0, `${path.basename(tsv)} has no frames`);
      assert.ok(columns.includes('frame.number'), `${path.basename(tsv)} has no frame.number column`);
      const lines = runCli(['decode', '--json', pcap]).split('\n').filter((l) => l !== '');
      const decoded = lines.map((l, i) => {
        try {
          return JSON.parse(l) as Decoded;
        } catch {
          return assert.fail(`${name} line ${i + 1} is not JSON: ${l}`);
        }
      });
      decoded.forEach((j, i) => assert.equal(j.frame, i + 1, `${name}: line ${i + 1} is frame ${j.frame}`));
      const mismatches = compare(name, columns, rows, decoded);
      assert.deepEqual(mismatches.slice(0, 25), [], `${mismatches.length} disagreements with tshark, first: ${mismatches[0]}`);
    });

    test(`${name}: synack decode (text) prints one line per frame and exits 0`, () => {
      const frames = readTsv(tsv).rows.length;
      const lines = runCli(['decode', pcap]).split('\n').filter((l) => l !== ''); // throws on a non-zero exit
      assert.equal(lines.length, frames);
      lines.forEach((l, i) => {
        const m = /^\s*(\d+) \d+\.\d{6} IP6? \S+ > \S+: Flags \[/.exec(l);
        assert.ok(m, `${name} line ${i + 1} is not a TCP summary line: ${l}`);
        assert.equal(Number(m[1]), i + 1, `${name} line ${i + 1} numbers frame ${m[1]}`);
      });
    });
  }

  test('the comparison can fail: a changed field is reported with file, frame and column', () => {
    const name = pcaps[0];
    const { columns, rows } = readTsv(path.join(capturesDir, name.replace(/\.pcap$/, '.tshark.tsv')));
    const decoded = runCli(['decode', '--json', path.join(capturesDir, name)])
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Decoded);
    assert.deepEqual(compare(name, columns, rows, decoded), []);
    const seqWrong = decoded.map((j, i) => (i === 0 ? { ...j, seq: ((j.seq ?? 0) + 1) >>> 0 } : j));
    assert.deepEqual(compare(name, columns, rows, seqWrong), [`${name} frame 1 column tcp.seq: tshark ${rows[0]['tcp.seq']}, synack ${(Number(rows[0]['tcp.seq']) + 1) >>> 0}`]);
    const withTs = rows.findIndex((r) => r['tcp.options.timestamp.tsval'] !== '');
    if (withTs >= 0) {
      const noTs = decoded.map((j, i) => (i === withTs ? { ...j, options: { ...j.options, timestamp: undefined } } : j));
      assert.ok(compare(name, columns, rows, noTs).some((m) => m.includes(`frame ${withTs + 1} column tcp.options.timestamp.tsval: tshark`)));
    }
    const noSackPerm = rows.findIndex((r) => r['tcp.options.sack_perm'] === '');
    const extraSackPerm = decoded.map((j, i) => (i === noSackPerm ? { ...j, options: { ...j.options, sackPermitted: true } } : j));
    assert.ok(compare(name, columns, rows, extraSackPerm).some((m) => m.includes(`frame ${noSackPerm + 1} column tcp.options.sack_perm: tshark (absent), synack present`)));
    assert.ok(compare(name, columns, rows, decoded.slice(1)).some((m) => m.includes('frames')));
    assert.ok(compare(name, [...columns, 'tcp.nonsense'], rows, decoded).some((m) => m.includes('tcp.nonsense')));
  });
}
