import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeDifference, incompleteBeta, meanStd, pairedDifference, studentTCdf, studentTQuantile, verdictOf } from '../../src/engine/experiment/stats';
import { knnAtSeconds } from '../../src/engine/experiment/aggregate';
import { axisTicks, tickLabel } from '../../src/engine/report/plot';
import type { CellResult } from '../../src/engine/experiment/cell';
import type { ExperimentSpec } from '../../src/engine/experiment/spec';
import { writeReport } from '../../src/engine/experiment/report';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test("Student's t quantiles equal scipy.stats.t.ppf", () => {
  // scipy.stats.t.ppf(p, df), printed with repr.
  const known: Array<[number, number, number]> = [
    [0.975, 1, 12.706204736174707],
    [0.975, 2, 4.302652729749464],
    [0.975, 4, 2.7764451051977987],
    [0.975, 9, 2.2621571627982053],
    [0.975, 30, 2.0422724563012373],
    [0.95, 3, 2.3533634348018264],
    [0.995, 7, 3.4994832973505026],
    [0.6, 5, 0.26718086570414953],
  ];
  for (const [p, df, want] of known) close(studentTQuantile(p, df), want, 1e-9, `t.ppf(${p}, ${df})`);
  close(studentTQuantile(0.025, 4), -2.7764451051977987, 1e-9, 'lower tail by symmetry');
  assert.equal(studentTQuantile(0.5, 3), 0);
  // Far into the normal limit: z(0.975) = 1.959963984540054.
  close(studentTQuantile(0.975, 1e7), 1.959963984540054, 1e-6, 'large df → normal');
  assert.ok(Number.isNaN(studentTQuantile(1, 3)) && Number.isNaN(studentTQuantile(0.9, 0)));
});

test('the t CDF matches its closed forms for 1, 2 and 3 degrees of freedom', () => {
  for (const t of [-3, -0.7, 0, 0.4, 1.5, 6]) {
    close(studentTCdf(t, 1), 0.5 + Math.atan(t) / Math.PI, 1e-12, `Cauchy at ${t}`);
    close(studentTCdf(t, 2), 0.5 + t / (2 * Math.sqrt(2 + t * t)), 1e-12, `df 2 at ${t}`);
    const u = t / Math.sqrt(3);
    close(studentTCdf(t, 3), 0.5 + (u / (1 + u * u) + Math.atan(u)) / Math.PI, 1e-12, `df 3 at ${t}`);
  }
  // I_x(a, 1) = x^a and I_x(1, b) = 1 − (1 − x)^b.
  close(incompleteBeta(0.3, 2.5, 1), 0.3 ** 2.5, 1e-12, 'I_x(a, 1)');
  close(incompleteBeta(0.3, 1, 4), 1 - 0.7 ** 4, 1e-12, 'I_x(1, b)');
});

test('paired differences: a 95% CI from the paired t, "no difference" whenever it contains 0', () => {
  const a = new Map([[0, 0.8], [1, 0.82], [2, 0.84], [3, 0.83], [4, 0.81]]);
  const b = new Map([[0, 0.78], [1, 0.8], [2, 0.83], [3, 0.8], [4, 0.8]]);
  const d = pairedDifference(a, b);
  // d = [0.02, 0.02, 0.01, 0.03, 0.01]: mean 0.018, sd 0.008366600265340756; half-width t(0.975, 4)·sd/√5.
  assert.equal(d.n, 5);
  close(d.mean, 0.018, 1e-12, 'mean');
  close(d.std, 0.008366600265340756, 1e-12, 'sd');
  const half = (2.7764451051977987 * 0.008366600265340756) / Math.sqrt(5);
  close(d.lo, 0.018 - half, 1e-10, 'lo');
  close(d.hi, 0.018 + half, 1e-10, 'hi');
  assert.equal(verdictOf(d), 'higher');
  assert.match(describeDifference(d), /^higher by 1\.80 points \(95% CI \[0\.76, 2\.84\], 5 seeds\)$/);

  // Differences of both signs: the interval contains 0.
  const c = pairedDifference(new Map([[0, 0.5], [1, 0.6], [2, 0.55]]), new Map([[0, 0.52], [1, 0.57], [2, 0.55]]));
  assert.equal(verdictOf(c), 'no difference');
  assert.match(describeDifference(c), /^no difference \(0\.33 points, 95% CI \[-5\.92, 6\.58\], 3 seeds\)$/);
  assert.equal(verdictOf(pairedDifference(new Map([[0, 0.4], [1, 0.3]]), new Map([[0, 0.5], [1, 0.45]]))), 'no difference', 'a large spread with 2 seeds');

  // Only seeds present in both rows are paired; one pair has no interval.
  const one = pairedDifference(new Map([[0, 0.7], [1, 0.6]]), new Map([[1, 0.5], [7, 0.1]]));
  assert.deepEqual(one.seeds, [1]);
  assert.equal(verdictOf(one), 'n/a');
  assert.match(describeDifference(one), /^n\/a \(1 paired seed: 10\.00 points; a CI needs 2\)$/);
  const ms = meanStd([0.8, 0.82, 0.84]);
  close(ms.mean, 0.82, 1e-12, 'mean');
  close(ms.std, 0.02, 1e-12, 'std');
});

test('kNN at a number of seconds: linear interpolation on the per-epoch curve, none outside it', () => {
  const cell = { knnPerEpoch: [0.5, 0.6, 0.7], secondsAtEpoch: [10, 20, 40] } as CellResult;
  close(knnAtSeconds(cell, 15)!, 0.55, 1e-12, 'between epochs 1 and 2');
  close(knnAtSeconds(cell, 30)!, 0.65, 1e-12, 'between epochs 2 and 3');
  assert.equal(knnAtSeconds(cell, 10), 0.5);
  assert.equal(knnAtSeconds(cell, 40), 0.7);
  assert.equal(knnAtSeconds(cell, 5), undefined, 'before the first epoch ended');
  assert.equal(knnAtSeconds(cell, 41), undefined, 'past the last epoch');
});

test('plot ticks are nice numbers: 1, 2 or 5 × 10^k, and percent labels carry the decimals the step needs', () => {
  const t = axisTicks(0.493, 0.617);
  assert.deepEqual(t.ticks, [0.48, 0.5, 0.52, 0.54, 0.56, 0.58, 0.6, 0.62]);
  assert.equal(t.ticks.map((v) => tickLabel(v, t.step, 'percent')).join(' '), '48% 50% 52% 54% 56% 58% 60% 62%');
  const s = axisTicks(0, 1834);
  assert.deepEqual(s.ticks, [0, 500, 1000, 1500, 2000]);
  assert.equal(tickLabel(0.505, 0.005, 'percent'), '50.5%');
  assert.equal(tickLabel(1500, 500, 'number'), '1500');
  const flat = axisTicks(0.7, 0.7);
  assert.ok(flat.ticks.length >= 2 && flat.ticks[0] <= 0.7 && flat.ticks.at(-1)! >= 0.7, 'a flat series still gets an axis');
});

test('the report gives a verdict, with its paired interval, only for a grid that has a pair to compare', () => {
  const root = mkdtempSync(join(tmpdir(), 'idaa-report-'));
  const cell = (method: string, seed: number, knn: number, probe: number): CellResult => ({
    id: `${method}-mnist-s${seed}`, kind: 'ssl', dataset: 'mnist', method, seed, knnFinal: knn, probeFinal: probe, probeTrain: probe + 0.05,
    knnPerEpoch: [knn - 0.1, knn], secondsAtEpoch: [1, 2], trainSeconds: 2, imagesPerSec: 100, steps: 4,
  });
  const spec = { name: 'unit', preset: 'tiny', datasets: ['mnist'], methods: ['simclr', 'simclr+idaa'], seeds: [0, 1, 2] } as ExperimentSpec;
  const plain = [cell('simclr', 0, 0.6, 0.7), cell('simclr', 1, 0.62, 0.71), cell('simclr', 2, 0.64, 0.72)];
  const idaa = [cell('simclr+idaa', 0, 0.63, 0.71), cell('simclr+idaa', 1, 0.66, 0.72), cell('simclr+idaa', 2, 0.67, 0.73)];
  const alone = readFileSync(writeReport(root, { ...spec, methods: ['simclr'] }, plain, 'npm run x', 'unit machine'), 'utf8');
  assert.doesNotMatch(alone, /## Verdict/, 'one method: nothing to compare, no empty verdict');
  const both = readFileSync(writeReport(root, spec, [...plain, ...idaa], 'npm run x', 'unit machine'), 'utf8');
  // Differences 3, 4, 3 points: mean 3.333, sd 0.5774, t(0.975, 2) = 4.302653 → ±1.4342.
  assert.match(both, /## Verdict\n\n- mnist, IDAA vs simclr alone: kNN higher by 3\.33 points \(95% CI \[1\.90, 4\.77\], 3 seeds\); linear probe higher by 1\.00 points \(95% CI \[1\.00, 1\.00\], 3 seeds\)\./);
});
