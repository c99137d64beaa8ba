/**
 * SimSiam's and BYOL's training step against PyTorch: the same weights and views (x_i, x_j and a
 * third view x_adv through the auxiliary batch norm) in the engine and in the companion package's
 * dual-BN ResNet-18 and heads, whose losses python/tests/ssl_step.py writes out from the papers.
 * The loss, the gradient of every trainable tensor and every running statistic after the step's
 * forwards must agree. This rules out the engine's own code as the reason a method learns or does
 * not (the experiments' SimSiam rows). Debian's PyTorch in /usr/bin/python3, as the bridge tests.
 * Tolerances: the loss 1e-5 relative; gradients and statistics 1e-4 of each tensor's largest value
 * (see relGaps; float32 in two frameworks through a deep net; a wrong term or mode is off by order 1).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { resolveConfig } from '../../src/engine/config/resolve';
import type { SslMethodName } from '../../src/engine/config/types';
import { headSpec } from '../../src/engine/interop/exportBundle';
import { toTorch } from '../../src/engine/interop/layout';
import { encoderSlot, TorchSlot } from '../../src/engine/interop/names';
import { asFloat32, FloatTensor, readSafetensorsFile, writeSafetensorsFile } from '../../src/engine/interop/safetensors';
import { applyBnUpdates, BnUpdate, ForwardMode } from '../../src/engine/models/layers';
import { sslMethodFor } from '../../src/engine/ssl/methods';
import { Rng } from '../../src/engine/rng';
import { useCpu } from './helpers';

const PY = '/usr/bin/python3';
const PYDIR = resolve(__dirname, '..', '..', 'python');
const BATCH = 8;
const SIZE = 16;
const ALPHA = 1;
let work = '';

before(() => {
  const r = spawnSync(PY, ['-c', 'import torch'], { encoding: 'utf8' });
  if (r.status !== 0) assert.fail(`${PY} cannot import torch: run \`apt-get install -y python3-torch\` (Debian's PyTorch; .ci/run installs it)\n${r.stderr ?? r.error}`);
  work = mkdtempSync(join(tmpdir(), 'idaa-ssl-parity-'));
});

/**
 * The PyTorch name of a method's variable. Backbone and projector come from the bridge's map; the
 * predictor ("predictor/h.N…") is numbered like the projector ("encoder/g.N…") and the BYOL target
 * ("target/…") like the online network, so both go through the same map under their own prefix.
 */
function torchSlot(name: string): TorchSlot | undefined {
  const renamed = (engine: string, from: RegExp, to: string) => {
    const s = encoderSlot(engine);
    return s && { ...s, torch: s.torch.replace(from, to) };
  };
  if (name.startsWith('target/')) return renamed(`encoder/${name.slice('target/'.length)}`, /^/, 'target.');
  if (name.startsWith('predictor/h.')) return renamed(`encoder/g.${name.slice('predictor/h.'.length)}`, /^projector\./, 'predictor.');
  return encoderSlot(name);
}

function toTorchTensor(slot: TorchSlot, shape: readonly number[], data: Float32Array): FloatTensor {
  const t = toTorch(slot.layout, shape, data);
  return { name: slot.torch, shape: t.shape, data: t.data };
}

function normalTensor(rng: Rng, shape: number[], scale = 1): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = scale * rng.normal();
  return tf.tensor(v, shape);
}

/** Max |a − b| and max |b|. */
function gap(a: Float32Array, b: Float32Array): { d: number; scale: number } {
  assert.equal(a.length, b.length);
  let d = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return { d, scale };
}

/**
 * Each tensor's gap over its own largest value, but never over less than 1 % of the largest value of
 * its kind: some are exactly 0 in exact arithmetic (a Linear bias before a batch norm has no gradient,
 * a layer after a centred one has mean 0), where both frameworks give rounding noise of ~1e-9.
 */
function relGaps(pairs: Array<{ what: string; mine: Float32Array; theirs: Float32Array }>): Array<{ what: string; rel: number }> {
  const gaps = pairs.map((p) => ({ what: p.what, ...gap(p.mine, p.theirs) }));
  const floor = 0.01 * Math.max(...gaps.map((g) => g.scale));
  return gaps.map((g) => ({ what: g.what, rel: g.d / Math.max(g.scale, floor, 1e-30) }));
}

for (const method of ['simsiam', 'byol'] as SslMethodName[]) {
  test(`${method} with a third view: loss, every gradient and the running statistics equal PyTorch's`, { timeout: 120_000 }, async () => {
    await useCpu();
    const c = resolveConfig({ preset: 'tiny', seed: 3, data: { imageSize: SIZE }, ssl: { method, widthMultiplier: 0.0625, batchSize: BATCH } });
    const m = sslMethodFor(c);
    const rng = new Rng('ssl-parity');
    const variables = new Map(m.variables());
    // BYOL's target starts as a copy of the online network; move it so that a mix-up of the two would show.
    if (method === 'byol') for (const [name, v] of variables) if (name.startsWith('target/') && v.trainable) v.assign(tf.add(v, normalTensor(rng, v.shape, 0.05)));
    const [xi, xj, xAdv] = [0, 1, 2].map(() => normalTensor(rng, [BATCH, SIZE, SIZE, 3]) as tf.Tensor4D);

    const weights: FloatTensor[] = [];
    const slots = new Map<string, TorchSlot>();
    for (const [name, v] of variables) {
      const slot = torchSlot(name);
      assert.ok(slot, `${name} has no PyTorch name`);
      slots.set(name, slot);
      // A batch norm without affine part (SimSiam's last projector layer) keeps γ = 1, β = 0 as state; PyTorch's has none.
      if (!v.trainable && /\.(weight|bias)$/.test(name)) continue;
      weights.push(toTorchTensor(slot, v.shape, v.dataSync() as Float32Array));
    }
    const nhwc = (name: string, t: tf.Tensor): FloatTensor => ({ name, shape: t.shape, data: t.dataSync() as Float32Array });
    const spec = {
      method,
      widths: [1, 2, 3, 4].map((s) => weights.find((t) => t.name === `encoder.layer${s}.0.conv1.weight`)!.shape[0]),
      blocks: [2, 2, 2, 2],
      auxBnMomentum: c.idaa.auxBnMomentum,
      alpha: ALPHA,
      projector: headSpec(weights, 'projector'),
      predictor: headSpec(weights, 'predictor'),
    };
    assert.ok(spec.predictor.length === 2 && spec.predictor[0]!.bn === 'affine', `${method}: the predictor is Linear + BN + ReLU, Linear`);
    if (method === 'simsiam') assert.equal(spec.projector.at(-1)!.bn, 'fixed', 'SimSiam’s last projector batch norm has no affine part');
    const files = { spec: join(work, `${method}.json`), weights: join(work, `${method}-w.safetensors`), views: join(work, `${method}-x.safetensors`), out: join(work, `${method}-out.safetensors`) };
    writeFileSync(files.spec, JSON.stringify(spec));
    writeSafetensorsFile(files.weights, weights);
    writeSafetensorsFile(files.views, [nhwc('xi', xi), nhwc('xj', xj), nhwc('xadv', xAdv)]);

    // The engine's step as Trainer.sslStep takes it, without the optimizer: one update list, applied after the gradient.
    const updates: BnUpdate[] = [];
    const main: ForwardMode = { training: true, bn: 'main', updates };
    const aux: ForwardMode = { training: true, bn: 'aux', updates };
    m.beginStep({ xi, xj }, main);
    m.addAdversarial(xAdv, aux);
    const trainable = [...m.trainable()];
    const { value, grads } = tf.variableGrads(() => m.trainingLoss({ xi, xj, xAdv }, main, aux, ALPHA).total, trainable.map(([, v]) => v));
    applyBnUpdates(updates);

    const r = spawnSync(PY, [join(PYDIR, 'tests', 'ssl_step.py'), files.spec, files.weights, files.views, files.out], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, PYTHONPATH: PYDIR, PYTHONDONTWRITEBYTECODE: '1', OMP_NUM_THREADS: '1' },
    });
    assert.equal(r.status, 0, `ssl_step.py failed:\n${r.stdout}\n${r.stderr}`);
    const torch = new Map([...readSafetensorsFile(files.out).tensors].map(([k, e]) => [k, asFloat32(files.out, e)]));

    const loss = value.dataSync()[0]!;
    const torchLoss = torch.get('loss')![0]!;
    assert.ok(Math.abs(loss - torchLoss) <= 1e-5 * Math.abs(torchLoss), `${method} loss: engine ${loss}, PyTorch ${torchLoss}`);

    const gradPairs = trainable.map(([name, v]) => {
      const slot = slots.get(name)!;
      const theirs = torch.get(`grad.${slot.torch}`);
      assert.ok(theirs, `PyTorch has no gradient for ${slot.torch} (${name})`);
      return { what: name, mine: toTorchTensor(slot, v.shape, grads[v.name]!.dataSync() as Float32Array).data, theirs };
    });
    const gradGaps = relGaps(gradPairs);
    for (const g of gradGaps) assert.ok(g.rel <= 1e-4, `${method} ∂L/∂${g.what}: ${g.rel.toExponential(2)} apart`);
    // Every PyTorch gradient has its engine twin (nothing the engine leaves untrained that PyTorch trains).
    const trained = new Set(trainable.map(([name]) => `grad.${slots.get(name)!.torch}`));
    assert.deepEqual([...torch.keys()].filter((k) => k.startsWith('grad.') && !trained.has(k)), [], 'gradients only PyTorch has');

    const statPairs = [...variables]
      .filter(([name]) => /running_(mean|var)$/.test(slots.get(name)!.torch))
      .map(([name, v]) => ({ what: name, mine: v.dataSync() as Float32Array, theirs: torch.get(`state.${slots.get(name)!.torch}`)! }));
    const statGaps = relGaps(statPairs);
    for (const g of statGaps) assert.ok(g.rel <= 1e-4, `${method} ${g.what} after the step: ${g.rel.toExponential(2)} apart`);
    const stats = statPairs.length;
    assert.equal(stats, [...torch.keys()].filter((k) => k.startsWith('state.')).length, 'every running statistic compared');
    const worst = (gaps: Array<{ what: string; rel: number }>) => gaps.reduce((a, b) => (b.rel > a.rel ? b : a));
    const [worstGrad, worstState] = [worst(gradGaps), worst(statGaps)];
    assert.ok(trainable.length > 40 && stats > 40, `${trainable.length} gradients, ${stats} statistics`);
    console.log(`${method}: loss ${loss.toFixed(6)} (PyTorch ${torchLoss.toFixed(6)}); ${trainable.length} gradients, worst ${worstGrad.rel.toExponential(2)} (${worstGrad.what}); ${stats} running statistics, worst ${worstState.rel.toExponential(2)} (${worstState.what})`);
    tf.dispose([value, ...Object.values(grads), xi, xj, xAdv]);
    m.dispose();
  });
}
