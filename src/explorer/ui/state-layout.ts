/**
 * RFC 9293 Figure 5 as coordinates (DOM-free, tested from Node): the eleven states where the
 * figure puts them (CLOSED twice, top and bottom, as the figure draws it), and its transitions
 * with the event and action the figure writes beside each.
 */
export type StateName =
  | 'CLOSED' | 'LISTEN' | 'SYN-SENT' | 'SYN-RECEIVED' | 'ESTABLISHED' | 'FIN-WAIT-1' | 'FIN-WAIT-2'
  | 'CLOSE-WAIT' | 'CLOSING' | 'LAST-ACK' | 'TIME-WAIT';

export interface StateNode {
  /** Node id: the state's name, or "CLOSED-END" for the figure's second CLOSED. */
  id: string;
  state: StateName;
  x: number;
  y: number;
}

export const NODE_W = 92;
export const NODE_H = 24;
export const DIAGRAM_W = 320;
export const DIAGRAM_H = 400;

export const NODES: readonly StateNode[] = [
  { id: 'CLOSED', state: 'CLOSED', x: 160, y: 22 },
  { id: 'LISTEN', state: 'LISTEN', x: 160, y: 82 },
  { id: 'SYN-RECEIVED', state: 'SYN-RECEIVED', x: 56, y: 148 },
  { id: 'SYN-SENT', state: 'SYN-SENT', x: 264, y: 148 },
  { id: 'ESTABLISHED', state: 'ESTABLISHED', x: 160, y: 208 },
  { id: 'FIN-WAIT-1', state: 'FIN-WAIT-1', x: 56, y: 268 },
  { id: 'CLOSE-WAIT', state: 'CLOSE-WAIT', x: 264, y: 268 },
  { id: 'FIN-WAIT-2', state: 'FIN-WAIT-2', x: 56, y: 324 },
  { id: 'CLOSING', state: 'CLOSING', x: 160, y: 324 },
  { id: 'LAST-ACK', state: 'LAST-ACK', x: 264, y: 324 },
  { id: 'TIME-WAIT', state: 'TIME-WAIT', x: 160, y: 378 },
  { id: 'CLOSED-END', state: 'CLOSED', x: 264, y: 378 },
];

export interface Transition {
  from: string;
  to: string;
  /** The figure's words: event / action. */
  why: string;
  /** Not drawn in Figure 5 (its notes 2 and 3): shown only once taken. */
  extra?: true;
}

export const TRANSITIONS: readonly Transition[] = [
  { from: 'CLOSED', to: 'LISTEN', why: 'passive OPEN / create TCB' },
  { from: 'CLOSED', to: 'SYN-SENT', why: 'active OPEN / create TCB, snd SYN' },
  { from: 'LISTEN', to: 'CLOSED', why: 'CLOSE / delete TCB' },
  { from: 'LISTEN', to: 'SYN-RECEIVED', why: 'rcv SYN / snd SYN,ACK' },
  { from: 'LISTEN', to: 'SYN-SENT', why: 'SEND / snd SYN' },
  { from: 'SYN-SENT', to: 'SYN-RECEIVED', why: 'rcv SYN / snd SYN,ACK' },
  { from: 'SYN-SENT', to: 'CLOSED', why: 'CLOSE / delete TCB' },
  { from: 'SYN-RECEIVED', to: 'LISTEN', why: 'rcv RST (note 1)' },
  { from: 'SYN-RECEIVED', to: 'ESTABLISHED', why: 'rcv ACK of SYN' },
  { from: 'SYN-SENT', to: 'ESTABLISHED', why: 'rcv SYN,ACK / snd ACK' },
  { from: 'SYN-RECEIVED', to: 'FIN-WAIT-1', why: 'CLOSE / snd FIN' },
  { from: 'ESTABLISHED', to: 'FIN-WAIT-1', why: 'CLOSE / snd FIN' },
  { from: 'ESTABLISHED', to: 'CLOSE-WAIT', why: 'rcv FIN / snd ACK' },
  { from: 'FIN-WAIT-1', to: 'FIN-WAIT-2', why: 'rcv ACK of FIN' },
  { from: 'FIN-WAIT-1', to: 'CLOSING', why: 'rcv FIN / snd ACK' },
  { from: 'FIN-WAIT-2', to: 'TIME-WAIT', why: 'rcv FIN / snd ACK' },
  { from: 'CLOSING', to: 'TIME-WAIT', why: 'rcv ACK of FIN' },
  { from: 'CLOSE-WAIT', to: 'LAST-ACK', why: 'CLOSE / snd FIN' },
  { from: 'LAST-ACK', to: 'CLOSED-END', why: 'rcv ACK of FIN' },
  { from: 'TIME-WAIT', to: 'CLOSED-END', why: 'Timeout=2MSL / delete TCB' },
  { from: 'FIN-WAIT-1', to: 'TIME-WAIT', why: 'rcv FIN, our FIN acknowledged (note 2)', extra: true },
];

/**
 * The figure's node ids for a state change: CLOSED at the end of a connection's life (after
 * TIME-WAIT, LAST-ACK or any synchronized state) is the bottom node, otherwise the top one.
 */
export function nodeIds(from: StateName, to: StateName): { from: string; to: string } {
  const late = (s: StateName): boolean => !['CLOSED', 'LISTEN', 'SYN-SENT'].includes(s);
  const id = (s: StateName, other: StateName): string => (s === 'CLOSED' && late(other) ? 'CLOSED-END' : s);
  return { from: id(from, to), to: id(to, from) };
}

/** The figure's transition for a state change, or an extra one (RFC 9293 note 3: resets, aborts). */
export function transitionFor(from: StateName, to: StateName): Transition {
  const ids = nodeIds(from, to);
  return TRANSITIONS.find((t) => t.from === ids.from && t.to === ids.to) ?? { from: ids.from, to: ids.to, why: 'not in Figure 5 (RST, abort or timeout; note 3)', extra: true };
}

export function node(id: string): StateNode {
  const n = NODES.find((x) => x.id === id);
  if (!n) throw new Error(`no state node ${id}`);
  return n;
}

/** The segment between two nodes' boxes, trimmed to their edges, for an arrow. */
export function edgeLine(a: StateNode, b: StateNode): { x1: number; y1: number; x2: number; y2: number } {
  const trim = (from: StateNode, to: StateNode): [number, number] => {
    const dx = to.x - from.x;
    const dy = to.y - from.y;
    const sx = dx === 0 ? Infinity : NODE_W / 2 / Math.abs(dx);
    const sy = dy === 0 ? Infinity : NODE_H / 2 / Math.abs(dy);
    const k = Math.min(sx, sy);
    return [from.x + dx * k, from.y + dy * k];
  };
  const [x1, y1] = trim(a, b);
  const [x2, y2] = trim(b, a);
  return { x1, y1, x2, y2 };
}
