/**
 * The charts' pure parts (webview/chartData.ts, webview/metricSeries.ts) and the runs comparison's
 * config diff (src/common/runs/configDiff.ts): alignment for uPlot, EMA smoothing, the CSV of what a
 * chart shows, per-phase series on each x axis.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { differingFields, flattenConfig } from '../../src/common/runs/configDiff';
import type { MetricEpoch, MetricStep } from '../../src/protocol/webview';
import { parseRunsHostMessage, parseRunsPageMessage } from '../../src/protocol/runsCompareChecks';
import { parseWebviewMessage } from '../../src/protocol/webviewChecks';
import { alignSeries, chartCsv, ema, slug, smoothSeries } from '../../webview/chartData';
import { knnPoints, phaseTerms, speedSeries, termPoints, termSeries } from '../../webview/metricSeries';

test('alignSeries: the union of xs; a value, null for a gap, undefined where a series has no sample', () => {
  const { xs, ys } = alignSeries([{ points: [[1, 10], [3, null], [5, 30]] }, { points: [[2, 1], [3, 2]] }]);
  assert.deepEqual(xs, [1, 2, 3, 5]);
  assert.deepEqual(ys[0], [10, undefined, null, 30]);
  assert.deepEqual(ys[1], [undefined, 1, 2, undefined]);
});

test('ema: debiased (the first value is itself), gaps pass through, weight 0 is the identity', () => {
  assert.deepEqual(ema([1, 2, 3], 0), [1, 2, 3]);
  const s = ema([4, null, 4, undefined, 4], 0.9);
  assert.equal(s[0], 4);
  assert.equal(s[1], null);
  assert.equal(s[3], undefined);
  assert.ok(Math.abs((s[4] as number) - 4) < 1e-12, 'a constant stays constant (no pull towards 0)');
  const r = ema([0, 10], 0.5) as number[];
  assert.ok(r[1]! > 5 && r[1]! < 10, `smoothed: ${r[1]}`);
  const sorted = smoothSeries([{ points: [[2, 2], [1, 1]] }], 0);
  assert.deepEqual(sorted[0]!.points, [[1, 1], [2, 2]], 'points sorted by x');
});

test('chartCsv: the x column, one per series, the zoomed range, empty cells where a series has no value', () => {
  const csv = chartCsv('step', ['a', 'b,"c"'], [1, 2, 3, 4], [[1, undefined, 3, 4], [null, 5, undefined, 7]], [2, 3]);
  assert.equal(csv, 'step,a,"b,""c"""\n2,,5\n3,3,\n');
  assert.equal(chartCsv('x', ['a'], [1], [[undefined]]), 'x,a\n', 'rows with no value are left out');
  assert.equal(slug('SSL losses (method, adversarial)'), 'ssl-losses-method-adversarial');
  assert.equal(slug('κ'), 'chart');
});

const steps: MetricStep[] = [
  { step: 1, phase: 'vae', loss: 3, terms: { mse: 2, kl: 1 }, imagesPerSec: 100, epoch: 0.5, elapsed: 0 },
  { step: 2, phase: 'vae', loss: 2, terms: { mse: 1.5, kl: 0.5 }, imagesPerSec: 110, epoch: 1, elapsed: 1 },
  { step: 3, phase: 'ssl', loss: 5, terms: { contrastive: 5, adversarial: 6 }, imagesPerSec: 20, epoch: 0.5, elapsed: 4 },
  { step: 4, phase: 'ssl', loss: 4, terms: { contrastive: 4, adversarial: 5 }, imagesPerSec: 22, epoch: 1, elapsed: 7 },
];
const epochs: MetricEpoch[] = [
  { step: 2, phase: 'vae', epoch: 1, meanLoss: 2 },
  { step: 4, phase: 'ssl', epoch: 1, meanLoss: 4, knnAccuracy: 0.6, elapsed: 8 },
];

test('metric series: one per phase (VAE and SSL never one line), on the step, epoch or wall-time axis', () => {
  const speed = speedSeries(steps, 'step', () => 'red');
  assert.deepEqual(speed.map((s) => s.name), ['VAE images/s', 'SSL images/s']);
  assert.deepEqual(speed[0]!.points, [[1, 100], [2, 110]]);
  assert.deepEqual(speed[1]!.points, [[3, 20], [4, 22]]);
  assert.deepEqual(speedSeries(steps, 'epoch', () => 'red')[1]!.points, [[0.5, 20], [1, 22]]);
  assert.deepEqual(speedSeries(steps, 'time', () => 'red')[1]!.points, [[4, 20], [7, 22]]);
  assert.deepEqual(termSeries(steps, 'ssl', 'step', () => 'x', ['adversarial']).map((s) => s.name), ['contrastive']);
  assert.deepEqual(termPoints(steps, 'vae', 'kl', 'step'), [[1, 1], [2, 0.5]]);
  assert.deepEqual(knnPoints(epochs, 'ssl', 'epoch'), [[1, 0.6]]);
  assert.deepEqual(knnPoints(epochs, 'ssl', 'time'), [[8, 0.6]]);
  assert.deepEqual(phaseTerms([{ steps }, { steps: steps.slice(2) }]), [
    { phase: 'vae', term: 'mse' },
    { phase: 'vae', term: 'kl' },
    { phase: 'ssl', term: 'contrastive' },
    { phase: 'ssl', term: 'adversarial' },
  ]);
});

test('config diff: the dotted fields that differ, a field left out included', () => {
  const a = flattenConfig({ name: 'a', ssl: { epochs: 2, batchSize: 16 }, augment: { cropScale: [0.2, 1] } });
  const b = flattenConfig({ ssl: { epochs: 200, batchSize: 16 }, augment: { cropScale: [0.2, 1] } });
  assert.deepEqual(a['augment.cropScale'], [0.2, 1], 'arrays are leaves');
  assert.deepEqual(differingFields([a, b]), ['name', 'ssl.epochs']);
  assert.deepEqual(differingFields([a]), []);
});

test('the runs comparison messages and exportCsv are checked on receipt', () => {
  assert.equal(parseRunsPageMessage({ type: 'ready' }).ok, true);
  assert.equal(parseRunsPageMessage({ type: 'exportCsv', name: 'kl.csv', csv: 'x\n' }).ok, true);
  assert.equal(parseRunsPageMessage({ type: 'exportCsv', name: '../x.csv', csv: '' }).ok, false, 'a plain file name only');
  assert.equal(parseWebviewMessage({ type: 'exportCsv', name: 'a.csv', csv: 'x,y\n' }).ok, true);
  assert.equal(parseWebviewMessage({ type: 'exportCsv', name: 'a.csv' }).ok, false);
  const run = { runDir: '/r/a', id: 'a', label: 'a', state: 'completed', position: 'SSL 2/2 epochs · step 8', knnFinal: 0.5, config: { 'ssl.epochs': '2' }, steps, epochs };
  assert.equal(parseRunsHostMessage({ type: 'runs', title: 't', runs: [run], differing: ['ssl.epochs'] }).ok, true);
  const bad = parseRunsHostMessage({ type: 'runs', title: 't', runs: [{ ...run, knnFinal: 7 }], differing: [] });
  assert.equal(bad.ok, false);
  assert.match((bad as { error: string }).error, /knnFinal/);
  assert.equal(parseRunsHostMessage({ type: 'nope' }).ok, false);
});
