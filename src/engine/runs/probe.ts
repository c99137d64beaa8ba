import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { usesVae } from '../config/adversary';
import type { SampleNumbers } from '../inspect/inspect';
import { inspectTrainer } from '../inspect/trainerInspect';
import type { Trainer } from '../train/trainer';
import { writeJsonAtomic } from '../../common/runs/atomicFile';
import { runPaths } from '../../common/runs/layout';
import { readRegularFileSync } from '../../common/fileGuard';

/**
 * The inspector's history (config `inspect`): during the SSL phase a fixed probe batch — the first
 * test sample of each class, up to `probeCount` — is decomposed and attacked every `probeEvery` steps
 * and stored as `<run>/probes/probe-s<step>.json`. Probing attacks as training does (the auxiliary
 * batch norm with batch statistics, the probe batch filled to the run's batch size with test samples
 * drawn from a generator of its own) but records no running-statistic update and draws nothing from
 * the trainer's generators, so it does not change training; a resumed run overwrites a probe of the same step.
 */
/** What a probe says besides its images (shared with the worker and webview protocols). */
export interface ProbeSummary {
  step: number;
  epoch: number;
  eps: number;
  steps: number;
  lossBefore: number;
  lossAfter: number;
  samples: SampleNumbers[];
}

export interface ProbeFile extends ProbeSummary {
  kind: 'idaa-studio-probe';
  version: 1;
  /** NHWC of the probe batch. */
  shape: [number, number, number, number];
  /**
   * uint8-quantised pixels, base64: x and xAdv are [0, 1] · 255; absDiff is |x_adv − x| · 255 / absDiffMax
   * (so small changes keep their resolution).
   */
  x: string;
  xAdv: string;
  absDiff: string;
  absDiffMax: number;
}

/** A probe with its images decoded to float32 pixel units. */
export interface ProbeImages {
  shape: [number, number, number, number];
  x: Float32Array;
  xAdv: Float32Array;
  absDiff: Float32Array;
}

export function probeFileName(step: number): string {
  return `probe-s${String(step).padStart(6, '0')}.json`;
}

/** The probe batch: the first test sample of each class (in class order), at most `count`. */
export function probeIndices(labels: ArrayLike<number>, classes: number, count: number): number[] {
  const first = new Map<number, number>();
  for (let i = 0; i < labels.length && first.size < classes; i++) if (!first.has(labels[i])) first.set(labels[i], i);
  return [...first.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, i]) => i)
    .slice(0, count);
}

/** Whether a step (global, counted after it trained) of the SSL phase gets a probe. */
export function shouldProbe(trainer: Trainer, step: number): boolean {
  const every = trainer.config.inspect?.probeEvery ?? 0;
  // The history shows the latent attack: runs without one (CLAE, ε = 0, no IDAA) have none.
  return every > 0 && step % every === 0 && usesVae(trainer.config) && trainer.dataset.test.count > 0;
}

/** Decomposes and attacks the probe batch with the trainer's current models and writes it; returns the file. */
export function writeProbe(runDir: string, trainer: Trainer, step: number, epoch: number): string | undefined {
  const ds = trainer.dataset;
  const indices = probeIndices(ds.test.labels, ds.classNames.length, trainer.config.inspect?.probeCount ?? 8);
  if (indices.length < 2) return undefined; // NT-Xent needs a batch
  const r = inspectTrainer(trainer, { indices, split: 'test' });
  let absDiffMax = 0;
  for (const v of r.images.absDiff) if (v > absDiffMax) absDiffMax = v;
  const probe: ProbeFile = {
    kind: 'idaa-studio-probe',
    version: 1,
    step,
    epoch,
    eps: r.eps,
    steps: r.steps,
    lossBefore: r.lossBefore,
    lossAfter: r.lossAfter,
    samples: r.samples,
    shape: r.images.shape,
    x: quantise(r.images.x, 1),
    xAdv: quantise(r.images.xAdv, 1),
    absDiff: quantise(r.images.absDiff, absDiffMax),
    absDiffMax,
  };
  const dir = runPaths(runDir).probes;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, probeFileName(step));
  writeJsonAtomic(file, probe);
  return file;
}

/** The steps that have a probe, ascending. */
export function listProbes(runDir: string): number[] {
  const dir = runPaths(runDir).probes;
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => /^probe-s(\d+)\.json$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

export function readProbe(runDir: string, step: number): ProbeFile {
  const file = join(runPaths(runDir).probes, probeFileName(step));
  const p = JSON.parse(readRegularFileSync(file, { what: 'inspector probe', maxBytes: 256 * 1024 * 1024 }).toString('utf8')) as ProbeFile;
  if (p?.kind !== 'idaa-studio-probe') throw new Error(`${file} is not a probe of IDAA Studio`);
  return p;
}

export function decodeProbeImages(p: ProbeFile): ProbeImages {
  return { shape: p.shape, x: dequantise(p.x, 1), xAdv: dequantise(p.xAdv, 1), absDiff: dequantise(p.absDiff, p.absDiffMax) };
}

function quantise(a: Float32Array, max: number): string {
  const q = new Uint8Array(a.length);
  if (max > 0) for (let i = 0; i < a.length; i++) q[i] = Math.round(Math.min(1, Math.max(0, a[i] / max)) * 255);
  return Buffer.from(q).toString('base64');
}

function dequantise(s: string, max: number): Float32Array {
  const q = Buffer.from(s, 'base64');
  const out = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) out[i] = (q[i] / 255) * max;
  return out;
}
