/**
 * RttEstimator against RFC 6298 sequences computed by hand (alpha = 1/8, beta = 1/4, K = 4):
 *   (2.2) first R:  SRTT = R, RTTVAR = R/2
 *   (2.3) later R': RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R'| (with the old SRTT), SRTT = 7/8 SRTT + 1/8 R'
 *   RTO = SRTT + max(G, 4 * RTTVAR), then (2.4) at least the minimum and (2.5) at most the maximum.
 *   (5.5) back off: RTO = 2 * RTO, bounded by the maximum. (5.7) 3 s after a SYN timeout.
 * All values below are exact in binary floating point, so they are compared with equal.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RttEstimator } from '../../src/tcp/rtt.js';
import { DEFAULT_TCP_CONFIG } from '../../src/tcp/config.js';

/** initial 1 s, min 200 ms, max 120 s, G = 1 ms: the defaults of config.ts. */
const defaults = (): RttEstimator =>
  new RttEstimator(DEFAULT_TCP_CONFIG.initialRtoMs, DEFAULT_TCP_CONFIG.minRtoMs, DEFAULT_TCP_CONFIG.maxRtoMs, DEFAULT_TCP_CONFIG.clockGranularityMs);

describe('RFC 6298 RTT estimator', () => {
  test('documented defaults: initial 1 s, min 200 ms, max 120 s, G 1 ms', () => {
    assert.equal(DEFAULT_TCP_CONFIG.initialRtoMs, 1000);
    assert.equal(DEFAULT_TCP_CONFIG.minRtoMs, 200);
    assert.equal(DEFAULT_TCP_CONFIG.maxRtoMs, 120_000);
    assert.equal(DEFAULT_TCP_CONFIG.clockGranularityMs, 1);
  });

  test('(2.1) before any sample the RTO is the initial 1 s', () => {
    const r = defaults();
    assert.equal(r.rto, 1000);
    assert.equal(r.srtt, undefined);
    assert.equal(r.samples, 0);
  });

  test('a hand-computed sequence: 100, 200, 50, 300, 100 ms', () => {
    const r = defaults();
    const steps: Array<[sample: number, srtt: number, rttvar: number, rto: number]> = [
      // (2.2): SRTT 100, RTTVAR 50, RTO = 100 + 4*50 = 300
      [100, 100, 50, 300],
      // RTTVAR = 37.5 + 25 = 62.5; SRTT = 87.5 + 25 = 112.5; RTO = 112.5 + 250 = 362.5
      [200, 112.5, 62.5, 362.5],
      // RTTVAR = 46.875 + 15.625 = 62.5; SRTT = 98.4375 + 6.25 = 104.6875; RTO = 354.6875
      [50, 104.6875, 62.5, 354.6875],
      // RTTVAR = 46.875 + 48.828125 = 95.703125; SRTT = 91.6015625 + 37.5 = 129.1015625; RTO = 129.1015625 + 382.8125
      [300, 129.1015625, 95.703125, 511.9140625],
      // RTTVAR = 71.77734375 + 7.275390625 = 79.052734375; SRTT = 112.9638671875 + 12.5 = 125.4638671875; RTO = 441.6748046875
      [100, 125.4638671875, 79.052734375, 441.6748046875],
    ];
    for (const [i, [s, srtt, rttvar, rto]] of steps.entries()) {
      r.sample(s);
      assert.equal(r.srtt, srtt, `SRTT after sample ${i}`);
      assert.equal(r.rttvar, rttvar, `RTTVAR after sample ${i}`);
      assert.equal(r.rto, rto, `RTO after sample ${i}`);
      assert.equal(r.samples, i + 1);
    }
  });

  test('(2.3) RTTVAR is updated with the old SRTT, before SRTT', () => {
    const r = defaults();
    r.sample(400); // SRTT 400, RTTVAR 200
    r.sample(0); // RTTVAR = 150 + 1/4*|400 - 0| = 250 (with the new SRTT 350 it would be 237.5)
    assert.equal(r.rttvar, 250);
    assert.equal(r.srtt, 350);
    assert.equal(r.rto, 350 + 1000);
  });

  test('(2.4) the RTO is bounded below by minRtoMs (200 ms by default; 1 s as RFC 6298 suggests)', () => {
    const r = defaults();
    r.sample(10); // 10 + 20 = 30 -> 200
    assert.equal(r.rto, 200);
    for (let i = 0; i < 200; i++) r.sample(10);
    assert.equal(r.srtt, 10);
    assert.equal(r.rto, 200);
    const strict = new RttEstimator(1000, 1000, 60_000, 1);
    strict.sample(100); // 300 -> 1000
    assert.equal(strict.rto, 1000);
    strict.sample(4000); // RTTVAR = 37.5 + 975 = 1012.5, SRTT = 87.5 + 500 = 587.5; RTO = 587.5 + 4050
    assert.equal(strict.rto, 4637.5);
  });

  test('clock granularity G: RTO = SRTT + max(G, 4*RTTVAR)', () => {
    const r = new RttEstimator(1000, 0, 120_000, 100);
    r.sample(8); // RTTVAR 4: 4*4 = 16 < G = 100 -> 8 + 100
    assert.equal(r.rto, 108);
    r.sample(8); // RTTVAR = 3, SRTT 8 -> 8 + 100
    assert.equal(r.rto, 108);
    r.sample(408); // RTTVAR = 2.25 + 100 = 102.25, SRTT = 7 + 51 = 58 -> 58 + 409
    assert.equal(r.rto, 467);
  });

  test('(2.5) the RTO is bounded above by maxRtoMs', () => {
    const r = defaults();
    r.sample(100_000); // 100000 + 200000 -> 120000
    assert.equal(r.rto, 120_000);
    const small = new RttEstimator(1000, 200, 60_000, 1);
    small.sample(30_000); // 30000 + 60000 -> 60000
    assert.equal(small.rto, 60_000);
  });

  test('(5.5) backoff doubles the RTO up to the maximum; a new sample recomputes it', () => {
    const r = defaults();
    const seen: number[] = [];
    for (let i = 0; i < 10; i++) {
      r.backoff();
      seen.push(r.rto);
    }
    assert.deepEqual(seen, [2000, 4000, 8000, 16000, 32000, 64000, 120000, 120000, 120000, 120000]);
    assert.equal(r.backoffs, 10);
    r.sample(100); // first sample: SRTT 100, RTTVAR 50 -> 300, backoff forgotten
    assert.equal(r.rto, 300);
    assert.equal(r.backoffs, 0);
    r.backoff();
    assert.equal(r.rto, 600);
    r.sample(100); // RTTVAR = 37.5, SRTT 100 -> 250
    assert.equal(r.rto, 250);
  });

  test('(5.5) backoff from the minimum: 200, 400, 800, ...', () => {
    const r = defaults();
    r.sample(1); // 1 + 2 -> 200
    assert.equal(r.rto, 200);
    r.backoff();
    r.backoff();
    r.backoff();
    assert.equal(r.rto, 1600);
  });

  test('(5.7) after a SYN timeout with no sample, data starts with RTO 3 s', () => {
    const r = defaults();
    r.backoff();
    r.backoff(); // 4 s during the handshake
    r.resetAfterHandshakeTimeout();
    assert.equal(r.rto, 3000);
    assert.equal(r.backoffs, 0);
    // With an initial RTO above 3 s, that one stays.
    const slow = new RttEstimator(5000, 200, 120_000, 1);
    slow.resetAfterHandshakeTimeout();
    assert.equal(slow.rto, 5000);
  });

  test('negative and NaN samples are ignored', () => {
    const r = defaults();
    r.sample(-1);
    r.sample(Number.NaN);
    assert.equal(r.srtt, undefined);
    assert.equal(r.rto, 1000);
    assert.equal(r.samples, 0);
    r.sample(0); // a zero RTT is legitimate: SRTT 0, RTTVAR 0 -> max(G, 0) = 1 -> 200
    assert.equal(r.srtt, 0);
    assert.equal(r.rto, 200);
  });

  test('property: any sample sequence matches a direct transcription of RFC 6298', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 200_000 }).map((x) => ({ s: x })), fc.constant({ s: -1 })), { maxLength: 60 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 500 }),
        (ops, minRto, g) => {
          const r = new RttEstimator(1000, minRto, 120_000, g);
          let srtt: number | undefined;
          let rttvar = 0;
          let rto = Math.max(1000, minRto);
          for (const { s } of ops) {
            if (s < 0) {
              r.backoff();
              rto = Math.min(120_000, rto * 2);
            } else {
              r.sample(s);
              if (srtt === undefined) {
                srtt = s;
                rttvar = s / 2;
              } else {
                rttvar = (1 - 1 / 4) * rttvar + (1 / 4) * Math.abs(srtt - s);
                srtt = (1 - 1 / 8) * srtt + (1 / 8) * s;
              }
              rto = Math.min(120_000, Math.max(minRto, srtt + Math.max(g, 4 * rttvar)));
            }
            assert.ok(Math.abs(r.rto - rto) <= 1e-9 * rto, `RTO ${r.rto} vs ${rto}`);
            assert.ok(r.rto >= minRto && r.rto <= 120_000);
          }
        },
      ),
      { seed: 6298, numRuns: 500 },
    );
  });
});
