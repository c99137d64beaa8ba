/**
 * The PyTorch bridge, both ways, against the companion package (python/idaa_torch) run by Debian's
 * PyTorch in /usr/bin/python3:
 * - export: a run trained here → `idaa export` → the companion's models give the same μ, log σ²,
 *   G(x), R(x), encoder features and x_adv as the engine on the same inputs;
 * - import: a checkpoint the companion made in PyTorch (and the same model in the authors' .pth
 *   formats, through the converter) → `idaa import` → the inspector's decomposition and attack equal
 *   PyTorch's; architectures the bridge does not know are refused by name.
 * Tolerances: forward passes 1e-5 relative to the tensor's largest value (float32 in two
 * frameworks), the latent gradient's signs 100 % equal, x_adv then within the forward tolerance.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { testTransform } from '../../src/engine/augment/simclr';
import { readCheckpointFile } from '../../src/engine/checkpoint/format';
import { firstAttackStep, latentAttack } from '../../src/engine/idaa/attack';
import { decompose } from '../../src/engine/idaa/decompose';
import { inspectTrainer } from '../../src/engine/inspect/trainerInspect';
import { asFloat32, FloatTensor, readSafetensorsFile, writeSafetensorsFile } from '../../src/engine/interop/safetensors';
import { openCheckpoint } from '../../src/engine/jobs';
import { ForwardMode, INFER } from '../../src/engine/models/layers';
import { gatherBatch } from '../../src/engine/train/batches';
import { CLI, idaaSync } from './cliRun';
import { syntheticDataset, useCpu, writePngFolder } from './helpers';

const PY = '/usr/bin/python3';
const PYDIR = resolve(__dirname, '..', '..', 'python');
const FORWARD_TOL = 1e-5;
let work = '';
let bars = '';

/** Fails (never skips) without torch: CI installs it, and a skipped bridge test would hide a broken bridge. */
function requireTorch(): void {
  const r = spawnSync(PY, ['-c', 'import torch, torch.distributed as d; assert d.is_gloo_available(); print(torch.__version__)'], { encoding: 'utf8' });
  if (r.status !== 0) assert.fail(`${PY} cannot import torch with gloo: run \`apt-get install -y python3-torch\` (Debian's PyTorch; .ci/run installs it)\n${r.stderr ?? r.error}`);
}

function py(args: string[]): string {
  const r = spawnSync(PY, args, { cwd: work, encoding: 'utf8', timeout: 300_000, env: { ...process.env, PYTHONPATH: PYDIR, PYTHONDONTWRITEBYTECODE: '1', OMP_NUM_THREADS: '1' } });
  assert.equal(r.status, 0, `${PY} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const idaa = (args: string[]) => idaaSync(args, work);
const result = (r: ReturnType<typeof idaa>) => r.lines.find((l) => l.type === 'result')!;

function readAll(file: string): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [k, e] of readSafetensorsFile(file).tensors) out.set(k, asFloat32(file, e));
  return out;
}

/** Max |a − b| and that divided by max |b| (the tensor's scale). */
function diff(a: ArrayLike<number>, b: ArrayLike<number>): { abs: number; rel: number } {
  assert.equal(a.length, b.length, 'lengths');
  let abs = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    abs = Math.max(abs, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return { abs, rel: abs / Math.max(scale, 1e-30) };
}

function signAgreement(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (Math.sign(a[i]) === Math.sign(b[i])) same++;
  return same / a.length;
}

const fmt = (d: { abs: number; rel: number }) => `max abs ${d.abs.toExponential(2)}, rel ${d.rel.toExponential(2)}`;

before(() => {
  requireTorch();
  assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build`);
  work = mkdtempSync(join(tmpdir(), 'idaa-torch-'));
  bars = join(work, 'bars');
  writePngFolder(bars, syntheticDataset({ train: 80, test: 0, size: 16, classes: 4, channels: 3 }));
  // The small preset's shapes (CVAE d = 32, z = 64 at 32×32; ResNet-18 at ×0.25), trained one epoch of each phase.
  writeFileSync(
    join(work, 'run.json'),
    JSON.stringify({ preset: 'tiny', data: { dataset: 'folder', path: bars, imageSize: 32 }, vae: { epochs: 1, width: 32, latentDim: 64 }, ssl: { epochs: 1, widthMultiplier: 0.25, projectionDim: 64 }, eval: { knnK: 5, probeEpochs: 2 }, inspect: { probeEvery: 0 } }),
  );
});

test('export → companion: the same μ, G(x), R(x), features and x_adv as the engine', async (t) => {
  const tr = idaa(['train', '--config', 'run.json', '--run-dir', 'runs/a', '--json']);
  assert.equal(tr.code, 0, tr.stderr);
  const ckpt = join(work, 'runs/a/checkpoints/ssl-final.ckpt');
  const ex = idaa(['export', '--checkpoint', ckpt, '--out', 'exp', '--json']);
  assert.equal(ex.code, 0, ex.stderr);
  assert.deepEqual(result(ex).tensors, { vae: 70, encoder: 184 });
  const cfg = JSON.parse(readFileSync(join(work, 'exp/idaa-torch.json'), 'utf8'));
  assert.deepEqual([cfg.vae.d, cfg.vae.z, cfg.vae.imageSize], [32, 64, 32]);
  assert.deepEqual(cfg.encoder.widths, [16, 32, 64, 128]);
  assert.equal(cfg.normalize.mean.length, 3);

  await useCpu();
  const { trainer } = await openCheckpoint(ckpt);
  const vae = trainer.vae;
  const enc = trainer.encoder;
  const eps = trainer.config.idaa.eps;
  const x = tf.tidy(() =>
    testTransform(gatherBatch(trainer.dataset, trainer.dataset.train, Array.from({ length: 16 }, (_, i) => i), 3), { size: 32, mean: trainer.mean, std: trainer.std }),
  );
  const aux: ForwardMode = { training: false, bn: 'aux' };
  const auxTrain: ForwardMode = { training: true, bn: 'aux' };
  const dec = decompose(vae, x);
  const mine = new Map<string, tf.Tensor>([
    ['mu', dec.z],
    ['logvar', tf.tidy(() => vae.encode(x, INFER).logvar)],
    ['g', dec.g],
    ['r', dec.r],
  ]);
  for (const [mode, tag] of [[INFER, 'main'], [aux, 'aux']] as const) {
    const h = tf.tidy(() => enc.features(x, mode));
    mine.set(`h_${tag}`, h);
    mine.set(`z_${tag}`, tf.tidy(() => enc.project(h, mode)));
  }
  // The inspector's attack (auxiliary running statistics), one step and three; then the reference's (batch statistics).
  const evalLoss = trainer.method.attackLoss(x, aux);
  const first = firstAttackStep(vae, dec, evalLoss.lossOf);
  const one = latentAttack(vae, dec, evalLoss.lossOf, { eps, steps: 1 }, first);
  const three = latentAttack(vae, dec, evalLoss.lossOf, { eps, steps: 3 });
  const trainLoss = trainer.method.attackLoss(x, auxTrain);
  const firstT = firstAttackStep(vae, dec, trainLoss.lossOf);
  const oneT = latentAttack(vae, dec, trainLoss.lossOf, { eps, steps: 1 }, firstT);
  mine.set('dir_eval', first.direction).set('xadv_eval', one.xAdv).set('zadv3_eval', three.zAdv).set('xadv3_eval', three.xAdv);
  mine.set('dir_train', firstT.direction).set('xadv_train', oneT.xAdv);

  const inFile = join(work, 'fwd-in.safetensors');
  const outFile = join(work, 'fwd-out.safetensors');
  writeSafetensorsFile(inFile, [{ name: 'x', shape: x.shape, data: x.dataSync() as Float32Array }]);
  py([join(PYDIR, 'tests', 'bridge_forward.py'), join(work, 'exp'), inFile, outFile, String(eps)]);
  const theirs = readAll(outFile);

  const report: string[] = [];
  for (const k of ['mu', 'logvar', 'g', 'r', 'h_main', 'z_main', 'h_aux', 'z_aux']) {
    const d = diff(mine.get(k)!.dataSync(), theirs.get(k)!);
    report.push(`${k}: ${fmt(d)}`);
    assert.ok(d.rel <= FORWARD_TOL, `${k}: ${fmt(d)} over ${FORWARD_TOL}`);
  }
  for (const [dir, xadv] of [['dir_eval', 'xadv_eval'], ['dir_train', 'xadv_train']]) {
    const agree = signAgreement(mine.get(dir)!.dataSync(), theirs.get(dir)!);
    const d = diff(mine.get(xadv)!.dataSync(), theirs.get(xadv)!);
    report.push(`${dir}: signs agree on ${(agree * 100).toFixed(2)}% of ${theirs.get(dir)!.length}; ${xadv}: ${fmt(d)}`);
    assert.equal(agree, 1, `${dir}: the latent gradient's signs agree on ${agree}`);
    assert.ok(d.rel <= FORWARD_TOL, `${xadv}: ${fmt(d)}`);
  }
  for (const k of ['zadv3_eval', 'xadv3_eval']) {
    const d = diff(mine.get(k)!.dataSync(), theirs.get(k)!);
    report.push(`${k} (3 steps): ${fmt(d)}`);
    assert.ok(d.rel <= FORWARD_TOL, `${k}: ${fmt(d)}`);
  }
  const lossGap = [Math.abs(first.lossBefore - theirs.get('loss_eval')![0]), Math.abs(firstT.lossBefore - theirs.get('loss_train')![0])];
  report.push(`attack loss at z = μ: |Δ| ${lossGap.map((v) => v.toExponential(2)).join(' (inference), ')} (training)`);
  assert.ok(lossGap.every((v) => v <= 1e-5), `attack losses differ by ${lossGap}`);
  for (const line of report) t.diagnostic(line);
  evalLoss.dispose();
  trainLoss.dispose();
  tf.dispose([x, ...mine.values(), dec.z, one.zAdv, oneT.zAdv, three.zAdv]);
  trainer.dispose();
});

test('a checkpoint made by the companion in PyTorch → import → the inspector equals PyTorch', async (t) => {
  py([join(PYDIR, 'tests', 'make_checkpoint.py'), join(work, 'comp')]);
  const imp = idaa(['import', 'comp/bundle', '--dataset', 'folder', '--data-path', bars, '--preset', 'tiny', '--run-dir', 'runs/imp', '--json']);
  assert.equal(imp.code, 0, imp.stderr);
  const ckpt = String(result(imp).checkpoint);
  assert.equal(ckpt, join(work, 'runs/imp/checkpoints/ssl-final.ckpt'));
  assert.deepEqual(result(imp).tensors, { vae: 70, encoder: 184 });

  // The CLI opens it like any other run.
  const runs = idaa(['runs', '--root', 'runs', '--json']);
  const listed = (result(runs).runs as Array<{ id: string; status: { state: string } }>).find((r) => r.id === 'imp');
  assert.equal(listed?.status.state, 'completed');
  const cliInspect = idaa(['inspect', '--checkpoint', ckpt, '--indices', '0,1,2', '--out', 'sheets', '--json']);
  assert.equal(cliInspect.code, 0, cliInspect.stderr);

  // The authors' formats of the same models (a state_dict .pth; {'model': …} with DataParallel's prefix), through the converter.
  const pth = idaa(['import', 'comp/reference/vae.pth', '--run-dir', 'runs/pth', '--json']);
  assert.equal(pth.code, 1);
  assert.match(pth.stderr, /PyTorch pickle[\s\S]*python3 -m idaa_torch\.convert --vae [\s\S]*idaa import/);
  py(['-m', 'idaa_torch.convert', '--vae', 'comp/reference/vae.pth', '--model', 'comp/reference/model_best.t', '--out', 'conv', '--mean', '0.5', '0.5', '0.5', '--std', '0.25', '0.25', '0.25']);
  const conv = idaa(['import', 'conv', '--dataset', 'folder', '--data-path', bars, '--preset', 'tiny', '--run-dir', 'runs/conv', '--json']);
  assert.equal(conv.code, 0, conv.stderr);
  const a = readCheckpointFile(ckpt).arrays;
  const b = readCheckpointFile(String(result(conv).checkpoint)).arrays;
  let compared = 0;
  for (const [name, arr] of a) {
    if (!name.startsWith('vae/') && !name.startsWith('encoder/')) continue;
    assert.deepEqual(b.get(name)!.data, arr.data, `${name} differs between the bundle and the converted .pth`);
    compared++;
  }
  assert.equal(compared, 70 + 184, 'every model tensor compared');

  await useCpu();
  const { trainer } = await openCheckpoint(ckpt);
  const eps = 0.1;
  // The companion's models are in eval mode: compare with the inference-mode attack on the shown samples alone.
  const r = inspectTrainer(trainer, { indices: [0, 1, 2, 3, 4, 5, 6, 7], split: 'test', eps, steps: 1, mode: 'inference', batchSize: 8 });
  const inFile = join(work, 'ins-in.safetensors');
  const outFile = join(work, 'ins-out.safetensors');
  const tensors: FloatTensor[] = [
    { name: 'x', shape: [...r.images.shape], data: r.images.x },
    { name: 'mean', shape: [3], data: Float32Array.from(trainer.mean) },
    { name: 'std', shape: [3], data: Float32Array.from(trainer.std) },
  ];
  writeSafetensorsFile(inFile, tensors);
  py([join(PYDIR, 'tests', 'bridge_inspect.py'), join(work, 'comp/bundle'), inFile, outFile, String(eps)]);
  const theirs = readAll(outFile);
  const report: string[] = [];
  for (const [mine, k] of [[r.images.g, 'g'], [r.images.r, 'r'], [r.images.xAdv, 'xadv']] as const) {
    const d = diff(mine, theirs.get(k)!);
    report.push(`inspector ${k} (pixel units): ${fmt(d)}`);
    assert.ok(d.rel <= FORWARD_TOL, `${k}: ${fmt(d)}`);
  }
  for (const [field, k] of [['reconError', 'recon'], ['cosine', 'cosine'], ['latentLinf', 'linf']] as const) {
    const d = diff(r.samples.map((s) => s[field]), theirs.get(k)!);
    report.push(`inspector ${field}: ${fmt(d)}`);
    assert.ok(d.abs <= 1e-5, `${field}: ${fmt(d)}`);
  }
  for (const line of report) t.diagnostic(line);
  trainer.dispose();
});

test('architectures the bridge does not know are refused, by name', () => {
  // The converter: a Bottleneck ResNet and the 224×224 CVAE.
  const make = [
    'import torch, sys',
    "torch.save({'encoder.conv1.weight': torch.zeros(64, 3, 3, 3), 'encoder.layer1.0.conv3.weight': torch.zeros(256, 64, 1, 1)}, 'bottleneck.pth')",
    "torch.save({f'encoder.{i}.weight': torch.zeros(1) for i in range(16)}, 'vae224.pth')",
  ].join('\n');
  py(['-c', make]);
  for (const [flag, file, why] of [['--model', 'bottleneck.pth', /Bottleneck blocks \(ResNet-50\/101\/152\) are not supported/], ['--vae', 'vae224.pth', /224x224 CVAE \(CVAE_imagenet_withbn/]] as const) {
    const r = spawnSync(PY, ['-m', 'idaa_torch.convert', flag, file, '--out', `${file}.bundle`], { cwd: work, encoding: 'utf8', env: { ...process.env, PYTHONPATH: PYDIR, PYTHONDONTWRITEBYTECODE: '1' } });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, why);
    assert.ok(r.stderr.includes(file), 'the error names the file');
  }
  // import: an architecture name it does not know, and tensors that do not fit the one named.
  cpSync(join(work, 'comp/bundle'), join(work, 'alien'), { recursive: true });
  const cfgFile = join(work, 'alien/idaa-torch.json');
  const cfg = JSON.parse(readFileSync(cfgFile, 'utf8'));
  writeFileSync(cfgFile, JSON.stringify({ ...cfg, encoder: { ...cfg.encoder, architecture: 'resnet50' } }));
  const alien = idaa(['import', 'alien', '--dataset', 'folder', '--data-path', bars, '--run-dir', 'runs/alien']);
  assert.equal(alien.code, 1);
  assert.match(alien.stderr, /alien\/idaa-torch\.json: describes models this build cannot import:\s+encoder\.architecture: "resnet50" is not known/);
  cpSync(join(work, 'comp/bundle'), join(work, 'short'), { recursive: true });
  const vaeFile = join(work, 'short/vae.safetensors');
  const kept = [...readSafetensorsFile(vaeFile).tensors.values()].filter((e) => e.name !== 'fc21.weight');
  writeSafetensorsFile(vaeFile, kept.map((e) => ({ name: e.name, shape: e.shape, data: asFloat32(vaeFile, e) })));
  const short = idaa(['import', 'short', '--dataset', 'folder', '--data-path', bars, '--run-dir', 'runs/short']);
  assert.equal(short.code, 1);
  assert.match(short.stderr, /short\/vae\.safetensors: does not fit the architecture its idaa-torch\.json describes: 1 tensors missing \(e\.g\. fc21\.weight\)/);
});
