import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCheckpointFile } from '../../src/engine/checkpoint/format';
import { resolveConfig } from '../../src/engine/config/resolve';
import { resumeJob, trainJob } from '../../src/engine/jobs';
import { RunController } from '../../src/engine/runs/controller';
import { latestCheckpoint, readManifest } from '../../src/common/runs/manifest';
import { readRunStatus } from '../../src/common/runs/state';
import { Run } from '../../src/engine/train/run';
import { Trainer } from '../../src/engine/train/trainer';
import { syntheticDataset, useWasm } from './helpers';

const ds = syntheticDataset({ train: 48, test: 16, size: 8, classes: 4 });
const config = resolveConfig({
  preset: 'tiny',
  data: { imageSize: 8 },
  vae: { epochs: 2, width: 4, latentDim: 4, batchSize: 16 },
  ssl: { epochs: 2, batchSize: 16 },
  eval: { knnK: 4 },
  checkpoint: { everySteps: 2, keepLast: 2 },
});

test('a full disk during a checkpoint: the previous checkpoint stays valid, the error says so, the run is failed with the reason', async () => {
  await useWasm();
  const runDir = mkdtempSync(join(tmpdir(), 'idaa-enospc-'));
  let ctl: RunController | undefined;
  const err = await trainJob(config, {
    runDir,
    dataset: ds,
    onController: (c) => (ctl = c),
    events: {
      step: (r) => {
        // From the third step (the epoch-end checkpoint) on, every write hits a full disk after 1000 bytes.
        if (r.step === 3) {
          let budget = 1000;
          ctl!.run.io = {
            writeSync: (_fd, data) => {
              if (budget <= 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
              const n = Math.min(budget, data.length);
              budget -= n;
              return n;
            },
          };
        }
      },
    },
  }).then(
    () => undefined,
    (e: Error) => e,
  );
  assert.ok(err, 'the run fails');
  const prev = join(runDir, 'checkpoints', 'vae-s000002.ckpt');
  assert.match(err!.message, /could not write checkpoint .*vae-s000003\.ckpt: the disk is full \(ENOSPC\)/);
  assert.ok(err!.message.includes(`The previous checkpoint ${prev} (step 2) is still valid`), err!.message);
  assert.equal(latestCheckpoint(runDir)?.file, 'vae-s000002.ckpt');
  assert.doesNotThrow(() => readCheckpointFile(prev));
  assert.deepEqual(readdirSync(join(runDir, 'checkpoints')).sort(), ['manifest.json', 'vae-s000002.ckpt'], 'no temporary file is left behind');
  const status = readRunStatus(runDir);
  assert.equal(status.state, 'failed');
  assert.match(status.error!, /ENOSPC/);
  // The run resumes from the valid checkpoint once there is room again.
  const r = await resumeJob({ runDir, dataset: ds });
  assert.equal(r.state, 'completed');
  r.trainer.dispose();
});

test('missing and unusable folders and files give clear errors', async () => {
  await useWasm();
  const dir = mkdtempSync(join(tmpdir(), 'idaa-paths-'));
  const file = join(dir, 'a-file');
  writeFileSync(file, 'x');
  await assert.rejects(trainJob(config, { runDir: join(file, 'run'), dataset: ds }), /cannot create the run folder .*a-file\/run: ENOTDIR/);
  await assert.rejects(resumeJob({ runDir: join(dir, 'nothing-here'), dataset: ds }), /nothing-here: not a run folder \(no config\.json\)/);
  const fresh = join(dir, 'fresh');
  const ctlHolder: { c?: RunController } = {};
  // A run stopped before its first checkpoint has nothing to resume from.
  const r = await trainJob(config, { runDir: fresh, dataset: ds, onController: (c) => (ctlHolder.c = c), events: { step: () => ctlHolder.c!.stop() } });
  assert.equal(r.state, 'stopped');
  r.trainer.dispose();
  await assert.rejects(resumeJob({ runDir: fresh, dataset: ds, from: join(dir, 'missing.ckpt') }), /missing\.ckpt: cannot be read \(ENOENT\)/);
  // Another config in the same folder is refused rather than mixed in.
  await assert.rejects(trainJob(resolveConfig({ ...config, seed: 99 }), { runDir: join(dir, 'other'), dataset: ds }).then(() => trainJob(config, { runDir: join(dir, 'other'), dataset: ds })), /already holds a run with checkpoints|holds another run's config/);
  assert.ok(existsSync(join(dir, 'other', 'checkpoints', 'ssl-final.ckpt')), 'the first run in that folder is intact');
});

test('resuming with a changed config lists the fields that differ and refuses unless forced', async () => {
  await useWasm();
  const runDir = mkdtempSync(join(tmpdir(), 'idaa-diff-'));
  let ctl: RunController | undefined;
  const first = await trainJob(config, { runDir, dataset: ds, onController: (c) => (ctl = c), events: { step: (r) => r.step === 5 && ctl!.stop() } });
  first.trainer.dispose();
  writeFileSync(join(runDir, 'config.json'), JSON.stringify({ ...config, idaa: { ...config.idaa, eps: 0.3 }, ssl: { ...config.ssl, lr: 0.01 } }));
  await assert.rejects(resumeJob({ runDir, dataset: ds }), (e: Error) => /idaa\.eps: 0\.1 → 0\.3/.test(e.message) && /ssl\.lr: 0\.001 → 0\.01/.test(e.message) && /--force/.test(e.message));
  const forced = await resumeJob({ runDir, dataset: ds, force: true });
  assert.equal(forced.state, 'completed');
  assert.equal(forced.run.config.idaa.eps, 0.3);
  forced.trainer.dispose();
  // Retention: at most keepLast periodic checkpoints (plus the best by kNN), finals and stops always kept.
  const kinds = readManifest(runDir).checkpoints;
  assert.ok(kinds.filter((c) => c.kind === 'periodic').length <= 3, JSON.stringify(kinds.map((c) => c.file)));
  assert.ok(kinds.some((c) => c.file === 'stop-s000005.ckpt') && kinds.some((c) => c.file === 'ssl-final.ckpt'));
  for (const c of kinds) assert.ok(existsSync(join(runDir, 'checkpoints', c.file)), `${c.file} listed and present`);
});

test('a checkpoint of another architecture is refused with the tensors that do not fit', async () => {
  await useWasm();
  const runDir = mkdtempSync(join(tmpdir(), 'idaa-arch-'));
  const r = await trainJob(config, { runDir, dataset: ds });
  r.trainer.dispose();
  const wider = resolveConfig({ ...config, vae: { ...config.vae, latentDim: 6 } });
  const file = join(runDir, 'checkpoints', 'ssl-final.ckpt');
  const t = new Trainer(wider, ds);
  assert.throws(
    () => Run.restore(t, file),
    (e: Error) => e.message.includes(file) && /does not fit this model: \d+ with other shapes \(e\.g\. vae\/fc11\.weight \(checkpoint \[16,4\], model \[16,6\]\)/.test(e.message),
  );
  t.dispose();
});
