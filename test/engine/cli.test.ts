import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { readLinearProbes } from '../../src/common/runs/linearProbe';
import { readManifest } from '../../src/common/runs/manifest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, idaaSync } from './cliRun';
import { syntheticDataset, writePngFolder } from './helpers';

let work = '';
let dataDir = '';

const idaa = (args: string[], cwd = work) => idaaSync(args, cwd);

before(() => {
  assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build`);
  work = mkdtempSync(join(tmpdir(), 'idaa-cli-'));
  // A dataset folder in the real format: one subfolder of PNG files per class.
  dataDir = join(work, 'bars');
  writePngFolder(dataDir, syntheticDataset({ train: 80, test: 0, size: 16, classes: 4, channels: 3 }));
  writeFileSync(
    join(work, 'run.json'),
    JSON.stringify({ preset: 'tiny', data: { dataset: 'folder', path: dataDir, imageSize: 16 }, vae: { epochs: 1 }, ssl: { epochs: 1 }, eval: { knnK: 5, probeEpochs: 2 } }),
  );
});

test('idaa vae, then idaa train --vae, then inspect and eval, on a folder of PNGs', () => {
  const vae = idaa(['vae', '--config', 'run.json', '--run-dir', 'runs/vae', '--json']);
  assert.equal(vae.code, 0, vae.stderr);
  const backend = vae.lines.find((l) => l.type === 'backend');
  assert.equal(backend?.name, 'wasm');
  const vaeSteps = vae.lines.filter((l) => l.type === 'step');
  assert.ok(vaeSteps.length >= 4 && vaeSteps.every((s) => s.phase === 'vae'), `${vaeSteps.length} VAE steps`);
  const vaeCkpt = join(work, 'runs/vae/checkpoints/vae-final.ckpt');
  assert.ok(existsSync(vaeCkpt));

  const tr = idaa(['train', '--config', 'run.json', '--vae', vaeCkpt, '--run-dir', 'runs/ssl', '--json']);
  assert.equal(tr.code, 0, tr.stderr);
  const steps = tr.lines.filter((l) => l.type === 'step');
  assert.ok(steps.length >= 4 && steps.every((s) => s.phase === 'ssl'), 'with --vae the VAE phase is skipped');
  const epoch = tr.lines.find((l) => l.type === 'epoch');
  assert.ok(typeof epoch?.knnAccuracy === 'number');
  const result = tr.lines.find((l) => l.type === 'result')!;
  assert.ok(existsSync(String(result.inspection)), 'train writes an inspection sheet');
  const ckpt = join(work, 'runs/ssl/checkpoints/ssl-final.ckpt');

  const ins = idaa(['inspect', '--checkpoint', ckpt, '--indices', '0,1,2', '--eps', '0.3', '--out', 'sheets', '--json']);
  assert.equal(ins.code, 0, ins.stderr);
  const r = ins.lines.find((l) => l.type === 'result')!;
  const nums = JSON.parse(readFileSync(String(r.json), 'utf8'));
  assert.equal(nums.eps, 0.3);
  assert.equal(nums.samples.length, 3);
  assert.ok(nums.samples.every((s: { latentLinf: number }) => Math.abs(s.latentLinf - 0.3) < 1e-6));
  assert.ok(readFileSync(String(r.png)).subarray(1, 4).toString() === 'PNG');
  // The training-mode attack over a batch of the run's size by default; --mode and --batch change it.
  assert.equal(nums.attack.mode, 'training');
  assert.ok(nums.attack.batch.length > 3, `batch ${nums.attack.batch.length}`);
  assert.deepEqual(nums.attack.batch.slice(0, 3), [0, 1, 2]);
  const inf = idaa(['inspect', '--checkpoint', ckpt, '--indices', '0,1,2', '--mode', 'inference', '--batch', '3', '--out', 'sheets', '--json']);
  assert.equal(inf.code, 0, inf.stderr);
  const infNums = JSON.parse(readFileSync(String(inf.lines.find((l) => l.type === 'result')!.json), 'utf8'));
  assert.equal(infNums.attack.mode, 'inference');
  assert.deepEqual(infNums.attack.batch, [0, 1, 2]);
  assert.equal(idaa(['inspect', '--checkpoint', ckpt, '--mode', 'eval']).code, 1, 'an unknown mode is refused');

  const runs = idaa(['runs', '--root', 'runs', '--json']);
  assert.equal(runs.code, 0, runs.stderr);
  const listed = (runs.lines.find((l) => l.type === 'result')!.runs as Array<{ id: string; status: { state: string; bestKnnAccuracy?: number } }>).map((r) => [r.id, r.status.state]);
  assert.deepEqual(listed, [['ssl', 'completed'], ['vae', 'completed']]);
  const cks = idaa(['checkpoints', 'runs/ssl', '--json']);
  const files = (cks.lines.find((l) => l.type === 'result')!.checkpoints as Array<{ file: string; kind: string }>).map((c) => c.file);
  assert.ok(files.includes('ssl-final.ckpt'), files.join(','));
  const again = idaa(['resume', 'runs/ssl']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already complete/);

  const ev = idaa(['eval', '--checkpoint', ckpt, '--json']);
  assert.equal(ev.code, 0, ev.stderr);
  const er = ev.lines.find((l) => l.type === 'result')! as { knnAccuracy: number; probe: { finalTestAccuracy: number; trainAccuracy: number; epochs: number }; stored: string };
  assert.ok(er.knnAccuracy >= 0 && er.knnAccuracy <= 1);
  assert.equal(er.probe.epochs, 2);
  // Stored with the run, as the editor's Evaluate Checkpoint stores it: the same numbers, the manifest's position.
  assert.equal(er.stored, join(work, 'runs/ssl/linear-probe.json'));
  const [rec, ...more] = readLinearProbes(join(work, 'runs/ssl'));
  assert.equal(more.length, 0);
  const entry = readManifest(join(work, 'runs/ssl')).checkpoints.find((c) => c.file === 'ssl-final.ckpt')!;
  assert.deepEqual([rec!.checkpoint, rec!.phase, rec!.epoch, rec!.step], ['ssl-final.ckpt', 'ssl', entry.epoch, entry.step]);
  assert.equal(rec!.knnAccuracy, er.knnAccuracy);
  assert.deepEqual([rec!.probe.finalTestAccuracy, rec!.probe.trainAccuracy, rec!.probe.epochs, rec!.probe.maxEpochs, rec!.probe.standardized], [er.probe.finalTestAccuracy, er.probe.trainAccuracy, 2, 2, false]);
  assert.equal(rec!.probe.perEpochTestAccuracy.length, 2);
  // Evaluating it again replaces its record; a checkpoint outside a run folder stores nothing.
  assert.equal(idaa(['eval', '--checkpoint', ckpt, '--probe-epochs', '3', '--json']).code, 0);
  assert.deepEqual(readLinearProbes(join(work, 'runs/ssl')).map((x) => x.probe.epochs), [3]);
  copyFileSync(ckpt, join(work, 'loose.ckpt'));
  const loose = idaa(['eval', '--checkpoint', 'loose.ckpt', '--json']);
  assert.equal(loose.code, 0, loose.stderr);
  assert.equal(loose.lines.find((l) => l.type === 'result')!.stored, undefined);
});

test('bad input: a clear message and a non-zero exit, never a stack trace', () => {
  writeFileSync(join(work, 'bad.json'), JSON.stringify({ idaa: { eps: 'big' } }));
  const bad = idaa(['train', '--config', 'bad.json']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /bad\.json:1:16: config field "idaa\.eps" is "big"; allowed: a number/);
  assert.doesNotMatch(bad.stderr, /\bat .*\.js:\d+/);

  const missing = idaa(['train', '--dataset', 'folder', '--data-path', join(work, 'nope'), '--preset', 'tiny']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nope/);

  const corrupt = join(work, 'corrupt.ckpt');
  writeFileSync(corrupt, 'IDAACKPT garbage');
  const c = idaa(['inspect', '--checkpoint', corrupt]);
  assert.equal(c.code, 1);
  assert.match(c.stderr, /corrupt\.ckpt/);

  const flag = idaa(['train', '--epsilon', '1']);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /Unknown option '--epsilon'/);
});

test('--threads: the threaded wasm build trains to the same numbers as one thread, and the process exits by itself', () => {
  const run = (threads: string, dir: string) => {
    const r = idaa(['train', '--config', 'run.json', '--run-dir', dir, '--threads', threads, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const backend = r.lines.find((l) => l.type === 'backend') as { name: string; threads: number } | undefined;
    const losses = r.lines.filter((l) => l.type === 'step').map((l) => [l.phase, l.loss]);
    return { threads: backend?.threads, name: backend?.name, losses, knn: r.lines.find((l) => l.type === 'epoch' && l.phase === 'ssl')?.knnAccuracy };
  };
  const one = run('1', 'runs/t1');
  const two = run('2', 'runs/t2');
  assert.equal(one.name, 'wasm');
  assert.equal(one.threads, 1);
  assert.equal(two.threads, 2, 'two XNNPACK threads');
  assert.ok(one.losses.length >= 8, `${one.losses.length} steps`);
  assert.deepEqual(two.losses, one.losses, 'every VAE and SSL loss bit for bit');
  assert.equal(typeof one.knn, 'number');
  assert.equal(two.knn, one.knn, 'kNN accuracy too');
  // A bad value is refused with the flag named.
  const bad = idaa(['train', '--config', 'run.json', '--run-dir', 'runs/t3', '--threads', 'many']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--threads is "many"; allowed: 'auto' or a whole number of threads from 1 to 8/);
});

test('every SSL method trains from the CLI, with and without IDAA, and the run says which', { timeout: 600_000 }, () => {
  for (const method of ['simclr', 'simsiam', 'byol', 'mocov2']) {
    for (const idaaOn of [true, false]) {
      const dir = `runs/${method}-${idaaOn}`;
      const r = idaaSync(['train', '--preset', 'tiny', '--method', method, ...(idaaOn ? [] : ['--no-idaa']), '--train-limit', '32', '--vae-epochs', '1', '--epochs', '1', '--run-dir', dir, '--json'], work, { IDAA_WASM_THREADS: '1' });
      assert.equal(r.code, 0, `${method} ${idaaOn}: ${r.stderr}`);
      const steps = r.lines.filter((l) => l.type === 'step' && l.phase === 'ssl') as Array<{ terms: Record<string, number>; loss: number }>;
      assert.ok(steps.length > 0 && steps.every((s) => Number.isFinite(s.loss)), `${method}: SSL steps`);
      assert.equal(steps.every((s) => s.terms.adversarial !== undefined), idaaOn, `${method}: the adversarial term exactly with IDAA`);
      assert.equal(JSON.parse(readFileSync(join(work, dir, 'config.json'), 'utf8')).ssl.method, method);
    }
  }
  const bad = idaa(['train', '--method', 'swav', '--preset', 'tiny']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--method is "swav"; allowed: simclr \| simsiam \| byol \| mocov2/);
});
