#!/usr/bin/env node
/**
 * `idaa`: the headless face of the engine. Every command prints human-readable lines (and a progress
 * bar on a terminal), or JSON lines with --json for scripts and the extension.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  backendFromEnv,
  evalJob,
  IdaaError,
  inspectJob,
  loadConfigFile,
  openCheckpoint,
  resolveConfig,
  RunConfig,
  RunConfigInput,
  selectBackend,
  trainJob,
  openDataset,
} from '../engine/index';
import { formatDuration, ProgressBar } from './progress';

const USAGE = `idaa — train and inspect IDAA (identity-disentangled adversarial augmentation)

Usage:
  idaa demo                         the main job: small VAE + SimCLR-with-IDAA on Fashion-MNIST,
                                    checkpoints, kNN + linear probe, and an inspection sheet
  idaa vae    [run options]         pre-train the VAE only
  idaa train  [run options]         pre-train the VAE (unless --vae), then SimCLR with IDAA
  idaa inspect --checkpoint F [--indices 0,1,2] [--eps E] [--steps K] [--split test] [--out DIR]
  idaa eval    --checkpoint F [--probe-epochs N]

Run options:
  --config FILE        a run config (JSON; schema: schemas/run-config.schema.json)
  --preset NAME        reference | small | tiny (default small)
  --dataset NAME       fashion-mnist | mnist | cifar10 | cifar100 | folder
  --data-path DIR      folder of cifar10/cifar100/folder data
  --no-idaa            plain SimCLR (no adversarial view)
  --eps E --attack-steps K --alpha A --seed N
  --vae-epochs N --epochs N --train-limit N
  --vae FILE           use the VAE of this checkpoint instead of pre-training one
  --run-dir DIR        where to write the run (default .idaa/runs/<time>-<dataset>)
Common:
  --backend B          auto | tensorflow-gpu | tensorflow | wasm | cpu (env IDAA_BACKEND overrides)
  --json               JSON lines on stdout
  -h, --help`;

const options = {
  config: { type: 'string' },
  preset: { type: 'string' },
  dataset: { type: 'string' },
  'data-path': { type: 'string' },
  'no-idaa': { type: 'boolean' },
  eps: { type: 'string' },
  'attack-steps': { type: 'string' },
  alpha: { type: 'string' },
  seed: { type: 'string' },
  'vae-epochs': { type: 'string' },
  epochs: { type: 'string' },
  'train-limit': { type: 'string' },
  vae: { type: 'string' },
  'run-dir': { type: 'string' },
  backend: { type: 'string' },
  json: { type: 'boolean' },
  checkpoint: { type: 'string' },
  indices: { type: 'string' },
  steps: { type: 'string' },
  split: { type: 'string' },
  out: { type: 'string' },
  'probe-epochs': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

class Output {
  readonly bar = new ProgressBar();
  constructor(readonly json: boolean) {}
  log(line: string): void {
    if (this.json) {
      process.stdout.write(JSON.stringify({ type: 'log', message: line }) + '\n');
    } else {
      this.bar.clear();
      process.stderr.write(line + '\n');
    }
  }
  event(obj: Record<string, unknown>): void {
    if (this.json) process.stdout.write(JSON.stringify(obj) + '\n');
  }
  result(obj: Record<string, unknown>, human: string): void {
    if (this.json) process.stdout.write(JSON.stringify({ type: 'result', ...obj }) + '\n');
    else process.stdout.write(human + '\n');
  }
}

function num(v: string | undefined, flag: string, integer = false): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) throw new IdaaError(`--${flag} must be ${integer ? 'an integer' : 'a number'}, got "${v}"`);
  return n;
}

/** Config file (if any), then flags on top, then the preset fills the rest. */
function configFromFlags(v: Values): RunConfig {
  const base: RunConfigInput = v.config ? (loadConfigFile(v.config) as RunConfigInput) : {};
  const over: RunConfigInput = structuredClone(base);
  const set = <K extends keyof RunConfigInput>(k: K, patch: RunConfigInput[K]) => {
    over[k] = { ...(over[k] as object), ...(patch as object) } as RunConfigInput[K];
  };
  if (v.preset) over.preset = v.preset as RunConfig['preset'];
  if (v.preset && !v.config) Object.assign(over, { preset: v.preset });
  if (v.seed !== undefined) over.seed = num(v.seed, 'seed', true);
  if (v.backend) over.backend = v.backend as RunConfig['backend'];
  if (v.dataset) set('data', { dataset: v.dataset as RunConfig['data']['dataset'] });
  if (v['data-path']) set('data', { path: resolve(v['data-path']) });
  if (v['train-limit'] !== undefined) set('data', { trainLimit: num(v['train-limit'], 'train-limit', true) });
  if (v['no-idaa']) set('idaa', { enabled: false });
  if (v.eps !== undefined) set('idaa', { eps: num(v.eps, 'eps') });
  if (v['attack-steps'] !== undefined) set('idaa', { steps: num(v['attack-steps'], 'attack-steps', true) });
  if (v.alpha !== undefined) set('idaa', { alpha: num(v.alpha, 'alpha') });
  if (v['vae-epochs'] !== undefined) set('vae', { epochs: num(v['vae-epochs'], 'vae-epochs', true) });
  if (v.vae) set('vae', { checkpoint: resolve(v.vae) });
  if (v.epochs !== undefined) set('ssl', { epochs: num(v.epochs, 'epochs', true) });
  // A config file was already resolved against its own preset; a --preset flag re-bases it.
  if (v.config && v.preset) over.preset = v.preset as RunConfig['preset'];
  return resolveConfig(over, v.config);
}

async function initBackend(v: Values, out: Output, config?: RunConfig) {
  const preference = backendFromEnv() ?? (v.backend as RunConfig['backend'] | undefined) ?? config?.backend ?? 'auto';
  const choice = await selectBackend({ preference, log: (l) => out.log(l) });
  out.event({ type: 'backend', ...choice });
  return choice;
}

function defaultRunDir(config: RunConfig, label: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace('T', '_').slice(0, 19);
  return resolve('.idaa', 'runs', `${stamp}-${label}-${config.data.dataset}`);
}

async function train(v: Values, out: Output, mode: 'train' | 'vae' | 'demo'): Promise<void> {
  const config = configFromFlags(v);
  await initBackend(v, out, config);
  const ds = await openDataset(config, (l: string) => out.log(l));
  const runDir = resolve(v['run-dir'] ?? defaultRunDir(config, mode === 'vae' ? 'vae' : config.idaa.enabled ? 'idaa' : 'simclr'));
  out.log(`run folder: ${runDir}`);
  const started = Date.now();
  const { trainer, run } = await trainJob(config, {
    runDir,
    dataset: ds,
    vaeOnly: mode === 'vae',
    events: {
      log: (l) => out.log(l),
      step: (r, pos, perEpoch) => {
        out.event({ type: 'step', ...r });
        const total = r.phase === 'vae' ? config.vae.epochs : config.ssl.epochs;
        const doneBatches = r.epoch * perEpoch + pos.batch;
        const eta = ((total * perEpoch - doneBatches) * (r.phase === 'vae' ? config.vae.batchSize : config.ssl.batchSize)) / r.imagesPerSec;
        out.bar.update(`${r.phase.toUpperCase()} e${r.epoch + 1}/${total}`, doneBatches, total * perEpoch, `loss ${r.loss.toFixed(4)} · ${r.imagesPerSec.toFixed(0)} img/s · ETA ${formatDuration(eta)}`);
      },
      epoch: (r) => {
        out.event({ type: 'epoch', ...r });
        out.log(`${r.phase} epoch ${r.epoch + 1}: mean loss ${r.meanLoss.toFixed(4)}${r.knnAccuracy !== undefined ? `, kNN accuracy ${(r.knnAccuracy * 100).toFixed(2)}%` : ''} (${formatDuration(r.seconds)})`);
      },
      checkpoint: (file, bytes) => out.event({ type: 'checkpoint', file, bytes }),
    },
  });
  const summary: Record<string, unknown> = { runDir, seconds: (Date.now() - started) / 1000, knnAccuracy: run.lastKnn };
  if (mode !== 'vae') {
    if (mode === 'demo') {
      const ev = await evalJob(trainer, { log: (l) => out.log(l) });
      summary.linearProbe = ev.probe?.finalTestAccuracy;
    }
    const indices = sampleIndices(ds.test.labels, 8);
    const sheet = inspectJob(trainer, { indices, outDir: runDir, name: 'inspection' });
    summary.inspection = sheet.png;
    out.log(`inspection sheet: ${sheet.png}`);
  }
  trainer.dispose();
  out.result(summary, `done in ${formatDuration((Date.now() - started) / 1000)}: ${runDir}`);
}

/** The first test sample of each class (up to n), so the sheet shows the variety of the data. */
function sampleIndices(labels: Int32Array, n: number): number[] {
  const seen = new Map<number, number>();
  for (let i = 0; i < labels.length && seen.size < n; i++) if (!seen.has(labels[i])) seen.set(labels[i], i);
  const out = [...seen.values()];
  for (let i = 0; out.length < Math.min(n, labels.length); i++) if (!out.includes(i)) out.push(i);
  return out;
}

async function inspect(v: Values, out: Output): Promise<void> {
  if (!v.checkpoint) throw new IdaaError('inspect needs --checkpoint FILE');
  await initBackend(v, out);
  const { trainer } = await openCheckpoint(resolve(v.checkpoint), (l) => out.log(l));
  const indices = (v.indices ?? '0,1,2,3,4,5,6,7').split(',').map((s) => num(s.trim(), 'indices', true)!);
  const split = (v.split ?? 'test') as 'train' | 'test';
  if (split !== 'train' && split !== 'test') throw new IdaaError(`--split must be train or test, got "${v.split}"`);
  const max = split === 'train' ? trainer.dataset.train.count : trainer.dataset.test.count;
  const bad = indices.filter((i) => i < 0 || i >= max);
  if (bad.length) throw new IdaaError(`--indices ${bad.join(',')} outside 0..${max - 1} of the ${split} split`);
  const outDir = resolve(v.out ?? join(resolve(v.checkpoint), '..', '..', 'inspect'));
  const r = inspectJob(trainer, { indices, split, eps: num(v.eps, 'eps'), steps: num(v.steps, 'steps', true), outDir, name: `inspect-${Date.now()}` });
  trainer.dispose();
  out.result({ png: r.png, json: r.json, samples: r.result.samples }, `sheet: ${r.png}\nnumbers: ${r.json}`);
}

async function evaluate(v: Values, out: Output): Promise<void> {
  if (!v.checkpoint) throw new IdaaError('eval needs --checkpoint FILE');
  await initBackend(v, out);
  const { trainer } = await openCheckpoint(resolve(v.checkpoint), (l) => out.log(l));
  const r = await evalJob(trainer, { probeEpochs: num(v['probe-epochs'], 'probe-epochs', true), log: (l) => out.log(l) });
  trainer.dispose();
  out.result({ ...r }, `kNN ${(r.knnAccuracy * 100).toFixed(2)}%${r.probe ? `, linear probe ${(r.probe.finalTestAccuracy * 100).toFixed(2)}% (final, ${r.probe.epochs} epochs)` : ''}`);
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    process.stderr.write(`idaa: ${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const cmd = positionals[0];
  if (values.help || !cmd) {
    process.stdout.write(USAGE + '\n');
    return cmd || values.help ? 0 : 2;
  }
  const out = new Output(Boolean(values.json));
  try {
    switch (cmd) {
      case 'demo':
        await train({ ...values, preset: values.preset ?? 'small' }, out, 'demo');
        break;
      case 'train':
        await train(values, out, 'train');
        break;
      case 'vae':
        await train(values, out, 'vae');
        break;
      case 'inspect':
        await inspect(values, out);
        break;
      case 'eval':
        await evaluate(values, out);
        break;
      default:
        process.stderr.write(`idaa: unknown command "${cmd}"\n\n${USAGE}\n`);
        return 2;
    }
    return 0;
  } catch (e) {
    out.bar.clear();
    const msg = e instanceof IdaaError ? e.message : (e as Error).stack ?? String(e);
    if (out.json) process.stdout.write(JSON.stringify({ type: 'error', message: (e as Error).message }) + '\n');
    process.stderr.write(`idaa: ${msg}\n`);
    return 1;
  }
}

if (require.main === module || process.argv[1]?.endsWith('cli.js')) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

export const _forTests = { configFromFlags, existsSync };
