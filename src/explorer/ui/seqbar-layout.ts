/**
 * The sequence-space bar's pieces (DOM-free, tested from Node): acknowledged, in flight (SACKed and
 * lost ranges inside it), unsent, as fractions of the bar. Bytes are relative to ISS + 1.
 */
export type SpaceKind = 'acked' | 'in-flight' | 'sacked' | 'lost' | 'unsent';

export interface SpacePiece {
  kind: SpaceKind;
  /** Bytes, relative to ISS + 1. */
  start: number;
  end: number;
  /** Fractions of the bar's width. */
  x: number;
  w: number;
}

export interface Space {
  acked: number;
  sent: number;
  unsent: number;
  sacked: ReadonlyArray<readonly [number, number]>;
  lost: ReadonlyArray<readonly [number, number]>;
}

/** The pieces in drawing order: the three bands, then SACKed and lost ranges over the in-flight band. */
export function spacePieces(sp: Space): SpacePiece[] {
  const total = Math.max(1, sp.sent + sp.unsent);
  const piece = (kind: SpaceKind, start: number, end: number): SpacePiece => ({ kind, start, end, x: start / total, w: Math.max(0, end - start) / total });
  const out: SpacePiece[] = [];
  if (sp.acked > 0) out.push(piece('acked', 0, sp.acked));
  if (sp.sent > sp.acked) out.push(piece('in-flight', sp.acked, sp.sent));
  if (sp.unsent > 0) out.push(piece('unsent', sp.sent, sp.sent + sp.unsent));
  const clip = (kind: SpaceKind, [a, b]: readonly [number, number]): void => {
    const s = Math.max(a, sp.acked);
    const e = Math.min(b, sp.sent);
    if (e > s) out.push(piece(kind, s, e));
  };
  for (const r of sp.sacked) clip('sacked', r);
  for (const r of sp.lost) clip('lost', r);
  return out;
}
