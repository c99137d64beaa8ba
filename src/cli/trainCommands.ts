/** demo, train, vae and resume: the commands that train a run folder. */
import { join, resolve } from 'node:path';
import { defaultRunsRoot, evalJob, inspectJob, loadConfigFile, newRunId, openDataset, resumeJob, trainJob } from '../engine/index';
import type { TrainJobResult } from '../engine/index';
import { initBackend } from './backend';
import type { Invocation } from './context';
import { runFolderArg } from './paths';
import type { Output } from './output';
import { formatDuration } from './progress';
import { configFromFlags } from './runConfig';
import { stopOnSignal, trainingEvents } from './trainingEvents';

export type TrainMode = 'train' | 'vae' | 'demo';

export async function train(cli: Invocation, mode: TrainMode): Promise<void> {
  const { flags, out } = cli;
  const config = configFromFlags(mode === 'demo' ? { ...flags, preset: flags.preset ?? 'small' } : flags);
  await initBackend(cli, config);
  const ds = await openDataset(config, (l: string) => out.log(l));
  const runDir = flags.runDir ?? join(flags.root ?? resolve(defaultRunsRoot('.')), newRunId(mode === 'vae' ? 'vae' : `${config.ssl.method}${config.idaa.enabled ? (config.idaa.adversary === 'pixel' ? '-clae' : '-idaa') : ''}`, config.data.dataset));
  cli.fault.runDir = runDir;
  cli.fault.training = true;
  out.log(`run folder: ${runDir}`);
  const started = Date.now();
  const signals = stopOnSignal(out);
  try {
    const r = await trainJob(config, { runDir, dataset: ds, vaeOnly: mode === 'vae', events: trainingEvents(out, config), onController: signals.attach });
    await finishTraining(out, r, runDir, started, mode);
  } finally {
    signals.dispose();
  }
}

export async function resume(cli: Invocation): Promise<void> {
  const { flags, out } = cli;
  const dir = runFolderArg('resume', cli.positionals[1]);
  cli.fault.runDir = dir;
  cli.fault.training = true;
  const config = loadConfigFile(join(dir, 'config.json'));
  await initBackend(cli, config);
  const started = Date.now();
  const signals = stopOnSignal(out);
  try {
    const r = await resumeJob({ runDir: dir, from: flags.from, force: flags.force, events: trainingEvents(out, config), onController: signals.attach });
    await finishTraining(out, r, dir, started, 'resume');
  } finally {
    signals.dispose();
  }
}

async function finishTraining(out: Output, r: TrainJobResult, runDir: string, started: number, mode: TrainMode | 'resume'): Promise<void> {
  const { trainer, run, state } = r;
  const summary: Record<string, unknown> = { runDir, state, seconds: (Date.now() - started) / 1000, knnAccuracy: run.lastKnn };
  // A VAE-only run (started by `idaa vae`, or resumed) has no encoder to inspect.
  if (state === 'completed' && mode !== 'vae' && r.job !== 'vae') {
    if (mode === 'demo') {
      const ev = await evalJob(trainer, { log: (l) => out.log(l) });
      summary.linearProbe = ev.probe?.finalTestAccuracy;
    }
    const sheet = inspectJob(trainer, { indices: sampleIndices(trainer.dataset.test.labels, 8), outDir: runDir, name: 'inspection' });
    summary.inspection = sheet.png;
    out.log(`inspection sheet: ${sheet.png}`);
  }
  trainer.dispose();
  out.result(summary, state === 'stopped' ? `stopped; resume with: idaa resume ${runDir}` : `done in ${formatDuration((Date.now() - started) / 1000)}: ${runDir}`);
}

/** The first test sample of each class (up to n), so the sheet shows the variety of the data. */
function sampleIndices(labels: Int32Array, n: number): number[] {
  const seen = new Map<number, number>();
  for (let i = 0; i < labels.length && seen.size < n; i++) if (!seen.has(labels[i])) seen.set(labels[i], i);
  const out = [...seen.values()];
  for (let i = 0; out.length < Math.min(n, labels.length); i++) if (!out.includes(i)) out.push(i);
  return out;
}
