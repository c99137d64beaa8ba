/** The inspector's ε sweep and per-class table agree with single inspections. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../../src/engine/config/resolve';
import { classTable, sweepEps } from '../../src/engine/inspect/compare';
import { SampleInspector } from '../../src/engine/inspect/inspect';
import { trainerInspectOptions } from '../../src/engine/inspect/trainerInspect';
import { Trainer } from '../../src/engine/train/trainer';
import { syntheticDataset, useCpu } from './helpers';

function trainer(): Trainer {
  const ds = syntheticDataset({ train: 24, test: 20, size: 8, classes: 4 });
  return new Trainer(resolveConfig({ preset: 'tiny', data: { imageSize: 8 }, vae: { width: 4, latentDim: 4 }, ssl: { batchSize: 8 }, idaa: { eps: 0.5 } }), ds);
}

test('sweepEps: each point is the inspection at that ε; ε = 0 moves nothing', async () => {
  await useCpu();
  const t = trainer();
  const opts = trainerInspectOptions(t, { indices: [0, 3, 5] });
  const inspector = new SampleInspector(t.vae, t.method, t.dataset);
  const points = sweepEps(inspector, opts, [0, 0.5, 2]);
  assert.deepEqual(points.map((p) => p.eps), [0, 0.5, 2]);
  for (const p of points) {
    const fresh = new SampleInspector(t.vae, t.method, t.dataset);
    const r = fresh.inspect({ ...opts, eps: p.eps });
    assert.deepEqual(p.samples, r.samples, `ε ${p.eps}: the same numbers`);
    assert.deepEqual(p.xAdv, r.images.xAdv, `ε ${p.eps}: the same x_adv`);
    fresh.dispose();
  }
  assert.ok(points[0]!.samples.every((s) => s.latentLinf === 0), 'ε 0: z unchanged');
  assert.ok(points[2]!.samples.every((s) => Math.abs(s.latentLinf - 2) < 1e-5), 'ε 2: ‖δ‖∞ = ε');
  let calls = 0;
  assert.equal(sweepEps(inspector, opts, [0.1, 0.2, 0.3], () => ++calls < 2).length, 2, 'stopped after two points');
  inspector.dispose();
  t.dispose();
});

test('classTable: per-class counts, kept, mean cos and ‖x_adv − x‖ equal the per-batch inspections aggregated', async () => {
  await useCpu();
  const t = trainer();
  const { indices: _i, batchSize: _b, ...opts } = trainerInspectOptions(t, { indices: [0] });
  const indices = [...Array(20).keys()];
  const inspector = new SampleInspector(t.vae, t.method, t.dataset);
  const table = classTable(inspector, opts, indices, 8, t.dataset.classNames);
  assert.equal(table.samples, 20);
  assert.equal(table.rows.reduce((s, r) => s + r.count, 0), 20);
  // By hand: batches [0..7], [8..15], [16..19].
  const want = new Map<number, { n: number; kept: number; cos: number; l2: number }>();
  for (const batch of [indices.slice(0, 8), indices.slice(8, 16), indices.slice(16)]) {
    const r = new SampleInspector(t.vae, t.method, t.dataset).inspect({ ...opts, indices: batch, batchSize: batch.length });
    const per = r.images.absDiff.length / batch.length;
    r.samples.forEach((s, i) => {
      const w = want.get(s.label) ?? { n: 0, kept: 0, cos: 0, l2: 0 };
      w.n++;
      w.kept += s.identityKept ? 1 : 0;
      w.cos += s.cosine;
      w.l2 += Math.hypot(...r.images.absDiff.subarray(i * per, (i + 1) * per));
      want.set(s.label, w);
    });
  }
  for (const row of table.rows) {
    const w = want.get(row.label)!;
    assert.equal(row.count, w.n);
    assert.equal(row.kept, w.kept);
    assert.ok(Math.abs(row.meanCosine - w.cos / w.n) < 1e-9);
    assert.ok(Math.abs(row.meanL2 - w.l2 / w.n) < 1e-5, `${row.meanL2} vs ${w.l2 / w.n}`);
    assert.ok(row.meanL2 > 0, 'the attack moved pixels');
    assert.equal(row.className, t.dataset.classNames[row.label]);
  }
  inspector.dispose();
  t.dispose();
});
