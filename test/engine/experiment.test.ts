import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { experimentCells, loadExperimentSpec } from '../../src/engine/experiment/spec';
import { meanStd, verdict } from '../../src/engine/experiment/report';
import { decodePng } from '../../src/engine/inspect/png';
import { idaaProcess, idaaSync } from './cliRun';

const tinySpec = {
  name: 'tiny',
  preset: 'tiny',
  datasets: ['mnist', 'fashion-mnist'],
  methods: ['simclr', 'simclr+idaa'],
  seeds: [0, 1],
  overrides: { data: { imageSize: 8, trainLimit: 48, testLimit: 24 }, vae: { width: 4, latentDim: 4, epochs: 1 }, ssl: { epochs: 2 }, eval: { knnK: 5, probeEpochs: 2 } },
  transfer: [{ vaeFrom: 'mnist', sslOn: 'fashion-mnist' }],
  parallel: 2,
};

test('the grid: VAE cells first, one SSL cell per dataset × method × seed, transfer cells use the other dataset’s VAE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idaa-spec-'));
  const file = join(dir, 'tiny.json');
  writeFileSync(file, JSON.stringify(tinySpec));
  const cells = experimentCells(loadExperimentSpec(file));
  assert.deepEqual(cells.filter((c) => c.kind === 'vae').map((c) => c.id).sort(), ['vae-fashion-mnist-s0', 'vae-fashion-mnist-s1', 'vae-mnist-s0', 'vae-mnist-s1']);
  assert.equal(cells.filter((c) => c.kind === 'ssl').length, 2 * 2 * 2 + 2);
  const t = cells.find((c) => c.id === 'transfer-mnist-to-fashion-mnist-s1')!;
  assert.equal(t.vaeCell, 'vae-mnist-s1');
  assert.equal(t.config.data.dataset, 'fashion-mnist');
  assert.equal(t.config.seed, 1);
  assert.equal(cells.find((c) => c.id === 'simclr-mnist-s0')!.config.idaa.enabled, false);
  writeFileSync(file, JSON.stringify({ ...tinySpec, overrides: { idaa: { eps: -2 } } }));
  assert.throws(() => loadExperimentSpec(file), /tiny\.json:1:\d+: config field "overrides\.idaa\.eps" is -2; allowed: a number, ≥ 0/);
});

test('mean ± std and the verdict: a gap within the spread across seeds is no difference', () => {
  const a = meanStd([0.8, 0.82, 0.84]);
  assert.ok(Math.abs(a.mean - 0.82) < 1e-12 && Math.abs(a.std - 0.02) < 1e-12);
  assert.match(verdict(a, meanStd([0.81, 0.83, 0.79])), /^no difference/);
  assert.match(verdict(meanStd([0.9, 0.91, 0.92]), a), /^higher by 9\.00 points/);
});

test('idaa experiment runs the grid in parallel processes, resumes after being stopped, and writes the report', { timeout: 600_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'idaa-exp-'));
  writeFileSync(join(work, 'tiny.json'), JSON.stringify(tinySpec));
  // Stop the experiment (SIGTERM) once some cells are done; the running cells stop with a checkpoint.
  const p = idaaProcess(['experiment', 'tiny.json', '--out', 'res'], work);
  const root = join(work, 'res', 'tiny');
  // One signal only: a second one could arrive after the runner has removed its handlers and kill it outright.
  const poll = setInterval(() => {
    if (!existsSync(join(root, 'runs', 'simclr-mnist-s0', 'result.json'))) return;
    clearInterval(poll);
    p.child.kill('SIGTERM');
  }, 50);
  const first = await p.done;
  clearInterval(poll);
  assert.equal(first.code, 1, first.stderr);
  assert.match(first.stderr, /stopped; run the same command again to continue/);
  const doneBefore = statSync(join(root, 'runs', 'simclr-mnist-s0', 'result.json')).mtimeMs;

  const again = idaaSync(['experiment', 'tiny.json', '--out', 'res', '--json'], work);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(statSync(join(root, 'runs', 'simclr-mnist-s0', 'result.json')).mtimeMs, doneBefore, 'finished cells are not run again');
  const results = JSON.parse(readFileSync(join(root, 'results.json'), 'utf8'));
  assert.equal(results.cells.filter((c: { kind: string }) => c.kind === 'ssl').length, 10);
  for (const c of results.cells.filter((x: { kind: string }) => x.kind === 'ssl')) {
    assert.ok(c.knnFinal >= 0 && c.knnFinal <= 1 && c.probeFinal >= 0 && c.probeFinal <= 1, c.id);
    assert.equal(c.knnPerEpoch.length, 2, 'kNN after every epoch');
    assert.ok(c.trainSeconds > 0 && c.imagesPerSec > 0);
  }
  const report = readFileSync(join(root, 'REPORT.md'), 'utf8');
  assert.match(report, /\| mnist \| simclr \| 2 \| \d+\.\d\d ± \d+\.\d\d \|/);
  assert.match(report, /\| fashion-mnist \| simclr\+idaa \(VAE from mnist\) \| 2 \|/);
  assert.match(report, /## Verdict/);
  const plot = decodePng(readFileSync(join(root, 'knn-vs-epoch-mnist.png')));
  assert.ok(plot.width > 300 && plot.height > 200);
  assert.ok(existsSync(join(root, 'sheets', 'simclr-idaa-mnist-s0.png')));
});
