/** inspect and eval: commands that load a checkpoint's models without training them. */
import { basename, dirname, join, resolve } from 'node:path';
import { linearProbePath } from '../common/runs/linearProbe';
import { evalJob, inspectJob, openCheckpoint, storeEvaluation } from '../engine/index';
import { initBackend } from './backend';
import type { Invocation } from './context';
import { pathKind } from './paths';
import { UsageError } from './usageError';

const DEFAULT_INDICES = [0, 1, 2, 3, 4, 5, 6, 7];

export async function inspect(cli: Invocation): Promise<void> {
  const { flags, out } = cli;
  if (!flags.checkpoint) throw new UsageError('--checkpoint', 'inspect needs --checkpoint FILE');
  const ckpt = flags.checkpoint;
  noteRunFolder(cli, ckpt);
  await initBackend(cli);
  const { trainer } = await openCheckpoint(ckpt, (l) => out.log(l));
  const indices = flags.indices ?? DEFAULT_INDICES;
  const split = flags.split ?? 'test';
  const max = split === 'train' ? trainer.dataset.train.count : trainer.dataset.test.count;
  const bad = indices.filter((i) => i < 0 || i >= max);
  if (bad.length) throw new UsageError('--indices', `--indices ${bad.join(',')} outside 0..${max - 1} of the ${split} split`);
  const outDir = resolve(flags.out ?? join(ckpt, '..', '..', 'inspect'));
  const r = inspectJob(trainer, { indices, split, eps: flags.eps, steps: flags.steps, mode: flags.mode, batchSize: flags.batch, outDir, name: `inspect-${Date.now()}` });
  trainer.dispose();
  const a = r.result.attack;
  out.result(
    { png: r.png, json: r.json, samples: r.result.samples, attack: a },
    `sheet: ${r.png}\nnumbers: ${r.json}\nattack: ${a.mode} mode over a batch of ${a.batch.length}; latent gradients of the two modes: cosine ${a.agreement.cosine.toFixed(3)}, signs agree ${(a.agreement.signAgreement * 100).toFixed(0)}%`,
  );
}

export async function evaluate(cli: Invocation): Promise<void> {
  const { flags, out } = cli;
  if (!flags.checkpoint) throw new UsageError('--checkpoint', 'eval needs --checkpoint FILE');
  noteRunFolder(cli, flags.checkpoint);
  await initBackend(cli);
  const t0 = Date.now();
  const { trainer, meta } = await openCheckpoint(flags.checkpoint, (l) => out.log(l));
  let r;
  try {
    r = await evalJob(trainer, { probeEpochs: flags.probeEpochs, log: (l) => out.log(l) });
  } finally {
    trainer.dispose();
  }
  // A run's checkpoint keeps its evaluation with the run, as Evaluate Checkpoint does in the editor.
  const runDir = basename(dirname(flags.checkpoint)) === 'checkpoints' ? cli.fault.runDir : undefined;
  let stored: string | undefined;
  if (runDir && r.probe) {
    storeEvaluation(runDir, flags.checkpoint, meta.position, trainer.config, r.knnAccuracy, r.probe, (Date.now() - t0) / 1000);
    stored = linearProbePath(runDir);
  }
  out.result(
    { ...r, ...(stored ? { stored } : {}) },
    `kNN ${(r.knnAccuracy * 100).toFixed(2)}%${r.probe ? `, linear probe ${(r.probe.finalTestAccuracy * 100).toFixed(2)}% (final, ${r.probe.epochs} epochs)` : ''}${stored ? `\nstored in ${stored}` : ''}`,
  );
}

/** A checkpoint inside a run's checkpoints/ folder: that run's folder keeps the error log. */
function noteRunFolder(cli: Invocation, checkpoint: string): void {
  const dir = dirname(dirname(checkpoint));
  if (pathKind(join(dir, 'config.json')) === 'file') cli.fault.runDir = dir;
}
