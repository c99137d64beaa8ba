import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFingerprint, diffConfigs, resolveConfig } from '../../src/engine/config/resolve';
import { trainJob } from '../../src/engine/jobs';
import { readMetrics } from '../../src/common/runs/metricsLog';
import { decodeProbeImages, listProbes, probeIndices, readProbe } from '../../src/engine/runs/probe';
import { syntheticDataset, useWasm } from './helpers';

const ds = syntheticDataset({ train: 48, test: 16, size: 8, classes: 4 });
const base = { preset: 'tiny', data: { imageSize: 8 }, vae: { epochs: 1, width: 4, latentDim: 4, batchSize: 16 }, ssl: { epochs: 2, batchSize: 16 }, eval: { knnK: 4 } } as const;
const on = resolveConfig({ ...base, inspect: { probeEvery: 2, probeCount: 8 } });
const off = resolveConfig({ ...base, inspect: { probeEvery: 0 } });

test('presets: probing is off for the reference, on for small and tiny; inspect is cosmetic', () => {
  assert.equal(resolveConfig({ preset: 'reference', data: { path: '/x' } }).inspect.probeEvery, 0);
  assert.equal(resolveConfig({ preset: 'small' }).inspect.probeEvery, 16);
  assert.equal(resolveConfig({ preset: 'tiny' }).inspect.probeEvery, 2);
  assert.equal(resolveConfig({}).inspect.probeCount, 8);
  assert.deepEqual(diffConfigs(on, off), []);
  assert.equal(configFingerprint(on), configFingerprint(off));
  assert.throws(() => resolveConfig({ inspect: { probeEvery: -1 } }));
  assert.throws(() => resolveConfig({ inspect: { other: 1 } } as never));
});

test('probeIndices: the first test sample of each class, in class order, at most count', () => {
  assert.deepEqual(probeIndices([2, 0, 2, 1, 0, 3], 4, 8), [1, 3, 0, 5]);
  assert.deepEqual(probeIndices([2, 0, 2, 1, 0, 3], 4, 2), [1, 3]);
});

test('probes are written every N SSL steps with the probe batch, and do not change training', async () => {
  await useWasm();
  const dirOn = mkdtempSync(join(tmpdir(), 'idaa-probe-on-'));
  const dirOff = mkdtempSync(join(tmpdir(), 'idaa-probe-off-'));
  const a = await trainJob(on, { runDir: dirOn, dataset: ds });
  const b = await trainJob(off, { runDir: dirOff, dataset: ds });
  a.trainer.dispose();
  b.trainer.dispose();

  const stepsOn = readMetrics(dirOn).filter((m) => m.kind === 'step');
  const stepsOff = readMetrics(dirOff).filter((m) => m.kind === 'step');
  assert.equal(stepsOn.length, stepsOff.length);
  assert.deepEqual(
    stepsOn.map((m) => Number(m.loss)),
    stepsOff.map((m) => Number(m.loss)),
    'probing is cosmetic: bit-identical losses',
  );
  const sslSteps = stepsOn.filter((m) => m.phase === 'ssl').map((m) => m.step);
  const expected = sslSteps.filter((s) => s % 2 === 0);
  assert.ok(expected.length >= 2);
  assert.deepEqual(listProbes(dirOn), expected, 'a probe every 2 global steps of the SSL phase only');
  assert.deepEqual(listProbes(dirOff), []);
  assert.equal(existsSync(join(dirOff, 'probes')), false);

  const p = readProbe(dirOn, expected[0]);
  assert.equal(p.step, expected[0]);
  assert.deepEqual(p.shape, [4, 8, 8, 3]);
  assert.equal(p.samples.length, 4);
  assert.deepEqual(
    p.samples.map((s) => s.label),
    [0, 1, 2, 3],
  );
  assert.deepEqual(
    p.samples.map((s) => s.index),
    probeIndices(ds.test.labels, 4, 8),
  );
  assert.equal(p.eps, on.idaa.eps);
  assert.ok(Number.isFinite(p.lossBefore) && Number.isFinite(p.lossAfter));
  const img = decodeProbeImages(p);
  for (const k of ['x', 'xAdv', 'absDiff'] as const) assert.equal(img[k].length, 4 * 8 * 8 * 3, k);
  assert.ok(Math.max(...img.absDiff) > 0 && Math.max(...img.absDiff) <= p.absDiffMax + 1e-6);
  assert.ok(Math.abs(Math.max(...img.absDiff) - p.absDiffMax) < 1e-6, 'the largest change survives quantisation');
  for (let i = 0; i < img.x.length; i++) {
    const d = Math.abs(img.xAdv[i] - img.x[i]);
    assert.ok(Math.abs(d - img.absDiff[i]) <= 2 / 255 + p.absDiffMax / 255 + 1e-6, `|x_adv − x| at ${i}`);
  }
  // The clean images are the same at every probe; the attacked ones move as the encoder trains.
  const last = decodeProbeImages(readProbe(dirOn, expected.at(-1)!));
  assert.deepEqual(last.x, img.x);
  assert.notDeepEqual(last.xAdv, img.xAdv);
});
