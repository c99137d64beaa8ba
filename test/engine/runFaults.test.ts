/**
 * The run-folder fault suite: the reliability issue's cases as CLI processes on the tiny preset.
 * Each asserts what a user sees (exit code, message) and what the folder holds afterwards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readManifest } from '../../src/common/runs/manifest';
import { readMetrics } from '../../src/common/runs/metricsLog';
import { readRunStatus } from '../../src/common/runs/state';
import { idaaProcess, idaaSync } from './cliRun';
import { syntheticDataset, writePngFolder } from './helpers';

const ENV = { IDAA_WASM_THREADS: '1' };
const LONG = { preset: 'tiny', data: { trainLimit: 128 }, vae: { epochs: 2 }, ssl: { epochs: 3 }, checkpoint: { everySteps: 5, keepLast: 2 } };
const NO_STACK = /^\s+at .+\(.*:\d+:\d+\)$/m;

function workDir(config: object = LONG): string {
  const work = mkdtempSync(join(tmpdir(), 'idaa-faults-'));
  writeFileSync(join(work, 'long.json'), JSON.stringify(config));
  return work;
}

const stepsOf = (runDir: string) => readMetrics(runDir).filter((m) => m.kind === 'step').map((m) => m.step);
const oneToN = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

function trainFully(work: string, run = 'R'): number {
  const r = idaaSync(['train', '--config', 'long.json', '--run-dir', run], work, ENV);
  assert.equal(r.code, 0, r.stderr);
  return Math.max(...stepsOf(join(work, run)));
}

/** Starts a training and SIGKILLs it once the log has `steps` step lines, or `when` holds (no timing: it polls the folder). */
async function killAfter(args: string[], work: string, runDir: string, steps: number, when: () => boolean = () => true): Promise<void> {
  const p = idaaProcess(args, work, ENV);
  const poll = setInterval(() => {
    if (existsSync(join(runDir, 'metrics.jsonl')) && stepsOf(runDir).length >= steps && when()) {
      clearInterval(poll);
      p.child.kill('SIGKILL');
    }
  }, 20);
  const r = await p.done;
  clearInterval(poll);
  assert.equal(r.signal, 'SIGKILL', `the process was to be killed; it ended with ${r.code}: ${r.stderr}`);
}

test('resume from an older checkpoint starts a branch: later checkpoints are kept as superseded, never pruned or resumed, and every step is logged once', { timeout: 300_000 }, async () => {
  const work = workDir();
  const R = join(work, 'R');
  const total = trainFully(work);
  const before = readManifest(R).checkpoints.map((c) => c.file);
  const config = JSON.parse(readFileSync(join(R, 'config.json'), 'utf8'));
  config.ssl.lr = 1e-3;
  writeFileSync(join(R, 'config.json'), JSON.stringify(config));
  // Killed in the middle of the new branch: retention must not have touched the new branch's checkpoints.
  const branched = () => {
    try {
      return readManifest(R).checkpoints.some((c) => c.phase === 'ssl' && c.kind === 'periodic') && (readManifest(R).superseded?.length ?? 0) > 0;
    } catch {
      return false;
    }
  };
  await killAfter(['resume', R, '--force', '--from', join(R, 'checkpoints', 'vae-final.ckpt')], work, R, 16 + 8, branched);
  const m = readManifest(R);
  assert.deepEqual(m.superseded?.map((e) => e.file).sort(), before.filter((f) => f !== 'vae-final.ckpt').sort());
  for (const e of m.superseded ?? []) assert.ok(existsSync(join(R, 'checkpoints', e.dir, e.file)), `${e.file} is kept in ${e.dir}`);
  assert.ok(m.checkpoints.every((c) => c.file === 'vae-final.ckpt' || c.step > 16), 'the live timeline holds only the new branch after the VAE');
  assert.ok(m.checkpoints.some((c) => c.phase === 'ssl'), 'the new branch kept its periodic checkpoints');
  const resumed = idaaSync(['resume', R], work, ENV);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.doesNotMatch(resumed.stderr, /already complete/);
  assert.deepEqual(stepsOf(R), oneToN(total), 'every step exactly once in the live log');
  assert.equal(readRunStatus(R).state, 'completed');
  const discarded = readFileSync(join(R, 'metrics.discarded.jsonl'), 'utf8').trim().split('\n').length;
  assert.ok(discarded >= total - 16, 'the old branch’s lines are kept aside');

  // From a periodic checkpoint in the middle of the SSL phase.
  const mid = readManifest(R).checkpoints.find((c) => c.kind === 'periodic' && c.phase === 'ssl')!;
  const again = idaaSync(['resume', R, '--from', join(R, 'checkpoints', mid.file)], work, ENV);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, new RegExp(`new branch from step ${mid.step}`));
  assert.deepEqual(stepsOf(R), oneToN(total));
  assert.ok(readManifest(R).checkpoints.every((c) => c.step <= total));
});

test('one owner per run folder: two resumes started at the same instant, a train into a live folder, and a stale lock', { timeout: 300_000 }, async () => {
  const work = workDir();
  const R = join(work, 'R');
  await killAfter(['train', '--config', 'long.json', '--run-dir', 'R'], work, R, 20);
  assert.ok(existsSync(join(R, '.lock')), 'a killed owner leaves its lock behind');
  const a = idaaProcess(['resume', R], work, ENV);
  const b = idaaProcess(['resume', R], work, ENV);
  const [ra, rb] = await Promise.all([a.done, b.done]);
  const codes = [ra.code, rb.code].sort();
  assert.deepEqual(codes, [0, 1], `${ra.stderr}\n---\n${rb.stderr}`);
  const loser = ra.code === 1 ? ra : rb;
  const winner = ra.code === 0 ? a : b;
  assert.match(loser.stderr, new RegExp(`R is in use by process ${winner.child.pid} \\(cli\\.js resume `));
  assert.doesNotMatch(loser.stderr, NO_STACK);
  const winnerOut = ra.code === 0 ? ra : rb;
  assert.match(winnerOut.stderr, /took over the lock of .* left by process \d+ \(cli\.js train/);
  const steps = stepsOf(R);
  assert.deepEqual(steps, oneToN(steps.length), 'no step trained twice');
  assert.ok(!existsSync(join(R, '.lock')), 'a finished owner removes its lock');

  // `train --run-dir` into a folder that is training: refused before anything is written.
  const T = join(work, 'T');
  const live = idaaProcess(['train', '--config', 'long.json', '--run-dir', 'T'], work, ENV);
  while (!(existsSync(join(T, 'metrics.jsonl')) && stepsOf(T).length >= 3)) await new Promise((r) => setTimeout(r, 20));
  const intruder = idaaSync(['train', '--config', 'long.json', '--run-dir', 'T'], work, ENV);
  assert.equal(intruder.code, 1);
  assert.match(intruder.stderr, new RegExp(`T is in use by process ${live.child.pid}`));
  live.child.kill('SIGTERM');
  await live.done;
  assert.ok(!existsSync(join(T, 'metrics.discarded.jsonl')), 'the live run’s lines were not moved');
  assert.deepEqual(stepsOf(T), oneToN(stepsOf(T).length));
});

test('a VAE-only run resumes as a VAE-only run, and a completed one has nothing to resume', { timeout: 300_000 }, async () => {
  const work = workDir();
  const V = join(work, 'V');
  await killAfter(['vae', '--config', 'long.json', '--run-dir', 'V'], work, V, 8);
  const r = idaaSync(['resume', V], work, ENV);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(readMetrics(V).every((m) => m.phase === 'vae'), 'no SSL step');
  assert.deepEqual(readManifest(V).checkpoints.at(-1)?.file, 'vae-final.ckpt');
  const again = idaaSync(['resume', V], work, ENV);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already complete \(a VAE-only run/);
});

test('settings edited before a resume (checkpoint interval, retention) are applied and said', { timeout: 300_000 }, async () => {
  const work = workDir();
  const R = join(work, 'R');
  await killAfter(['train', '--config', 'long.json', '--run-dir', 'R'], work, R, 24);
  const config = JSON.parse(readFileSync(join(R, 'config.json'), 'utf8'));
  config.checkpoint.everySteps = 7;
  config.checkpoint.keepLast = 1;
  writeFileSync(join(R, 'config.json'), JSON.stringify(config));
  const r = idaaSync(['resume', R], work, ENV);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /applying settings edited in config\.json: checkpoint\.everySteps: 5 → 7; checkpoint\.keepLast: 2 → 1/);
  const periodic = readManifest(R).checkpoints.filter((c) => c.kind === 'periodic');
  assert.ok(periodic.length <= 2, 'keepLast 1 (plus the best by kNN)');
  assert.ok(periodic.some((c) => c.step % 7 === 0), `a checkpoint at a multiple of 7: ${periodic.map((c) => c.step)}`);
});

test('a damaged state.json never blocks; a damaged manifest is rebuilt from the checkpoint files; orphaned temporary files are removed', { timeout: 300_000 }, async () => {
  const work = workDir();
  const R = join(work, 'R');
  await killAfter(['train', '--config', 'long.json', '--run-dir', 'R'], work, R, 24);
  const listed = readManifest(R).checkpoints.map((c) => c.file);
  writeFileSync(join(R, 'state.json'), '');
  writeFileSync(join(R, 'checkpoints', 'manifest.json'), '{"version": 1, "checkpoints": [{"file": "../../etc/passwd"');
  writeFileSync(join(R, 'checkpoints', 'ssl-s000099.ckpt.tmp-999999'), Buffer.alloc(4096));
  writeFileSync(join(R, 'metrics.jsonl.tmp-999998'), 'x');
  const runs = idaaSync(['runs', '--root', work], work, ENV);
  assert.equal(runs.code, 0, runs.stderr);
  const r = idaaSync(['resume', R], work, ENV);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /state\.json is unreadable .*only a cache/);
  assert.match(r.stderr, /damaged checkpoint manifest|unreadable checkpoint manifest/);
  assert.match(r.stderr, /rebuilt it from the \d+ checkpoint file\(s\) found; the damaged copy is .*manifest\.damaged-/);
  assert.match(r.stderr, /removed 2 unfinished temporary file\(s\) of killed writers/);
  assert.ok(readdirSync(join(R, 'checkpoints')).some((f) => f.startsWith('manifest.damaged-')));
  assert.ok(!readdirSync(join(R, 'checkpoints')).some((f) => f.includes('.tmp-')));
  const after = readManifest(R).checkpoints.map((c) => c.file);
  for (const f of listed) assert.ok(after.includes(f) || !existsSync(join(R, 'checkpoints', f)), `${f} is listed again`);
  assert.equal(readRunStatus(R).state, 'completed');
  assert.deepEqual(stepsOf(R), oneToN(stepsOf(R).length));
});

test('what can be checked before the first step is: a VAE that never trained, a batch larger than the data, a single class, hostile config keys', { timeout: 300_000 }, async () => {
  const work = workDir({ ...LONG, vae: { epochs: 0 }, ssl: { epochs: 1 }, idaa: { enabled: false } });
  const simclr = idaaSync(['train', '--config', 'long.json', '--run-dir', 'S'], work, ENV);
  assert.equal(simclr.code, 0, simclr.stderr);
  const withVae = idaaSync(['train', '--preset', 'tiny', '--train-limit', '64', '--vae', join(work, 'S', 'checkpoints', 'ssl-final.ckpt'), '--run-dir', 'I'], work, ENV);
  assert.equal(withVae.code, 1);
  assert.match(withVae.stderr, /ssl-final\.ckpt: its VAE was never trained \(the run was plain SimCLR, without IDAA\)/);
  assert.ok(!existsSync(join(work, 'I', 'metrics.jsonl')), 'nothing trained');

  const big = idaaSync(['train', '--preset', 'tiny', '--train-limit', '8', '--run-dir', 'B'], work, ENV);
  assert.equal(big.code, 1);
  assert.match(big.stderr, /cannot train this run:\n {2}the training split has 8 images, fewer than one VAE batch/);
  assert.doesNotMatch(big.stderr, NO_STACK);
  assert.notEqual(readRunStatus(join(work, 'B')).state, 'completed');

  writePngFolder(join(work, 'one'), syntheticDataset({ train: 40, test: 10, size: 8, classes: 1 }));
  const single = idaaSync(['train', '--preset', 'tiny', '--dataset', 'folder', '--data-path', join(work, 'one'), '--run-dir', 'O'], work, ENV);
  assert.equal(single.code, 1);
  assert.match(single.stderr, /holds 1 class: the kNN monitor and the linear probe need at least two/);

  writeFileSync(join(work, 'proto.json'), '{"preset": "tiny", "__proto__": {"checkpoint": "/x.ckpt"}, "constructor": 1}');
  const proto = idaaSync(['train', '--config', 'proto.json', '--run-dir', 'P'], work, ENV);
  assert.equal(proto.code, 1);
  assert.match(proto.stderr, /proto\.json: 2 config errors:\n {2}.*proto\.json:1:20: config field "__proto__" .*no such field/);
  assert.ok(!existsSync(join(work, 'P')), 'nothing written');
});
