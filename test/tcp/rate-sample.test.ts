/**
 * Delivery-rate samples (draft-ietf-ccwg-bbr §4.1, after draft-cheng-iccrg-delivery-rate-estimation),
 * kept with RACK's per-segment records. Segments of 1000 octets from sequence 0; times in ms. Each
 * expectation is worked out from the draft's rules:
 *
 *   send:  if nothing is in flight, C.first_sent_time = C.delivered_time = now; the segment records
 *          P.delivered = C.delivered, P.delivered_time, P.first_sent_time, P.is_app_limited.
 *   ACK:   C.delivered += bytes, C.delivered_time = now for each segment delivered; the sample is
 *          taken from the most recently sent of them: rs.delivered = C.delivered - P.delivered,
 *          rs.interval = max(P.sent_time - P.first_sent_time, now - P.delivered_time), and no
 *          sample when the interval is below min_rtt.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rack } from '../../src/tcp/rack.js';
import { DeliveryRateSampler } from '../../src/tcp/rate-sample.js';

const MSS = 1000;

function setup(): { rack: Rack; rates: DeliveryRateSampler; send: (i: number, now: number, pipe: number) => void } {
  const rack = new Rack();
  const rates = new DeliveryRateSampler();
  rack.attachRate(rates);
  const send = (i: number, now: number, pipe: number) => {
    rates.beforeSend(pipe, now);
    rack.onSendNew(i * MSS, (i + 1) * MSS, now);
  };
  return { rack, rates, send };
}

test('a flight of ten from idle, acknowledged at once: 10000 octets over max(9, 100) ms', () => {
  const { rack, rates, send } = setup();
  for (let i = 0; i < 10; i++) send(i, i, i * MSS);
  rack.beginAck();
  rack.onCumulativeAck(10 * MSS, 100, undefined);
  const rs = rates.generate(undefined, undefined, 0, false, 100);
  // The newest segment (sent at 9) was sent with C.delivered 0 at delivered_time 0, first_sent 0.
  assert.equal(rs.priorDelivered, 0);
  assert.equal(rs.delivered, 10_000);
  assert.equal(rs.interval, 100);
  assert.equal(rs.deliveryRate, 100);
  assert.equal(rs.valid, true);
  assert.equal(rs.newlyAcked, 10_000);
  assert.equal(rs.totalDelivered, 10_000);
  assert.equal(rs.txInFlight, 10 * MSS, 'the flight the newest segment joined');
});

test('the next flight measures from the delivery before it: 5000 octets over max(4, 50) ms', () => {
  const { rack, rates, send } = setup();
  for (let i = 0; i < 10; i++) send(i, i, i * MSS);
  rack.beginAck();
  rack.onCumulativeAck(10 * MSS, 100, undefined);
  rates.generate(undefined, undefined, 0, false, 100);
  for (let i = 10; i < 20; i++) send(i, 100 + (i - 10), (i - 10) * MSS);
  rack.beginAck();
  rack.onCumulativeAck(15 * MSS, 150, 100);
  const rs = rates.generate(100, undefined, 5 * MSS, false, 150);
  // Segment 14, sent at 104 with C.delivered 10000 (delivered_time 100, first_sent_time 100).
  assert.equal(rs.priorDelivered, 10_000);
  assert.equal(rs.delivered, 5000);
  assert.equal(rs.interval, 50);
  // 50 ms is below the min_rtt of 100 given: an ACK-compressed interval, no sample.
  assert.equal(rs.valid, false);
  assert.equal(rs.deliveryRate, 0);
  assert.equal(rs.newlyAcked, 5000, 'what was delivered counts all the same');
});

test('a SACKed segment is delivered once: the cumulative ACK that covers it later adds nothing', () => {
  const { rack, rates, send } = setup();
  for (let i = 0; i < 4; i++) send(i, 0, i * MSS);
  rack.beginAck();
  rack.onSack(2 * MSS, 4 * MSS, 2 * MSS, 4 * MSS, 60, undefined);
  let rs = rates.generate(undefined, undefined, 2 * MSS, false, 60);
  assert.equal(rs.newlyAcked, 2000);
  assert.equal(rs.delivered, 2000);
  assert.equal(rs.deliveryRate, 2000 / 60);
  rack.beginAck();
  rack.onCumulativeAck(4 * MSS, 70, 60);
  rs = rates.generate(60, undefined, 0, false, 70);
  assert.equal(rs.newlyAcked, 2000, 'only segments 0 and 1 are new');
  assert.equal(rs.totalDelivered, 4000);
});

test('segments sent while app-limited give app-limited samples, until what was in flight then is delivered', () => {
  const { rack, rates, send } = setup();
  send(0, 0, 0);
  send(1, 0, MSS);
  // Nothing more to send with room in cwnd: the period ends when C.delivered passes 0 + 2000.
  rates.markAppLimited(2 * MSS);
  send(2, 10, 2 * MSS);
  rack.beginAck();
  rack.onCumulativeAck(2 * MSS, 50, undefined);
  let rs = rates.generate(undefined, undefined, MSS, false, 50);
  assert.equal(rs.isAppLimited, false, 'segment 1 went before the mark');
  assert.equal(rates.appLimited, 2000, 'C.delivered is 2000, not past the mark');
  rack.beginAck();
  rack.onCumulativeAck(3 * MSS, 60, 50);
  rs = rates.generate(50, undefined, 0, false, 60);
  assert.equal(rs.isAppLimited, true, 'segment 2 went after it');
  assert.equal(rates.appLimited, 0, 'C.delivered 3000 passed the mark');
});

test('losses: rs.lost counts what was marked lost since the sampled segment was sent', () => {
  const { rack, rates, send } = setup();
  for (let i = 0; i < 5; i++) send(i, i, i * MSS);
  rack.beginAck();
  rack.onCumulativeAck(MSS, 50, undefined);
  rates.generate(undefined, undefined, 4 * MSS, false, 50);
  // Segment 4 SACKed at 60; RACK marks 1 to 3 lost (sent before it, RACK.rtt 56 ms elapsed).
  rack.beginAck();
  rack.onSack(4 * MSS, 5 * MSS, 4 * MSS, 5 * MSS, 60, 50);
  const lost = rack.detectLoss(60, 0);
  assert.equal(lost, 3000);
  const rs = rates.generate(50, undefined, MSS, false, 60);
  assert.equal(rs.newlyLost, 3000);
  assert.equal(rs.lost, 3000, 'segment 4 was sent with C.lost 0');
  assert.equal(rs.txInFlight, 5000);
  assert.equal(rates.lost, 3000);
});

test('a retransmission is sent with the present delivery state, and a split record keeps its own', () => {
  const { rack, rates, send } = setup();
  for (let i = 0; i < 3; i++) send(i, 0, i * MSS);
  rack.beginAck();
  rack.onSack(MSS, 3 * MSS, MSS, 3 * MSS, 50, undefined);
  rates.generate(undefined, undefined, MSS, false, 50);
  // Segment 0 again at 55, as two halves: the first now, the second later.
  rates.beforeSend(MSS, 55);
  rack.onRetransmit(0, 500, 55);
  rack.beginAck();
  rack.onCumulativeAck(500, 105, 50);
  const rs = rates.generate(50, undefined, 500, false, 105);
  // The half sent at 55 carries C.delivered 2000 and delivered_time 50.
  assert.equal(rs.priorDelivered, 2000);
  assert.equal(rs.delivered, 500);
  assert.equal(rs.interval, 55);
  assert.equal(rs.newlyAcked, 500);
});

test('records made before the sampler was attached give no sample but count as delivered', () => {
  const rack = new Rack();
  rack.onSendNew(0, MSS, 0);
  const rates = new DeliveryRateSampler();
  rack.attachRate(rates);
  rates.beforeSend(MSS, 1);
  rack.onSendNew(MSS, 2 * MSS, 1);
  rack.beginAck();
  rack.onCumulativeAck(MSS, 50, undefined);
  let rs = rates.generate(undefined, undefined, MSS, false, 50);
  assert.equal(rs.valid, false);
  assert.equal(rs.priorDelivered, -1);
  assert.equal(rs.newlyAcked, MSS);
  rack.beginAck();
  rack.onCumulativeAck(2 * MSS, 51, 50);
  rs = rates.generate(undefined, undefined, 0, false, 51);
  // Sent at 1 with C.delivered 0: everything delivered since, both records, is the sample's.
  assert.equal(rs.priorDelivered, 0);
  assert.equal(rs.delivered, 2 * MSS);
});
