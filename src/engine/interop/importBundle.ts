import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError, ConfigError, IdaaError } from '../../common/errors';
import { writeJsonAtomic } from '../../common/runs/atomicFile';
import { runPaths } from '../../common/runs/layout';
import { readManifest } from '../../common/runs/manifest';
import { writeRunStatus } from '../../common/runs/state';
import { resolveConfig } from '../config/resolve';
import type { RunConfig, RunConfigInput } from '../config/types';
import type { Dataset } from '../data/types';
import { openDataset } from '../jobs';
import { openRunForWriting } from '../runs/openRun';
import { prepareRunDir, Run } from '../train/run';
import { Trainer } from '../train/trainer';
import { BundleConfig, bundleFolder, readBundleConfig } from './bundle';
import { refuseForeign } from './foreignFiles';
import { MapGeometry, toEngine, torchShape } from './layout';
import { encoderSlot, TorchSlot, vaeSlot } from './names';
import { asFloat32, readSafetensorsFile } from './safetensors';

export interface ImportOptions {
  /** A bundle folder (or its idaa-torch.json). */
  source: string;
  runDir: string;
  /** Config fields from the command line (--config, --dataset, …): over the bundle's, under its architecture. */
  overrides?: RunConfigInput;
  dataset?: Dataset;
  log?: (line: string) => void;
  /** Names this process in the run folder's lock. */
  command: string;
}

export interface ImportResult {
  runDir: string;
  checkpoint: string;
  config: RunConfig;
  notes: string[];
  counts: { vae: number; encoder: number };
}

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** b over a, objects merged field by field, anything else (arrays included) replaced. */
function merge(a: Plain, b: Plain): Plain {
  const out: Plain = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = isPlain(v) && isPlain(out[k]) ? merge(out[k] as Plain, v) : v;
  return out;
}

/** The run config fields the bundle's tensors fix; refuses encoders the engine cannot build from a config. */
function architecture(b: BundleConfig, file: string): RunConfigInput {
  const arch: Plain = { idaa: { eps: b.idaa.eps, steps: b.idaa.steps, alpha: b.idaa.alpha }, ssl: { temperature: b.ssl.temperature } };
  if (b.vae) Object.assign(arch, { data: { imageSize: b.vae.imageSize }, vae: { width: b.vae.d, latentDim: b.vae.z } });
  const e = b.encoder;
  if (e) {
    if (e.method !== 'simclr') throw new CheckpointError(file, `holds a ${e.method} encoder; this build imports SimCLR encoders (the reference's method) only`);
    const m = e.widths[0] / 64;
    const expected = [64, 128, 256, 512].map((w) => Math.max(1, Math.round(w * m)));
    if (expected.some((w, i) => w !== e.widths[i])) throw new CheckpointError(file, `encoder widths [${e.widths}] are not ResNet-18's [64, 128, 256, 512] times one factor (for ×${m}: [${expected}])`);
    const [first, last, more] = e.projector;
    const simclrHead = first && last && !more && first.bias && last.bias && first.bn === 'none' && last.bn === 'none' && first.relu && !last.relu;
    if (!simclrHead) throw new CheckpointError(file, `projector ${JSON.stringify(e.projector)} is not SimCLR's Linear–ReLU–Linear head; this build imports that head only`);
    Object.assign(arch.ssl as Plain, { method: 'simclr', widthMultiplier: m, projectionDim: last.out, projectionHidden: first.out === e.widths[3] ? 0 : first.out });
    Object.assign(arch.idaa as Plain, { auxBnMomentum: e.auxBnMomentum });
  }
  return arch as RunConfigInput;
}

/**
 * Assigns a safetensors file's tensors to engine variables through the name map: every variable
 * must find its tensor with the right shape and every tensor must be used (batch-norm counters
 * aside), so an architecture the map does not know is refused with the names that do not fit.
 */
function loadInto(file: string, vars: Array<[string, tf.Variable]>, slotOf: (n: string) => TorchSlot | undefined, g?: MapGeometry): number {
  const { tensors } = readSafetensorsFile(file);
  const used = new Set<string>();
  const missing: string[] = [];
  const wrong: string[] = [];
  const staged: Array<[tf.Variable, Float32Array]> = [];
  for (const [name, v] of vars) {
    const slot = slotOf(name);
    if (!slot) continue;
    const e = tensors.get(slot.torch);
    // A head batch norm without affine part has no weight/bias in PyTorch: γ = 1, β = 0 stay.
    if (!e && !v.trainable && /\.(weight|bias)$/.test(name)) continue;
    if (!e) {
      missing.push(slot.torch);
      continue;
    }
    used.add(slot.torch);
    const want = torchShape(slot.layout, v.shape, g);
    if (e.shape.length !== want.length || e.shape.some((d, i) => d !== want[i])) wrong.push(`${slot.torch} (file [${e.shape}], model [${want}])`);
    else staged.push([v, toEngine(slot.layout, v.shape, asFloat32(file, e), g)]);
  }
  const unexpected = [...tensors.keys()].filter((k) => !used.has(k) && !k.endsWith('num_batches_tracked'));
  if (missing.length || wrong.length || unexpected.length) {
    const parts: string[] = [];
    if (missing.length) parts.push(`${missing.length} tensors missing (e.g. ${missing.slice(0, 3).join(', ')})`);
    if (wrong.length) parts.push(`${wrong.length} with other shapes (e.g. ${wrong.slice(0, 3).join('; ')})`);
    if (unexpected.length) parts.push(`${unexpected.length} the model does not have (e.g. ${unexpected.slice(0, 3).join(', ')})`);
    throw new CheckpointError(file, `does not fit the architecture its idaa-torch.json describes: ${parts.join('; ')}`);
  }
  for (const [v, data] of staged) tf.tidy(() => v.assign(tf.tensor(data, v.shape, 'float32')));
  return staged.length;
}

/**
 * Turns a bundle (the companion's checkpoint, `idaa export`'s output, or a converted reference
 * checkpoint) into a run folder with one complete checkpoint, which the CLI, the inspector and
 * `idaa train --vae` open like any other. The checkpoint is written by the trainer's own code
 * (every variable, optimizer moments at zero), so it has the layout of this build's checkpoints.
 */
export async function importBundle(opts: ImportOptions): Promise<ImportResult> {
  const log = opts.log ?? (() => undefined);
  refuseForeign(opts.source);
  const dir = bundleFolder(opts.source);
  const b = readBundleConfig(dir);
  const jsonFile = join(dir, 'idaa-torch.json');
  const notes = [...b.notes];
  // The VAE's weights travel in the bundle: a VAE checkpoint path of the exporting run means nothing here.
  const base: Plain = isPlain(b.run) ? structuredClone(b.run) : { preset: 'reference' };
  if (isPlain(base.vae)) delete base.vae.checkpoint;
  const arch = architecture(b, jsonFile) as Plain;
  const wanted = merge(merge(base, (opts.overrides ?? {}) as Plain), arch);
  let config: RunConfig;
  try {
    config = resolveConfig(wanted as RunConfigInput);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const from = isPlain(b.run) ? 'the run config of the export' : "the reference preset's (CIFAR-10), as the bundle has no run config";
    throw new ConfigError(e.issues.map((i) => ({ ...i, allowed: `${i.allowed} (the settings come from ${from}; choose the data with --dataset and --data-path, or --config)` })));
  }
  const ds = opts.dataset ?? (await openDataset(config, log));
  const { lock } = openRunForWriting(opts.runDir, opts.command, log);
  try {
    if (readManifest(opts.runDir).checkpoints.length || existsSync(runPaths(opts.runDir).config)) throw new IdaaError(`${opts.runDir} already holds a run; import into a new folder (--run-dir)`);
    const trainer = new Trainer(config, ds);
    try {
      const counts = { vae: 0, encoder: 0 };
      if (b.vae) counts.vae = loadInto(join(dir, b.vae.file), trainer.vae.store.all(), vaeSlot, { f: trainer.vae.feat, d: config.vae.width });
      if (b.encoder) counts.encoder = loadInto(join(dir, b.encoder.file), trainer.method.variables(), encoderSlot);
      const gap = Math.max(...b.normalize.mean.map((m, i) => Math.abs(m - trainer.mean[i])), ...b.normalize.std.map((s, i) => Math.abs(s - trainer.std[i])));
      if (gap > 1e-3) {
        notes.push(`the PyTorch side normalised inputs with mean [${b.normalize.mean}] and std [${b.normalize.std}]; this run's data (${ds.name}) has mean [${trainer.mean.map((v) => v.toFixed(4))}], std [${trainer.std.map((v) => v.toFixed(4))}], which the inspector uses`);
      }
      // Steps trained elsewhere and not recorded count as 1, so that the run reads as trained (idaa train --vae accepts it).
      const steps = (n: number | null, present: boolean) => (present ? Math.max(1, n ?? 1) : 0);
      trainer.vaeOpt.step = steps(b.trained.vaeSteps, Boolean(b.vae));
      trainer.sslOpt.step = steps(b.trained.sslSteps, Boolean(b.encoder));
      if ((b.vae && b.trained.vaeSteps === null) || (b.encoder && b.trained.sslSteps === null)) notes.push('the bundle does not say how many steps its models trained: recorded as 1');
      const job = b.encoder ? 'train' : 'vae';
      const run = new Run(trainer, { phase: 'done', epoch: 0, batch: 0, globalStep: trainer.vaeOpt.step + trainer.sslOpt.step });
      run.job = job;
      prepareRunDir(opts.runDir, config);
      const checkpoint = await run.saveCheckpoint(opts.runDir, 'final', b.encoder ? 'ssl' : 'vae');
      const shown = run.progress();
      writeRunStatus(opts.runDir, { state: 'completed', job, phase: shown.phase, epoch: shown.epochsDone, epochs: shown.epochs, step: run.position.globalStep });
      // Where the weights came from, beside the run's own files.
      const { run: _run, ...provenance } = b;
      writeJsonAtomic(join(opts.runDir, 'imported.json'), { from: dir, importedAt: new Date().toISOString(), bundle: provenance, notes });
      for (const n of notes) log(`note: ${n}`);
      return { runDir: opts.runDir, checkpoint, config, notes, counts };
    } finally {
      trainer.dispose();
    }
  } finally {
    lock.release();
  }
}
