/** ECN (RFC 3168): the IP codepoints and the setup flags of SYNs and SYN-ACKs. */
import { TcpFlag } from '../wire/index.js';

/** RFC 3168 §6.1.1: an ECN-setup SYN has both ECE and CWR set. */
export function isEcnSetupSyn(flags: number): boolean {
  return (flags & (TcpFlag.ECE | TcpFlag.CWR)) === (TcpFlag.ECE | TcpFlag.CWR);
}

/** RFC 3168 §6.1.1: an ECN-setup SYN-ACK has ECE set and CWR clear. */
export function isEcnSetupSynAck(flags: number): boolean {
  return (flags & (TcpFlag.ECE | TcpFlag.CWR)) === TcpFlag.ECE;
}

/** RFC 3168 §5: the IP ECN codepoints. */
export const ECT0 = 2;
export const CE = 3;
