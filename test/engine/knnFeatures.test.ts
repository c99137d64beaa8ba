import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../../src/engine/config/resolve';
import { knnAccuracy } from '../../src/engine/eval/knn';
import { Trainer } from '../../src/engine/train/trainer';
import { syntheticDataset, useCpu } from './helpers';

function trainer(knnFeatures: 'projection' | 'backbone'): Trainer {
  const ds = syntheticDataset({ train: 48, test: 24, size: 8, classes: 4 });
  return new Trainer(resolveConfig({ preset: 'tiny', data: { imageSize: 8 }, eval: { knnK: 5, knnFeatures } }), ds);
}

test('eval.knnFeatures: the monitor reads the projection by default (the reference) and the backbone h when asked', async () => {
  await useCpu();
  assert.equal(resolveConfig({ preset: 'tiny' }).eval.knnFeatures, 'projection');
  for (const use of ['projection', 'backbone'] as const) {
    const t = trainer(use);
    try {
      const ds = t.dataset;
      const bank = await t.knnFeatures(ds.train);
      assert.equal(bank.dim, use === 'projection' ? t.encoder.projectionDim : t.encoder.featureDim);
      const direct = await t.features(ds.train, 256, use);
      assert.deepEqual(bank.data, direct.data);
      const te = await t.features(ds.test, 256, use);
      const expected = knnAccuracy(direct.data, ds.train.labels, te.data, ds.test.labels, direct.dim, ds.classNames.length, { k: 5, sigma: t.config.eval.knnSigma });
      assert.equal(await t.knnAccuracy(), expected);
    } finally {
      t.dispose();
    }
  }
  // The two feature kinds differ in width here (backbone 8·… vs projection 16), so a mix-up cannot pass unseen.
  const t = trainer('backbone');
  try {
    assert.notEqual(t.encoder.featureDim, t.encoder.projectionDim);
  } finally {
    t.dispose();
  }
});

test('eval.knnFeatures: any other value is refused naming the field and the choices', () => {
  assert.throws(
    () => resolveConfig({ preset: 'tiny', eval: { knnFeatures: 'logits' as 'backbone' } }),
    (e: Error) => /eval\.knnFeatures/.test(e.message) && /"projection", "backbone"/.test(e.message),
  );
});
