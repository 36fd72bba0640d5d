/**
 * sendmsg() and recvmsg()'s struct msghdr as packetdrill scripts write it:
 *
 *     {msg_name(...)=..., msg_iov(2)=[{..., 40}, {..., 20}], msg_flags=0,
 *      msg_control=[{cmsg_level=SOL_TCP, cmsg_type=TCP_CM_INQ, cmsg_data=9000}]}
 *
 * The iovecs' lengths add up to what the call moves; msg_flags and msg_control are what recvmsg is
 * expected to fill in (compared by the runner), or, for sendmsg, ancillary data to send (which no
 * script here needs: UNSUPPORTED).
 */
import type { Expr } from './ast.js';
import { Unsupported } from './sockets.js';

export interface ControlMessage {
  level: number;
  type: number;
  /** An integer payload (TCP_CM_INQ's int); undefined: `...` or not an integer. */
  data: number | undefined;
  /**
   * A struct payload by field name (IP_RECVERR's sock_extended_err: `{ee_errno=0, ee_origin=...}`);
   * a field written `...` is undefined (not compared).
   */
  fields?: Record<string, number | undefined>;
}

export interface MsgHdr {
  /** The iovec lengths. */
  iov: number[];
  /** msg_flags as written (undefined: not written or `...`). */
  flags: number | undefined;
  /** msg_control as written (undefined: not written or `...`). */
  control: ControlMessage[] | undefined;
}

type Value = (x: Expr) => number;

/** The field name of `name=...` or `name(N)=...`. */
function fieldName(x: Expr): string | undefined {
  if (x.kind === 'word') return x.name;
  if (x.kind === 'call') return x.name;
  return undefined;
}

function fields(x: Extract<Expr, { kind: 'struct' }>): Map<string, Expr> {
  const out = new Map<string, Expr>();
  for (const it of x.items) {
    if (it.kind !== 'binary' || it.op !== '=') continue;
    const name = fieldName(it.left);
    if (name) out.set(name, it.right);
  }
  return out;
}

export function parseMsgHdr(x: Expr, value: Value, call: string): MsgHdr {
  if (x.kind !== 'struct') throw new Unsupported(`${call}() with a message header that is not {msg_name..., msg_iov...}`);
  const f = fields(x);
  const iovExpr = f.get('msg_iov');
  const iov: number[] = [];
  if (iovExpr === undefined || iovExpr.kind === 'ellipsis') throw new Unsupported(`${call}() without msg_iov`);
  if (iovExpr.kind !== 'list') throw new Unsupported(`${call}() msg_iov that is not a list`);
  for (const v of iovExpr.items) {
    if (v.kind !== 'struct') throw new Unsupported(`${call}() iovec that is not {..., len}`);
    const named = fields(v).get('iov_len');
    const len = named ?? v.items[v.items.length - 1];
    if (!len || len.kind === 'ellipsis') throw new Unsupported(`${call}() iovec without a length`);
    iov.push(value(len));
  }
  const flagsExpr = f.get('msg_flags');
  const flags = flagsExpr === undefined || flagsExpr.kind === 'ellipsis' ? undefined : value(flagsExpr);
  const ctl = f.get('msg_control');
  let control: ControlMessage[] | undefined;
  if (ctl !== undefined && ctl.kind !== 'ellipsis') {
    if (ctl.kind !== 'list') throw new Unsupported(`${call}() msg_control that is not a list of cmsgs`);
    control = ctl.items.map((c) => {
      if (c.kind !== 'struct') throw new Unsupported(`${call}() cmsg that is not {cmsg_level, cmsg_type, cmsg_data}`);
      const cf = fields(c);
      const level = cf.get('cmsg_level');
      const type = cf.get('cmsg_type');
      const data = cf.get('cmsg_data');
      if (!level || !type) throw new Unsupported(`${call}() cmsg without cmsg_level and cmsg_type`);
      if (data && data.kind === 'struct') {
        const named: Record<string, number | undefined> = {};
        for (const [k, v] of fields(data)) named[k] = v.kind === 'ellipsis' ? undefined : value(v);
        return { level: value(level), type: value(type), data: undefined, fields: named };
      }
      if (data && data.kind !== 'int' && data.kind !== 'ellipsis') throw new Unsupported(`${call}() cmsg_data that is not an integer or a struct`);
      return { level: value(level), type: value(type), data: data && data.kind === 'int' ? data.value : undefined };
    });
  }
  return { iov, flags, control };
}
