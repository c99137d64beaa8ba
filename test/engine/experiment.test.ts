import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { experimentCells, loadExperimentSpec } from '../../src/engine/experiment/spec';
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

/** One dataset, one method, every row kind, 2 seeds (a CI needs 2), and a transfer row. */
const rowsSpec = {
  name: 'rows',
  preset: 'tiny',
  datasets: ['mnist'],
  methods: ['raw-pixels', 'random-encoder', 'simclr', 'simclr+idaa', 'simclr+idaa-eps0', 'simclr+clae'],
  seeds: [0, 1],
  overrides: { data: { imageSize: 8, trainLimit: 48, testLimit: 24 }, vae: { width: 4, latentDim: 4, epochs: 1 }, ssl: { epochs: 2 }, eval: { knnK: 5, probeEpochs: 40, probeLr: 0.01, probeStandardize: true, probePatience: 5 } },
  transfer: [{ vaeFrom: 'fashion-mnist', sslOn: 'mnist' }],
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

test('every row kind: calibration cells without training, ε = 0 and CLAE cells without a VAE, CLAE at ε 0.03 in pixel space', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idaa-spec-'));
  const file = join(dir, 'rows.json');
  writeFileSync(file, JSON.stringify(rowsSpec));
  const cells = experimentCells(loadExperimentSpec(file));
  const byId = (id: string) => cells.find((c) => c.id === id)!;
  assert.deepEqual(cells.filter((c) => c.kind === 'calibration').map((c) => c.id).sort(), ['random-encoder-mnist-s0', 'random-encoder-mnist-s1', 'raw-pixels-mnist-s0', 'raw-pixels-mnist-s1']);
  assert.equal(byId('raw-pixels-mnist-s0').vaeCell, undefined);
  const clae = byId('simclr-clae-mnist-s1').config.idaa;
  assert.deepEqual([clae.enabled, clae.adversary, clae.eps], [true, 'pixel', 0.03]);
  const eps0 = byId('simclr-idaa-eps0-mnist-s0');
  assert.deepEqual([eps0.config.idaa.enabled, eps0.config.idaa.adversary, eps0.config.idaa.eps], [true, 'latent', 0]);
  assert.equal(eps0.vaeCell, undefined, 'the extra view alone needs no VAE');
  assert.equal(byId('simclr-clae-mnist-s0').vaeCell, undefined);
  assert.equal(byId('simclr-idaa-mnist-s0').vaeCell, 'vae-mnist-s0');
  assert.equal(byId('simclr-idaa-mnist-s0').config.idaa.eps, 0.1);
  assert.equal(byId('transfer-fashion-mnist-to-mnist-s1').vaeCell, 'vae-fashion-mnist-s1');
  // Stages: VAE cells, then the quick calibration rows, then the trained rows.
  const kinds = cells.map((c) => c.kind);
  assert.deepEqual([...new Set(kinds)], ['vae', 'calibration', 'ssl']);
  writeFileSync(file, JSON.stringify({ ...rowsSpec, claeEps: 0.01, methods: ['byol+clae', 'simclr'], methodOverrides: { byol: { ssl: { epochs: 5 } } } }));
  const over = experimentCells(loadExperimentSpec(file));
  assert.equal(over.find((c) => c.id === 'byol-clae-mnist-s0')!.config.idaa.eps, 0.01);
  assert.deepEqual([over.find((c) => c.id === 'byol-clae-mnist-s0')!.config.ssl.epochs, over.find((c) => c.id === 'simclr-mnist-s0')!.config.ssl.epochs], [5, 2], 'method overrides reach only their method');
  writeFileSync(file, JSON.stringify({ ...rowsSpec, methods: ['simclr+pgd'] }));
  assert.throws(() => loadExperimentSpec(file), /methods\[0\]" is "simclr\+pgd"; allowed: one of "raw-pixels", "random-encoder", "simclr", "simclr\+idaa", "simclr\+idaa-eps0", "simclr\+clae"/);
});

test('the shipped specs validate; quick has every row kind and method, default at least 5 seeds', () => {
  const specs = Object.fromEntries(['quick', 'default', 'full'].map((n) => [n, loadExperimentSpec(join(__dirname, '..', '..', 'experiments', `${n}.json`))]));
  for (const [name, spec] of Object.entries(specs)) {
    const cells = experimentCells(spec);
    assert.ok(cells.length > 0, name);
    for (const m of ['raw-pixels', 'random-encoder', ...['simclr', 'simsiam', 'byol', 'mocov2'].flatMap((x) => [x, `${x}+idaa`, `${x}+idaa-eps0`, `${x}+clae`])]) {
      assert.ok(spec.methods.includes(m as never), `${name} lacks ${m}`);
    }
    assert.ok((spec.transfer ?? []).length > 0, `${name} has a transfer row`);
  }
  assert.ok(specs.default.seeds.length >= 5 && specs.full.seeds.length >= 5);
  assert.equal(specs.quick.preset, 'tiny');
  assert.equal(specs.full.preset, 'reference');
  // The budget study: the default's data, seeds and settings, the SSL epochs tripled, the plain rows only.
  const budget = loadExperimentSpec(join(__dirname, '..', '..', 'experiments', 'budget.json'));
  assert.deepEqual(budget.seeds, specs.default.seeds);
  assert.deepEqual({ ...budget.overrides, ssl: undefined }, { ...specs.default.overrides, ssl: undefined });
  assert.equal(budget.overrides?.ssl?.epochs, 3 * specs.default.overrides!.ssl!.epochs!);
  assert.ok(['random-encoder', 'simclr', 'simsiam', 'byol'].every((m) => budget.methods.includes(m as never)));
  // The warm-up study: the same data, seeds and evaluation; SimSiam and BYOL warm up linearly (their
  // default), over 3 of 24 epochs, with batches of 32.
  const warmup = loadExperimentSpec(join(__dirname, '..', '..', 'experiments', 'warmup.json'));
  assert.deepEqual(warmup.seeds, specs.default.seeds);
  assert.deepEqual({ ...warmup.overrides, ssl: undefined }, { ...specs.default.overrides, ssl: undefined });
  const warm = experimentCells(warmup).filter((c) => c.kind === 'ssl');
  assert.deepEqual([...new Set(warm.map((c) => c.method))], ['simsiam', 'simsiam+idaa', 'byol', 'byol+idaa']);
  for (const c of warm) assert.deepEqual([c.config.ssl.warmup, c.config.ssl.warmupEpochs, c.config.ssl.epochs, c.config.ssl.batchSize], ['linear', 3, 24, 32], c.id);
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
  assert.match(report, /## mnist\n\n\| row \| n \|[^]*\| simclr \| 2 \| \d+\.\d\d ± \d+\.\d\d \|/);
  assert.match(report, /\| simclr \+ IDAA \(VAE from mnist\) \| 2 \|/);
  assert.match(report, /## Verdict/);
  const plot = decodePng(readFileSync(join(root, 'knn-vs-epoch-mnist-simclr.png')));
  assert.ok(plot.width > 300 && plot.height > 200);
  assert.ok(existsSync(join(root, 'sheets', 'simclr-idaa-mnist-s0.png')));
});

test('a run with every row kind: the report has each row with numbers, the calibration checks and paired 95% CIs', { timeout: 600_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'idaa-rows-'));
  writeFileSync(join(work, 'rows.json'), JSON.stringify(rowsSpec));
  const r = idaaSync(['experiment', 'rows.json', '--out', 'res', '--json'], work);
  assert.equal(r.code, 0, r.stderr);
  const root = join(work, 'res', 'rows');
  const results = JSON.parse(readFileSync(join(root, 'results.json'), 'utf8'));
  const calib = results.cells.filter((c: { kind: string }) => c.kind === 'calibration');
  assert.equal(calib.length, 4);
  for (const c of calib) assert.ok(c.knnFinal >= 0 && c.probeTrain >= 0 && c.steps === 0 && c.checkpoint === undefined, c.id);
  for (const c of results.cells.filter((x: { kind: string }) => x.kind === 'ssl')) {
    assert.equal(c.secondsAtEpoch.length, 2, `${c.id}: seconds after every epoch`);
    assert.ok(c.secondsAtEpoch[1] > c.secondsAtEpoch[0] && c.probeEpochs >= 1 && c.probeEpochs <= 40, c.id);
  }
  // The VAE was trained only where a latent attack needs it (and for the sheets of plain rows).
  assert.deepEqual(readdirSync(join(root, 'vae')).sort(), ['vae-fashion-mnist-s0', 'vae-fashion-mnist-s1', 'vae-mnist-s0', 'vae-mnist-s1']);
  const report = readFileSync(join(root, 'REPORT.md'), 'utf8');
  const num = String.raw`\d+\.\d\d ± \d+\.\d\d`;
  for (const row of ['raw pixels', 'random encoder', 'simclr', 'simclr \\+ IDAA', 'simclr \\+ IDAA ε=0', 'simclr \\+ CLAE', 'simclr \\+ IDAA \\(VAE from fashion-mnist\\)']) {
    assert.match(report, new RegExp(`\\| ${row} \\| 2 \\| ${num} \\| ${num} \\| ${num} \\|`), `row ${row}`);
  }
  const ci = String.raw`[+-]\d+\.\d\d \[[+-]\d+\.\d\d, [+-]\d+\.\d\d\] \*\*(higher|lower|no difference)\*\*`;
  for (const q of ['IDAA vs simclr alone', 'extra view only \\(ε = 0\\) vs simclr alone', 'the latent attack itself', 'CLAE vs simclr alone', 'latent vs pixel attack', 'VAE from fashion-mnist vs the dataset']) {
    assert.match(report, new RegExp(`\\| ${q}[^|]* \\| ${ci} \\| ${ci} \\|`), `comparison ${q}`);
  }
  assert.match(report, new RegExp(`\\| simclr \\+ CLAE \\| ${ci} \\| ${ci} \\| ${ci} \\| ${ci} \\|`), 'calibration check of a row');
  assert.match(report, /no difference.* whenever the interval contains 0/);
  // 4 calibration + 10 trained probes; those not stopped by the rule are counted, and only when there are some.
  const probeLine = report.match(/(\d+) of (\d+) probes stopped by the rule(, the other (\d+) at the budget)?\./);
  assert.ok(probeLine, 'probe stop count');
  assert.equal(Number(probeLine[2]), 14);
  assert.equal(probeLine[3] === undefined, probeLine[1] === probeLine[2]);
  if (probeLine[4]) assert.equal(Number(probeLine[4]), 14 - Number(probeLine[1]));
  assert.equal(results.comparisons.length, 6);
  for (const f of ['knn-vs-epoch-mnist-simclr.png', 'knn-vs-seconds-mnist-simclr.png']) {
    const png = decodePng(readFileSync(join(root, f)));
    assert.ok(png.width > 300 && png.height > 200, f);
  }

  // The spec changed after its cells finished: refused before anything runs, every stale folder named, nothing touched.
  const doneAt = statSync(join(root, 'runs', 'simclr-mnist-s0', 'result.json')).mtimeMs;
  const changed = { ...rowsSpec, overrides: { ...rowsSpec.overrides, ssl: { epochs: 3 }, eval: { ...rowsSpec.overrides.eval, knnK: 7 } } };
  writeFileSync(join(work, 'rows.json'), JSON.stringify(changed));
  const stale = idaaSync(['experiment', 'rows.json', '--out', 'res'], work);
  assert.notEqual(stale.code, 0);
  assert.match(stale.stderr, /runs\/simclr-mnist-s0: [^\n]*ssl\.epochs: 2 → 3/);
  assert.match(stale.stderr, /runs\/raw-pixels-mnist-s1: [^\n]*eval\.knnK: 5 → 7/, 'calibration cells keep their config too');
  assert.match(stale.stderr, /Delete those folders/);
  assert.doesNotMatch(stale.stderr, /vae-mnist-s0/, 'the VAE cells did not change');
  assert.equal(statSync(join(root, 'runs', 'simclr-mnist-s0', 'result.json')).mtimeMs, doneAt);
  // Back to the spec the cells ran with: they are reused.
  writeFileSync(join(work, 'rows.json'), JSON.stringify(rowsSpec));
  assert.equal(idaaSync(['experiment', 'rows.json', '--out', 'res'], work).code, 0);
  assert.equal(statSync(join(root, 'runs', 'simclr-mnist-s0', 'result.json')).mtimeMs, doneAt);
});
