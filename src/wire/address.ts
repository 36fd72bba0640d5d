/**
 * IP addresses as values: IPv4 as an unsigned 32-bit number, IPv6 as 16 bytes. Text forms are the
 * canonical ones: dotted quad, and RFC 5952 for IPv6 (lower case, leading zeros dropped, the longest
 * run of two or more zero groups as "::", the first such run on a tie, IPv4-mapped as ::ffff:a.b.c.d).
 */

export function ipv4ToString(addr: number): string {
  return `${addr >>> 24}.${(addr >>> 16) & 0xff}.${(addr >>> 8) & 0xff}.${addr & 0xff}`;
}

/**
 * Parse a dotted quad; undefined if it is not exactly four decimal octets (each 0 to 255, no leading
 * zeros). Read a character at a time: a connect() parses its address, so nothing is allocated.
 */
export function parseIpv4(text: string): number | undefined {
  if (typeof text !== 'string') return undefined;
  let addr = 0;
  let octets = 0;
  let i = 0;
  while (i < text.length) {
    const start = i;
    let n = 0;
    for (let c = text.charCodeAt(i); c >= 0x30 && c <= 0x39; c = text.charCodeAt(++i)) n = n * 10 + (c - 0x30);
    const digits = i - start;
    if (digits === 0 || digits > 3 || n > 255 || (digits > 1 && text.charCodeAt(start) === 0x30)) return undefined;
    addr = addr * 256 + n;
    octets++;
    if (i === text.length) break;
    if (text.charCodeAt(i) !== 0x2e || octets === 4) return undefined; // '.' between octets only
    i++;
    if (i === text.length) return undefined; // a trailing dot
  }
  return octets === 4 ? addr : undefined;
}

export function ipv6ToString(addr: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((addr[i] << 8) | addr[i + 1]);
  // RFC 5952 §5: IPv4-mapped addresses keep the dotted quad.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${addr[12]}.${addr[13]}.${addr[14]}.${addr[15]}`;
  }
  // §4.2.2-4.2.3: the longest run of at least two zero groups, the first one on a tie.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Parse any RFC 4291 §2.2 text form (with "::" and an embedded dotted quad); undefined if invalid. */
export function parseIpv6(text: string): Uint8Array | undefined {
  if (typeof text !== 'string') return undefined;
  let head = text;
  let tailV4: number | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    tailV4 = parseIpv4(text.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    head = text.slice(0, lastColon + 1) + '0:0';
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = parseGroups(halves[0]);
  const right = halves.length === 2 ? parseGroups(halves[1]) : [];
  if (!left || !right) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - left.length - right.length;
    if (missing < 1) return undefined;
    groups = [...left, ...new Array<number>(missing).fill(0), ...right];
  } else {
    groups = left;
  }
  if (groups.length !== 8) return undefined;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >>> 8;
    out[2 * i + 1] = g & 0xff;
  });
  if (tailV4 !== undefined) {
    out[12] = tailV4 >>> 24;
    out[13] = (tailV4 >>> 16) & 0xff;
    out[14] = (tailV4 >>> 8) & 0xff;
    out[15] = tailV4 & 0xff;
  }
  return out;
}

export type IpAddress = number | Uint8Array;

export function ipToString(addr: IpAddress): string {
  return typeof addr === 'number' ? ipv4ToString(addr) : ipv6ToString(addr);
}

/**
 * Parse an IPv4 or IPv6 address (IPv6 may be written in brackets); undefined if neither (or if `text`
 * is not a string): it parses user input, so a caller checks for undefined and says what was wrong.
 */
export function parseIp(text: string): IpAddress | undefined {
  if (typeof text !== 'string') return undefined;
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}
