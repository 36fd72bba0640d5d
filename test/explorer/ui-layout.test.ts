/**
 * Where the explorer draws things (DOM-free): an arrow's flight from send time to arrival, the
 * playback clock across quiet gaps, RFC 9293 Figure 5's states and transitions, the
 * sequence-space bar and the cwnd plot's scales.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TCP_STATES } from '../../src/browser/index.js';
import { arrowGeometry, DROP_AT, flown, inFlight, laneX, ROW, RowCursor } from '../../src/explorer/ui/ladder-layout.js';
import { GAP_SECONDS, Player } from '../../src/explorer/ui/player.js';
import { edgeLine, node, NODE_H, NODE_W, NODES, nodeIds, transitionFor, TRANSITIONS } from '../../src/explorer/ui/state-layout.js';
import { spacePieces } from '../../src/explorer/ui/seqbar-layout.js';
import { niceMax, scales, stepPath } from '../../src/explorer/ui/plot-layout.js';

describe('ladder layout', () => {
  test('a segment sent at 10 arriving at 20 has flown half its way at 15, all of it from 20', () => {
    assert.equal(flown(5, 10, 20, false), 0);
    assert.equal(flown(15, 10, 20, false), 0.5);
    assert.equal(flown(20, 10, 20, false), 1);
    assert.equal(flown(99, 10, 20, false), 1);
    assert.ok(inFlight(15, 10, 20));
    assert.ok(!inFlight(20, 10, 20));
  });

  test('a dropped segment stops short; one with no known arrival is drawn whole at once', () => {
    assert.equal(flown(30, 10, 20, true), DROP_AT);
    assert.equal(flown(15, 10, 20, true), 0.5 * DROP_AT);
    assert.equal(flown(10, 10, undefined, false), 1);
    assert.ok(!inFlight(10, 10, undefined));
  });

  test('an arrow goes from its sender lane to its receiver lane, one row down', () => {
    const g = arrowGeometry(100, 1, 0, 2, 0.5);
    assert.equal(g.x1, laneX(1, 2));
    assert.equal(g.x2, laneX(0, 2));
    assert.equal(g.y2 - g.y1, ROW - 12);
    assert.equal(g.xNow, (g.x1 + g.x2) / 2);
  });

  test('rows follow one another: a segment row, a taller one with options, a mark', () => {
    const c = new RowCursor();
    const a = c.place('segment');
    const b = c.place('segment', true);
    const m = c.place('mark');
    assert.ok(a < b && b < m);
    assert.equal(b - a, ROW);
    assert.ok(m - b > ROW);
  });
});

describe('Player', () => {
  test('while a segment flies, time runs at the chosen speed (2 ms per real second: 16 ms of frame is 0.032 ms)', () => {
    const p = new Player();
    p.speed = 2;
    assert.equal(p.advance(0, 16, 1, true), 0.032);
  });

  test(`a quiet 1000 ms gap (an RTO) is crossed in about ${GAP_SECONDS} s of real time, ending exactly at the event`, () => {
    const p = new Player();
    p.speed = 2;
    let now = 0;
    let frames = 0;
    // 17 ms frames: the gap's rate does not divide it evenly, so the last frame must be cut short.
    while (now < 1000 && frames < 1000) {
      now = p.advance(now, 17, 1000, false);
      frames++;
    }
    assert.equal(now, 1000);
    assert.ok(Math.abs(frames * 17 - GAP_SECONDS * 1000) <= 34, `${frames} frames`);
  });

  test('a gap shorter than the speed covers runs at the speed', () => {
    const p = new Player();
    p.speed = 1000;
    assert.equal(p.advance(0, 10, 500, false), 10);
  });
});

describe('RFC 9293 Figure 5', () => {
  test('every one of the eleven states has a node; CLOSED has two, as the figure draws it', () => {
    for (const st of TCP_STATES) assert.ok(NODES.some((n) => n.state === st), st);
    assert.equal(NODES.length, 12);
    assert.equal(NODES.filter((n) => n.state === 'CLOSED').length, 2);
  });

  test('the figure has twenty transitions, between nodes that exist, and no two nodes overlap', () => {
    assert.equal(TRANSITIONS.filter((t) => !t.extra).length, 20);
    for (const t of TRANSITIONS) {
      node(t.from);
      node(t.to);
    }
    for (const a of NODES) for (const b of NODES) {
      if (a === b) continue;
      assert.ok(Math.abs(a.x - b.x) >= NODE_W || Math.abs(a.y - b.y) >= NODE_H, `${a.id} overlaps ${b.id}`);
    }
  });

  test('state changes map to the figure: the close sequence ends at the bottom CLOSED, a refused SYN at the top', () => {
    assert.deepEqual(nodeIds('TIME-WAIT', 'CLOSED'), { from: 'TIME-WAIT', to: 'CLOSED-END' });
    assert.deepEqual(nodeIds('LAST-ACK', 'CLOSED'), { from: 'LAST-ACK', to: 'CLOSED-END' });
    assert.deepEqual(nodeIds('SYN-SENT', 'CLOSED'), { from: 'SYN-SENT', to: 'CLOSED' });
    assert.equal(transitionFor('LISTEN', 'SYN-RECEIVED').why, 'rcv SYN / snd SYN,ACK');
    assert.equal(transitionFor('ESTABLISHED', 'CLOSE-WAIT').why, 'rcv FIN / snd ACK');
    assert.ok(transitionFor('FIN-WAIT-1', 'TIME-WAIT').extra, 'note 2 is not drawn until taken');
    assert.ok(transitionFor('ESTABLISHED', 'CLOSED').extra, 'a reset (note 3) is not in the figure');
  });

  test('an edge starts and ends on its boxes\' borders', () => {
    const a = node('CLOSED');
    const b = node('LISTEN');
    const e = edgeLine(a, b);
    assert.equal(e.y1, a.y + NODE_H / 2);
    assert.equal(e.y2, b.y - NODE_H / 2);
  });
});

describe('sequence-space bar', () => {
  test('acknowledged, in flight and unsent bands in proportion; SACKed and lost ranges clipped to the flight', () => {
    const p = spacePieces({ acked: 1000, sent: 3000, unsent: 1000, sacked: [[2000, 2500]], lost: [[500, 1500]] });
    assert.deepEqual(p.map((x) => [x.kind, x.start, x.end]), [
      ['acked', 0, 1000],
      ['in-flight', 1000, 3000],
      ['unsent', 3000, 4000],
      ['sacked', 2000, 2500],
      ['lost', 1000, 1500],
    ]);
    assert.equal(p[0]!.w, 0.25);
    assert.equal(p[2]!.x, 0.75);
  });

  test('nothing sent yet: no piece, no division by zero', () => {
    assert.deepEqual(spacePieces({ acked: 0, sent: 0, unsent: 0, sacked: [], lost: [] }), []);
  });
});

describe('cwnd plot', () => {
  test('round axis maxima: 1, 2 or 5 times a power of ten', () => {
    assert.equal(niceMax(14480), 20000);
    assert.equal(niceMax(50000), 50000);
    assert.equal(niceMax(50001), 100000);
    assert.equal(niceMax(0), 1);
  });

  test('a step line holds each value until the next point and until now', () => {
    const pts = [{ t: 0, cwnd: 10, flight: 0, ssthresh: null }, { t: 10, cwnd: 20, flight: 5, ssthresh: null }];
    const sc = scales([pts], 20, { width: 120, height: 70, left: 10, right: 10, top: 10, bottom: 10 });
    assert.equal(sc.x(0), 10);
    assert.equal(sc.x(20), 110);
    assert.equal(sc.yMax, 20);
    assert.equal(stepPath(pts, (p) => p.cwnd, sc, 20), 'M10.0,35.0H60.0V10.0H110.0');
    assert.equal(stepPath(pts, (p) => p.ssthresh, sc, 20), '');
  });
});
