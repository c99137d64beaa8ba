/** export and import: the bridge to PyTorch (a bundle of safetensors + JSON, see src/engine/interop/). */
import { join, resolve } from 'node:path';
import { readCheckpointHeader } from '../engine/checkpoint/format';
import { defaultRunsRoot, newRunId, openCheckpoint, openDataset, resolveConfig } from '../engine/index';
import { processCommand } from '../engine/jobs';
import type { CheckpointMeta, RunConfigInput } from '../engine/index';
import { exportTrainer } from '../engine/interop/exportBundle';
import { refuseForeign } from '../engine/interop/foreignFiles';
import { importBundle } from '../engine/interop/importBundle';
import { loadConfigFile } from '../engine/config/resolve';
import { initBackend } from './backend';
import type { Invocation } from './context';
import { pathKind } from './paths';
import { UsageError } from './usageError';

/** idaa export --checkpoint F --out DIR [--data-path D]: the VAE (and the encoder) for PyTorch. */
export async function exportCommand(cli: Invocation): Promise<void> {
  const { flags, out } = cli;
  if (!flags.checkpoint) throw new UsageError('--checkpoint', 'export needs --checkpoint FILE (a .ckpt; `idaa checkpoints <run-dir>` lists them)');
  if (!flags.out) throw new UsageError('--out', 'export needs --out DIR, the folder to write the bundle into');
  const file = flags.checkpoint;
  const dir = resolve(flags.out);
  await initBackend(cli);
  // The normalisation comes from the run's data: --data-path points at it when it has moved.
  const meta = readCheckpointHeader<CheckpointMeta>(file).header.meta;
  const dataset = flags.dataPath && meta?.config ? await openDataset(resolveConfig({ ...meta.config, data: { ...meta.config.data, path: flags.dataPath } }), (l) => out.log(l)) : undefined;
  const { trainer } = await openCheckpoint(file, (l) => out.log(l), dataset);
  try {
    const r = await exportTrainer(trainer, dir, { checkpoint: resolve(file) });
    for (const n of r.config.notes) out.log(`note: ${n}`);
    out.result(
      { dir: r.dir, files: r.files, tensors: r.counts, notes: r.config.notes },
      `bundle: ${r.dir} (${r.counts.vae} VAE tensors${r.counts.encoder ? `, ${r.counts.encoder} encoder tensors` : ''})\nin PyTorch: sys.path.insert(0, "python"); from idaa_torch import load_bundle; b = load_bundle("${r.dir}")`,
    );
  } finally {
    trainer.dispose();
  }
}

/** idaa import BUNDLE [--run-dir D] [--dataset …] [--data-path …] [--config F]: a run folder with one checkpoint. */
export async function importCommand(cli: Invocation): Promise<void> {
  const { flags, out } = cli;
  const raw = cli.positionals[1];
  if (!raw) throw new UsageError('<bundle>', 'import needs a bundle folder: idaa import <bundle-dir> (from idaa export, the companion\'s save_bundle, or python3 -m idaa_torch.convert)');
  const source = resolve(raw);
  if (pathKind(source) === 'missing') throw new UsageError('<bundle>', `${source}: no such file or folder`, source);
  const overrides: RunConfigInput = flags.config ? (loadConfigFile(flags.config) as RunConfigInput) : {};
  const data: NonNullable<RunConfigInput['data']> = { ...overrides.data };
  if (flags.dataset) data.dataset = flags.dataset;
  if (flags.dataPath) data.path = flags.dataPath;
  if (flags.trainLimit !== undefined) data.trainLimit = flags.trainLimit;
  if (Object.keys(data).length) overrides.data = data;
  if (flags.preset) overrides.preset = flags.preset;
  if (flags.seed !== undefined) overrides.seed = flags.seed;
  const runDir = flags.runDir ?? join(flags.root ?? resolve(defaultRunsRoot('.')), newRunId('import', flags.dataset ?? overrides.data?.dataset ?? 'bundle'));
  cli.fault.runDir = runDir;
  refuseForeign(source); // a .pth is refused with the converter's command before any work
  await initBackend(cli);
  const r = await importBundle({ source, runDir, overrides, log: (l) => out.log(l), command: processCommand() });
  out.result(
    { runDir: r.runDir, checkpoint: r.checkpoint, tensors: r.counts, notes: r.notes },
    `run: ${r.runDir}\ncheckpoint: ${r.checkpoint}\ninspect it: idaa inspect --checkpoint ${r.checkpoint} (or the inspector in VS Code)`,
  );
}
