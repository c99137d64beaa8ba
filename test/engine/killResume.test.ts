import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCheckpointFile } from '../../src/engine/checkpoint/format';
import { checkpointPath, latestCheckpoint, readManifest } from '../../src/common/runs/manifest';
import { MetricLine, readMetrics } from '../../src/common/runs/metricsLog';
import { readRunStatus } from '../../src/common/runs/state';
import { Rng } from '../../src/engine/rng';
import { CLI, idaaProcess, idaaSync } from './cliRun';
import { syntheticDataset, writePngFolder } from './helpers';

const stepsOf = (m: MetricLine[]) => m.filter((r) => r.kind === 'step');

/** Every listed checkpoint loads, and the log holds steps 1..S exactly once up to the last checkpoint S. */
function checkInvariants(runDir: string): { lastCheckpointStep: number; maxLoggedStep: number } {
  for (const c of readManifest(runDir).checkpoints) assert.doesNotThrow(() => readCheckpointFile(checkpointPath(runDir, c)), `${c.file} is listed as complete and must load`);
  const last = latestCheckpoint(runDir)?.step ?? 0;
  const steps = stepsOf(readMetrics(runDir)).map((r) => r.step);
  const upTo = steps.filter((s) => s <= last);
  assert.deepEqual(upTo, Array.from({ length: last }, (_, i) => i + 1), 'no step duplicated or lost before the last checkpoint');
  return { lastCheckpointStep: last, maxLoggedStep: steps.length ? Math.max(...steps) : 0 };
}

test('SIGKILL at random moments and during checkpoint writes, resume each time: the run completes as if never killed', { timeout: 600_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'idaa-kill-'));
  writePngFolder(join(work, 'data'), syntheticDataset({ train: 110, test: 0, size: 8, classes: 4 }));
  writeFileSync(
    join(work, 'run.json'),
    JSON.stringify({
      preset: 'tiny',
      data: { dataset: 'folder', path: join(work, 'data'), imageSize: 8 },
      vae: { epochs: 4, width: 4, latentDim: 4, batchSize: 16 },
      ssl: { epochs: 4, batchSize: 16 },
      eval: { knnK: 4 },
      checkpoint: { everySteps: 2, keepLast: 2 },
    }),
  );
  assert.ok(existsSync(CLI));
  const ref = idaaSync(['train', '--config', 'run.json', '--run-dir', 'ref', '--json'], work);
  assert.equal(ref.code, 0, ref.stderr);
  const refSteps = stepsOf(readMetrics(join(work, 'ref')));

  const runDir = join(work, 'killed');
  const rng = new Rng(2022);
  // The delay holds each finished temporary checkpoint before its rename: a window to kill in.
  const env = { IDAA_FAULT_CHECKPOINT_DELAY_MS: '150' };
  let kills = 0;
  let killsDuringWrite = 0;
  let maxLost = 0;
  for (let attempt = 0; attempt < 80; attempt++) {
    const args = latestCheckpoint(runDir) ? ['resume', runDir, '--json'] : ['train', '--config', 'run.json', '--run-dir', runDir, '--json'];
    const p = idaaProcess(args, work, env);
    const duringWrite = attempt % 3 === 1;
    // Random moments tied to progress, not to the clock, so the harness kills as often on a fast
    // machine as on a slow one: after 2–6 more logged steps, plus 0–60 ms into the next step.
    const target = (latestCheckpoint(runDir)?.step ?? 0) + 2 + rng.int(5);
    const extraMs = rng.int(60);
    let timer: NodeJS.Timeout | undefined;
    const poll = setInterval(() => {
      const dir = join(runDir, 'checkpoints');
      if (duringWrite) {
        // Kill as soon as a checkpoint's temporary file exists.
        if (existsSync(dir) && readdirSync(dir).some((f) => f.includes('.tmp-'))) p.child.kill('SIGKILL');
      } else if (!timer && stepsOf(readMetrics(runDir)).some((r) => r.step >= target)) {
        timer = setTimeout(() => p.child.kill('SIGKILL'), extraMs);
      }
    }, 5);
    const r = await p.done;
    clearTimeout(timer);
    clearInterval(poll);
    if (r.code === 0) break;
    assert.equal(r.signal, 'SIGKILL', `attempt ${attempt} failed on its own: ${r.stderr}`);
    // Killed after training completed (while writing the inspection sheet): the run is done.
    if (readRunStatus(runDir).state === 'completed') break;
    kills++;
    if (duringWrite) killsDuringWrite++;
    assert.equal(readRunStatus(runDir).state, 'failed', 'a killed run reads as failed (process gone)');
    const inv = checkInvariants(runDir);
    maxLost = Math.max(maxLost, inv.maxLoggedStep - inv.lastCheckpointStep);
  }
  assert.equal(readRunStatus(runDir).state, 'completed');
  assert.ok(kills >= 8, `killed ${kills} times`);
  assert.ok(killsDuringWrite >= 3, `killed ${killsDuringWrite} times during checkpoint writes`);
  checkInvariants(runDir);
  const steps = stepsOf(readMetrics(runDir));
  assert.deepEqual(steps.map((s) => s.step), refSteps.map((s) => s.step), 'every step exactly once');
  for (let i = 0; i < steps.length; i++) {
    const a = steps[i].loss as number;
    const b = refSteps[i].loss as number;
    assert.ok(Math.abs(a - b) <= 1e-6 * Math.abs(b), `step ${i + 1}: ${a} vs uninterrupted ${b}`);
  }
  // For the closing note: how many kills, and the most steps a kill cost.
  console.log(`kill-and-resume: ${kills} kills (${killsDuringWrite} during checkpoint writes), at most ${maxLost} steps redone after a kill, ${steps.length} steps in all`);
});

test('cpu, across processes: stop (SIGINT) and `idaa resume` reproduce the uninterrupted losses bit for bit', { timeout: 300_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'idaa-cpu-'));
  writePngFolder(join(work, 'data'), syntheticDataset({ train: 56, test: 0, size: 8, classes: 4 }));
  writeFileSync(
    join(work, 'run.json'),
    JSON.stringify({
      preset: 'tiny',
      data: { dataset: 'folder', path: join(work, 'data'), imageSize: 8 },
      vae: { epochs: 2, width: 4, latentDim: 4, batchSize: 16 },
      ssl: { epochs: 2, batchSize: 16 },
      eval: { knnK: 4 },
    }),
  );
  const cpu = { IDAA_BACKEND: 'cpu' };
  const ref = idaaSync(['train', '--config', 'run.json', '--run-dir', 'ref', '--json'], work, cpu);
  assert.equal(ref.code, 0, ref.stderr);
  const p = idaaProcess(['train', '--config', 'run.json', '--run-dir', 'part', '--json'], work, cpu);
  // SIGINT once the SSL phase has begun: the CLI stops at the next batch with a checkpoint.
  let sent = false;
  const poll = setInterval(() => {
    if (!sent && stepsOf(readMetrics(join(work, 'part'))).some((s) => s.phase === 'ssl')) {
      sent = true;
      p.child.kill('SIGINT');
    }
  }, 20);
  const r = await p.done;
  clearInterval(poll);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readRunStatus(join(work, 'part')).state, 'stopped');
  const res = idaaSync(['resume', 'part', '--json'], work, cpu);
  assert.equal(res.code, 0, res.stderr);
  const a = stepsOf(readMetrics(join(work, 'part')));
  const b = stepsOf(readMetrics(join(work, 'ref')));
  assert.deepEqual(a.map((s) => s.step), b.map((s) => s.step));
  assert.deepEqual(a.map((s) => s.loss), b.map((s) => s.loss), 'bit for bit on cpu');
});
