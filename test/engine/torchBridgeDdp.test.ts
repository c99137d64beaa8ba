/**
 * The path past one machine, for real, on this one: a VAE trained here → `idaa export` → SimCLR +
 * IDAA under torch.distributed (DDP, gloo, 2 processes started by torchrun, loopback only) → the
 * final bundle → `idaa import` → `idaa inspect`. Checks that the ranks hold the same weights after
 * every step (a digest of the parameters), that they trained on different shards (their local
 * losses differ) and that the loss averaged over the ranks goes down. Deterministic: fixed seeds,
 * one thread per rank, the gloo all-reduce of two ranks.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CLI, idaaSync } from './cliRun';
import { syntheticDataset, writePngFolder } from './helpers';

const PY = '/usr/bin/python3';
const PYDIR = resolve(__dirname, '..', '..', 'python');
const STEPS = 10;
let work = '';

function requireTorch(): void {
  const r = spawnSync(PY, ['-c', 'import torch, torch.distributed as d; assert d.is_gloo_available(); print(torch.__version__)'], { encoding: 'utf8' });
  if (r.status !== 0) assert.fail(`${PY} cannot import torch with gloo: run \`apt-get install -y python3-torch\` (Debian's PyTorch; .ci/run installs it)\n${r.stderr ?? r.error}`);
}

/** A port free on 127.0.0.1 now (the rendezvous binds it a moment later). */
function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

interface StepLine {
  step: number;
  rank: number;
  world: number;
  loss: number;
  lossMean: number;
  paramDigest: string;
}

before(() => {
  requireTorch();
  assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build`);
  work = mkdtempSync(join(tmpdir(), 'idaa-ddp-'));
  const bars = join(work, 'bars');
  writePngFolder(bars, syntheticDataset({ train: 80, test: 0, size: 16, classes: 4, channels: 3 }));
  writeFileSync(join(work, 'run.json'), JSON.stringify({ preset: 'tiny', data: { dataset: 'folder', path: bars, imageSize: 16 }, vae: { epochs: 1 }, ssl: { epochs: 1 }, eval: { knnK: 5 } }));
});

test('SimCLR + IDAA with the exported VAE under DDP (2 ranks, gloo): ranks in sync, the loss goes down, the result imports back', async (t) => {
  const vae = idaaSync(['vae', '--config', 'run.json', '--run-dir', 'runs/vae', '--json'], work);
  assert.equal(vae.code, 0, vae.stderr);
  const ex = idaaSync(['export', '--checkpoint', 'runs/vae/checkpoints/vae-final.ckpt', '--out', 'exported', '--json'], work);
  assert.equal(ex.code, 0, ex.stderr);
  assert.equal(JSON.parse(readFileSync(join(work, 'exported/idaa-torch.json'), 'utf8')).encoder, null, 'a VAE-only checkpoint exports the VAE alone');

  const port = await freePort();
  const args = ['-m', 'idaa_torch.torchrun', '--nproc_per_node', '2', '--master_addr', '127.0.0.1', '--master_port', String(port), join(PYDIR, 'examples', 'ddp_simclr_idaa.py')];
  const script = ['--bundle', 'exported', '--data', 'synthetic', '--steps', String(STEPS), '--batch-size', '16', '--width-multiplier', '0.0625', '--projection-dim', '16', '--crop-scale', '0.6', '1', '--jitter', '0.2', '--lr', '1e-3', '--timeout', '120', '--out', 'ddp'];
  const env = { ...process.env, PYTHONPATH: PYDIR, PYTHONDONTWRITEBYTECODE: '1', OMP_NUM_THREADS: '1', GLOO_SOCKET_IFNAME: 'lo' };
  // The timeout only guards a hung rendezvous; the run stops by itself after STEPS steps.
  const run = spawnSync(PY, [...args, ...script], { cwd: work, encoding: 'utf8', env, timeout: 300_000 });
  assert.equal(run.status, 0, `torchrun failed:\n${run.stdout}\n${run.stderr}`);

  const lines = [0, 1].map((r) => readFileSync(join(work, `ddp/rank${r}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as StepLine));
  assert.deepEqual(lines.map((l) => l.length), [STEPS, STEPS]);
  for (let i = 0; i < STEPS; i++) {
    const [a, b] = [lines[0][i], lines[1][i]];
    assert.deepEqual([a.rank, b.rank, a.world, b.world, a.step, b.step], [0, 1, 2, 2, i + 1, i + 1]);
    assert.equal(a.paramDigest, b.paramDigest, `step ${i + 1}: the ranks' parameters differ`);
    assert.equal(a.lossMean, b.lossMean, `step ${i + 1}: the all-reduced loss differs`);
  }
  assert.ok(lines[0].some((l, i) => l.loss !== lines[1][i].loss), 'the ranks trained on the same data (their local losses never differ)');
  assert.notEqual(lines[0][0].paramDigest, lines[0][STEPS - 1].paramDigest, 'the weights did not move');
  const mean = lines[0].map((l) => l.lossMean);
  const head = (mean[0] + mean[1] + mean[2]) / 3;
  const tail = (mean[STEPS - 3] + mean[STEPS - 2] + mean[STEPS - 1]) / 3;
  t.diagnostic(`loss (mean over ranks) ${mean.map((v) => v.toFixed(4)).join(' → ')}`);
  assert.ok(mean[STEPS - 1] < mean[0] && tail < head, `the loss did not go down: ${mean.join(', ')}`);

  // Back into IDAA Studio: the DDP run's final bundle carries the exporting run's config (its dataset).
  const imp = idaaSync(['import', 'ddp/final', '--run-dir', 'runs/from-ddp', '--json'], work);
  assert.equal(imp.code, 0, imp.stderr);
  const ckpt = String(imp.lines.find((l) => l.type === 'result')!.checkpoint);
  const ins = idaaSync(['inspect', '--checkpoint', ckpt, '--indices', '0,1', '--json'], work);
  assert.equal(ins.code, 0, ins.stderr);
  const samples = ins.lines.find((l) => l.type === 'result')!.samples as Array<{ latentLinf: number }>;
  assert.ok(samples.every((s) => Math.abs(s.latentLinf - 0.1) < 1e-6), 'the inspector attacks the imported model with the bundle\'s ε');
});
