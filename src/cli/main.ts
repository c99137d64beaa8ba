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
  parseWasmThreads,
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
  resumeJob,
  listRuns,
  readManifest,
  defaultRunsRoot,
  newRunId,
  runExperiment,
  findCell,
  experimentRoot,
  runCell,
} from '../engine/index';
import type { ControllerEvents, RunController, TrainJobResult } from '../engine/index';

import { formatDuration, ProgressBar } from './progress';

const USAGE = `idaa — train and inspect IDAA (identity-disentangled adversarial augmentation)

Usage:
  idaa demo                         the main job: small VAE + SimCLR-with-IDAA on Fashion-MNIST,
                                    checkpoints, kNN + linear probe, and an inspection sheet
  idaa vae    [run options]         pre-train the VAE only
  idaa train  [run options]         pre-train the VAE (unless --vae), then SimCLR with IDAA
  idaa resume <run-dir> [--from F] [--force]
                                    continue a run exactly from its latest (or a given) checkpoint
  idaa experiment <spec.json> [--parallel N] [--out DIR]
                                    a grid of runs (datasets × methods × seeds, transfer), resumable,
                                    with REPORT.md, results.json and plots in <out>/<name>/
  idaa runs [--root DIR]            list runs with state, epoch and best kNN accuracy
  idaa checkpoints <run-dir>        list a run's complete checkpoints
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
  --run-dir DIR        where to write the run (default <root>/<time>-<kind>-<dataset>)
  --root DIR           the folder of runs (default .idaa/runs)
Ctrl-C stops a training at the next batch with a checkpoint; a second Ctrl-C quits at once.
Common:
  --backend B          auto | tensorflow-gpu | tensorflow | wasm | cpu (env IDAA_BACKEND overrides)
  --threads N|auto     wasm threads (default auto: the machine's cores, at most 8; env IDAA_WASM_THREADS overrides)
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
  threads: { type: 'string' },
  json: { type: 'boolean' },
  checkpoint: { type: 'string' },
  indices: { type: 'string' },
  steps: { type: 'string' },
  split: { type: 'string' },
  out: { type: 'string' },
  'probe-epochs': { type: 'string' },
  from: { type: 'string' },
  force: { type: 'boolean' },
  root: { type: 'string' },
  parallel: { type: 'string' },
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
  return resolveConfig(over, v.config);
}

async function initBackend(v: Values, out: Output, config?: RunConfig) {
  const preference = backendFromEnv() ?? (v.backend as RunConfig['backend'] | undefined) ?? config?.backend ?? 'auto';
  const wasmThreads = v.threads !== undefined ? parseWasmThreads(v.threads, '--threads') : 'auto';
  const choice = await selectBackend({ preference, wasmThreads, log: (l) => out.log(l) });
  out.event({ type: 'backend', ...choice });
  return choice;
}

/** Progress, JSON events and Ctrl-C handling shared by train, vae, demo and resume. */
function trainingEvents(out: Output, config: RunConfig): ControllerEvents {
  return {
    log: (l) => out.log(l),
    step: (r, pos, perEpoch) => {
      out.event({ type: 'step', ...r });
      const c = r.phase === 'vae' ? config.vae : config.ssl;
      const doneBatches = r.epoch * perEpoch + pos.batch;
      const eta = ((c.epochs * perEpoch - doneBatches) * c.batchSize) / r.imagesPerSec;
      out.bar.update(`${r.phase.toUpperCase()} e${r.epoch + 1}/${c.epochs}`, doneBatches, c.epochs * perEpoch, `loss ${r.loss.toFixed(4)} · ${r.imagesPerSec.toFixed(0)} img/s · ETA ${formatDuration(eta)}`);
    },
    epoch: (r) => {
      out.event({ type: 'epoch', ...r });
      out.log(`${r.phase} epoch ${r.epoch + 1}: mean loss ${r.meanLoss.toFixed(4)}${r.knnAccuracy !== undefined ? `, kNN accuracy ${(r.knnAccuracy * 100).toFixed(2)}%` : ''} (${formatDuration(r.seconds)})`);
    },
    checkpoint: (file, bytes) => out.event({ type: 'checkpoint', file, bytes }),
    state: (state, detail) => out.event({ type: 'state', state, ...(detail ? { detail } : {}) }),
  };
}

/** Ctrl-C (or SIGTERM) stops at the next batch with a checkpoint; a second one exits at once. */
function stopOnSignal(out: Output): { attach: (c: RunController) => void; dispose: () => void } {
  let controller: RunController | undefined;
  let asked = false;
  const handler = (sig: NodeJS.Signals) => {
    if (asked || !controller) process.exit(130);
    asked = true;
    out.log(`${sig}: stopping at the next batch and writing a checkpoint (again to quit at once)`);
    try {
      controller.stop();
    } catch {
      process.exit(130);
    }
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    attach: (c) => (controller = c),
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

async function finishTraining(out: Output, r: TrainJobResult, runDir: string, started: number, mode: 'train' | 'vae' | 'demo' | 'resume'): Promise<void> {
  const { trainer, run, state } = r;
  const summary: Record<string, unknown> = { runDir, state, seconds: (Date.now() - started) / 1000, knnAccuracy: run.lastKnn };
  if (state === 'completed' && mode !== 'vae') {
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

async function train(v: Values, out: Output, mode: 'train' | 'vae' | 'demo'): Promise<void> {
  const config = configFromFlags(v);
  await initBackend(v, out, config);
  const ds = await openDataset(config, (l: string) => out.log(l));
  const runDir = resolve(v['run-dir'] ?? join(resolve(v.root ?? defaultRunsRoot('.')), newRunId(mode === 'vae' ? 'vae' : config.idaa.enabled ? 'idaa' : 'simclr', config.data.dataset)));
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

async function resume(v: Values, positionals: string[], out: Output): Promise<void> {
  const runDir = positionals[1];
  if (!runDir) throw new IdaaError('resume needs a run folder: idaa resume <run-dir> [--from <checkpoint>] [--force]');
  const dir = resolve(runDir);
  const config = loadConfigFile(join(dir, 'config.json'));
  await initBackend(v, out, config);
  const started = Date.now();
  const signals = stopOnSignal(out);
  try {
    const r = await resumeJob({ runDir: dir, from: v.from ? resolve(v.from) : undefined, force: v.force, events: trainingEvents(out, config), onController: signals.attach });
    await finishTraining(out, r, dir, started, 'resume');
  } finally {
    signals.dispose();
  }
}

function listRunsCommand(v: Values, out: Output): void {
  const root = resolve(v.root ?? defaultRunsRoot('.'));
  const runs = listRuns(root);
  if (out.json) {
    out.result({ root, runs }, '');
    return;
  }
  if (runs.length === 0) {
    out.result({}, `no runs in ${root}`);
    return;
  }
  const rows = runs.map((r) => [r.id, r.status.state, r.status.phase ?? '-', r.status.epoch !== undefined ? `${r.status.epoch}/${r.status.epochs ?? '?'}` : '-', String(r.status.step ?? '-'), pct(r.status.bestKnnAccuracy), String(r.checkpoints)]);
  out.result({}, table(['run', 'state', 'phase', 'epochs', 'step', 'best kNN', 'ckpts'], rows) + (runs.some((r) => r.status.error) ? '\n' + runs.filter((r) => r.status.error).map((r) => `${r.id}: ${r.status.error}`).join('\n') : ''));
}

function listCheckpointsCommand(positionals: string[], out: Output): void {
  const runDir = positionals[1];
  if (!runDir) throw new IdaaError('checkpoints needs a run folder: idaa checkpoints <run-dir>');
  const dir = resolve(runDir);
  if (!existsSync(join(dir, 'config.json'))) throw new IdaaError(`${dir}: not a run folder (no config.json)`);
  const list = readManifest(dir).checkpoints;
  if (out.json) {
    out.result({ runDir: dir, checkpoints: list.map((c) => ({ ...c, path: join(dir, 'checkpoints', c.file) })) }, '');
    return;
  }
  const rows = list.map((c) => [c.file, c.kind, c.phase, String(c.epoch), String(c.step), pct(c.knnAccuracy), `${(c.bytes / 1e6).toFixed(1)} MB`, c.createdAt.replace('T', ' ').slice(0, 19)]);
  out.result({}, list.length ? table(['checkpoint', 'kind', 'phase', 'epochs done', 'step', 'kNN', 'size', 'written'], rows) : `no complete checkpoints in ${dir}`);
}

async function experiment(v: Values, positionals: string[], out: Output): Promise<void> {
  const spec = positionals[1];
  if (!spec) throw new IdaaError('experiment needs a spec file: idaa experiment <spec.json> [--parallel N] [--out DIR]');
  const { report, failed } = await runExperiment(resolve(spec), {
    cli: __filename,
    outRoot: v.out,
    parallel: num(v.parallel, 'parallel', true),
    log: (l) => out.log(l),
    command: `npm run experiment` + (spec.endsWith('default.json') ? '' : ` -- ${spec}`),
  });
  if (failed.length) throw new IdaaError(`${failed.length} cell(s) failed: ${failed.join(', ')}; run the same command again to retry them`);
  out.result({ report }, `report: ${report}`);
}

/** One cell of an experiment, in its own process (called by `idaa experiment`). */
async function experimentCell(v: Values, positionals: string[], out: Output): Promise<void> {
  const [, spec, id] = positionals;
  if (!spec || !id) throw new IdaaError('experiment-cell needs <spec.json> <cell-id>');
  const cell = findCell(resolve(spec), id);
  await initBackend(v, out, cell.config);
  const signals = stopOnSignal(out);
  try {
    const r = await runCell(experimentRoot(resolve(spec), v.out), cell, { ...trainingEvents(out, cell.config), state: undefined });
    out.result({ ...r }, `${id}: done`);
  } finally {
    signals.dispose();
  }
}

function pct(v: number | undefined): string {
  return v === undefined ? '-' : `${(v * 100).toFixed(2)}%`;
}

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd();
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n');
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
      case 'resume':
        await resume(values, positionals, out);
        break;
      case 'runs':
        listRunsCommand(values, out);
        break;
      case 'checkpoints':
        listCheckpointsCommand(positionals, out);
        break;
      case 'experiment':
        await experiment(values, positionals, out);
        break;
      case 'experiment-cell':
        await experimentCell(values, positionals, out);
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

