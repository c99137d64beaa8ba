/** Axis ticks (src/common/ticks.ts): round values, whole numbers on integer axes, labels that read apart, clock ticks. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDurationTick, formatPercentTick, formatTick, formatTicks, niceStep, niceTicks, stepDecimals, timeTicks } from '../../src/common/ticks';

test('niceTicks: round values 1, 2 or 5 × 10^k apart covering the range', () => {
  assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(3.2, 9.7, 3), [4, 6, 8]);
  assert.deepEqual(niceTicks(9.7, 3.2, 3), [4, 6, 8], 'either order');
  assert.deepEqual(niceTicks(2, 2), [2]);
  assert.deepEqual(niceTicks(0.442, 0.61, 4), [0.45, 0.5, 0.55, 0.6], 'not 0.442, 0.496, 0.550');
  assert.deepEqual(niceTicks(-1.5, 1.5, 3), [-1, 0, 1]);
  assert.deepEqual(niceTicks(NaN, 1), []);
  for (const t of niceTicks(0.1, 0.3, 10)) assert.equal(String(t).length <= 4, true, `no float noise: ${t}`);
});

test('niceTicks with integer: whole numbers only, however short the range', () => {
  assert.deepEqual(niceTicks(0, 3, 10, { integer: true }), [0, 1, 2, 3], 'step ≥ 1 (not 0, 0.5, 1, …)');
  assert.deepEqual(niceTicks(0.6, 1.4, 5, { integer: true }), [1]);
  assert.deepEqual(niceTicks(1.2, 1.8, 5, { integer: true }), [], 'no whole number inside: no tick rather than a fractional one');
  assert.deepEqual(niceTicks(0, 200, 4, { integer: true }), [0, 50, 100, 150, 200]);
  assert.deepEqual(niceTicks(1.5, 1.5, 5, { integer: true }), []);
  for (let hi = 1; hi < 40; hi += 0.7) for (const t of niceTicks(0.3, hi, 6, { integer: true })) assert.ok(Number.isInteger(t), `${t} of 0.3..${hi}`);
  assert.equal(niceStep(0, 2, 10, { integer: true }), 1);
});

test('tick labels carry the digits their step needs: neighbours never read the same', () => {
  assert.equal(stepDecimals(0.05), 2);
  assert.equal(stepDecimals(2), 0);
  assert.equal(stepDecimals(0.1), 1);
  assert.equal(formatTick(-0.00001, 0.1), '0.0', 'no "-0"');
  assert.deepEqual(formatTicks([0.6, 0.65, 0.7]), ['0.60', '0.65', '0.70']);
  assert.deepEqual(formatTicks([0.64, 0.645, 0.65, 0.655], { percent: true }), ['64.0%', '64.5%', '65.0%', '65.5%'], 'not "65%, 65%"');
  assert.deepEqual(formatTicks([0.5, 0.6, 0.7], { percent: true }), ['50%', '60%', '70%']);
  assert.equal(formatPercentTick(0.655, 0.001), '65.5%');
  const labels = formatTicks(niceTicks(0.6512, 0.6561, 5), { percent: true });
  assert.equal(new Set(labels).size, labels.length, labels.join(', '));
});

test('time ticks at clock-like intervals, labelled as durations', () => {
  assert.deepEqual(timeTicks(0, 300, 5), [0, 60, 120, 180, 240, 300]);
  assert.deepEqual(timeTicks(0, 40, 4), [0, 10, 20, 30, 40]);
  assert.deepEqual(timeTicks(0, 7200, 4).slice(0, 3), [0, 1800, 3600]);
  assert.equal(formatDurationTick(45), '45s');
  assert.equal(formatDurationTick(120), '2m');
  assert.equal(formatDurationTick(150), '2m30s');
  assert.equal(formatDurationTick(5400), '1h30m');
  assert.equal(formatDurationTick(3600), '1h');
});
