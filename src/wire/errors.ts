/**
 * Decoding never throws on bad bytes: it returns a `DecodeFailure` naming what was wrong, and the
 * caller counts and drops. (Programmer errors, such as asking to encode 41 bytes of options, throw.)
 */
export type DecodeReason =
  /** Fewer bytes than the header or the length fields say there are. */
  | 'truncated'
  /** The IP version nibble is neither 4 nor 6. */
  | 'bad-version'
  /** IPv4 IHL below 5. */
  | 'bad-ihl'
  /** IPv4 total length smaller than its own header. */
  | 'bad-total-length'
  /** An IPv4 fragment, or an IPv6 packet with a non-atomic Fragment header: not reassembled. */
  | 'fragment'
  /** The upper-layer protocol is not TCP (the detail says which it is). */
  | 'not-tcp'
  /** An IPv6 extension header that cannot be walked past (ESP, or a jumbogram). */
  | 'unsupported-extension'
  /** TCP data offset below 5 words, or past the end of the segment. */
  | 'bad-data-offset'
  /** A TCP option's length runs past the end of the header. */
  | 'option-overrun'
  /** A TCP option's length byte is below 2 (which would loop forever). */
  | 'bad-option-length'
  /** A capture file or record that cannot be read. */
  | 'bad-capture'
  /** A link-layer frame that carries something other than IPv4 or IPv6 (ARP, LLDP, ...). */
  | 'not-ip'
  /** A link-layer type synack does not read. */
  | 'unsupported-link-type'
  /** The frame or packet carries another protocol than the decoder reads (the detail says which). */
  | 'other-protocol'
  /** A length field that disagrees with the bytes or with its format (UDP length, a DHCP or NDP option, DNS RDATA). */
  | 'bad-length'
  /** A field holding a value its format forbids (an 802.3 length as EtherType, ARP hardware type, DHCP magic cookie, ...). */
  | 'bad-field'
  /** A DNS name that cannot be read: a compression pointer that does not point back, too many jumps, over 255 bytes, a reserved label type. */
  | 'bad-name';

export interface DecodeFailure {
  readonly ok: false;
  readonly reason: DecodeReason;
  readonly detail: string;
}

export function fail(reason: DecodeReason, detail: string): DecodeFailure {
  return { ok: false, reason, detail };
}
