/**
 * The cases one child process runs on one backend (tfjs backends are process-global). Each
 * returns plain data; main.ts prints it as one JSON line.
 */
import * as tf from '@tensorflow/tfjs-core';
import { simclrAugment } from '../src/engine/augment/simclr';
import { RunConfig } from '../src/engine/config/types';
import { resolveConfig } from '../src/engine/config/resolve';
import { Dataset } from '../src/engine/data/types';
import { latentAttack } from '../src/engine/idaa/attack';
import { decompose, disposeDecomposition } from '../src/engine/idaa/decompose';
import { InspectOptions, InspectResult, inspectSamples, SampleInspector } from '../src/engine/inspect/inspect';
import { applyBnUpdates, BnUpdate, ForwardMode } from '../src/engine/models/layers';
import { gatherBatch } from '../src/engine/train/batches';
import { MODEL_CHANNELS, Trainer } from '../src/engine/train/trainer';
import { PEER_BATCH, PeerBench } from './peerShapes';
import { syntheticDataset } from '../src/engine/data/synthetic';
import type { BackendArg, BnVariant, Group, InspectLatency, LatencyRuns, MemorySample, MemoryTrace, StepKind, StepResult, Timing } from './types';
import { SSL_METHODS } from '../src/engine/ssl/methods';

export interface CaseContext {
  backend: BackendArg;
  threads: number;
  quick: boolean;
  log: (line: string) => void;
}

export interface Plan {
  steps: number;
  warmup: number;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

/**
 * Warm-up steps, then timed steps; the median is the figure of merit. The last warm-up step runs
 * under tf.profile for its peak tensor bytes (profiling costs little: no per-kernel data reads
 * outside DEBUG mode), so timed steps are never profiled.
 */
export async function timeSteps(ctx: CaseContext, label: string, plan: Plan, fn: () => number | Promise<number>): Promise<Timing> {
  let peakTensorMB: number | undefined;
  for (let i = 0; i < plan.warmup; i++) {
    const t0 = performance.now();
    if (i === plan.warmup - 1) {
      const info = await tf.profile(async () => {
        await fn();
      });
      peakTensorMB = round1(info.peakBytes / 2 ** 20);
    } else {
      await fn();
    }
    ctx.log(`  ${ctx.backend} ${label} warm-up ${i + 1}/${plan.warmup}: ${Math.round(performance.now() - t0)} ms${peakTensorMB !== undefined ? `, peak tensors ${peakTensorMB} MiB` : ''}`);
  }
  const before = tf.memory().numTensors;
  const ms: number[] = [];
  let images = 0;
  for (let i = 0; i < plan.steps; i++) {
    const t0 = performance.now();
    images = await fn();
    const dt = performance.now() - t0;
    ms.push(dt);
    ctx.log(`  ${ctx.backend} ${label} step ${i + 1}/${plan.steps}: ${Math.round(dt)} ms`);
  }
  const after = tf.memory().numTensors;
  const med = median(ms);
  return {
    steps: plan.steps,
    warmup: plan.warmup,
    imagesPerStep: images,
    medianMs: round1(med),
    minMs: round1(Math.min(...ms)),
    maxMs: round1(Math.max(...ms)),
    imgPerSec: round1((images * 1000) / med),
    stepMs: ms.map(round1),
    tensorsPerStep: plan.steps > 0 ? (after - before) / plan.steps : 0,
    ...(peakTensorMB === undefined ? {} : { peakTensorMB }),
  };
}

/** Size of the wasm backend's linear memory (it only grows), MiB; undefined on other backends. */
export function wasmHeapMB(): number | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const b: unknown = tf.backend();
  const wasm = typeof b === 'object' && b !== null ? (b as { wasm?: { HEAPU8?: Uint8Array } }).wasm : undefined;
  const heap = wasm?.HEAPU8;
  return heap instanceof Uint8Array ? round1(heap.length / 2 ** 20) : undefined;
}

function result(ctx: CaseContext, group: Group, step: StepKind, batch: number, t: Timing, extra: { bn?: BnVariant; note?: string } = {}): StepResult {
  return { group, step, backend: ctx.backend, threads: ctx.threads, batch, ...extra, ...t };
}

// ---------------------------------------------------------------- peer shapes

export type PeerStep = 'vae' | 'enc' | 'adv' | 'idaa';

export async function peerCase(ctx: CaseContext, what: PeerStep, bn: BnVariant, plan: Plan): Promise<StepResult> {
  const bench = new PeerBench(bn);
  try {
    const label = `peer/${what}${what === 'vae' ? '' : ` (bn ${bn})`}`;
    const fn = { vae: () => bench.vaeStep(), enc: () => bench.encStep(), adv: () => bench.advStep(), idaa: () => bench.idaaStep() }[what];
    const t = await timeSteps(ctx, label, plan, fn);
    const step: StepKind = what === 'enc' ? 'simclr' : what;
    return result(ctx, 'peer', step, PEER_BATCH, t, what === 'vae' ? {} : { bn });
  } finally {
    bench.dispose();
  }
}

/** Tensor count and RSS every `every` steps over a long run of peer VAE steps. */
export async function peerMemoryCase(ctx: CaseContext, steps: number, every: number): Promise<MemoryTrace> {
  const bench = new PeerBench('engine');
  try {
    return await memoryTrace(ctx, `peer VAE step (batch ${PEER_BATCH})`, steps, every, () => bench.vaeStep());
  } finally {
    bench.dispose();
  }
}

function memorySample(step: number): MemorySample {
  const m = tf.memory();
  const u = process.memoryUsage();
  return { step, numTensors: m.numTensors, numBytes: m.numBytes, rssMB: round1(u.rss / 2 ** 20), heapUsedMB: round1(u.heapUsed / 2 ** 20) };
}

async function memoryTrace(ctx: CaseContext, what: string, steps: number, every: number, fn: () => number | Promise<number>): Promise<MemoryTrace> {
  await fn(); // one warm-up step: kernels and wasm heap initialised
  const samples: MemorySample[] = [memorySample(0)];
  const t0 = performance.now();
  for (let s = 1; s <= steps; s++) {
    await fn();
    if (s % every === 0 || s === steps) {
      const m = memorySample(s);
      samples.push(m);
      const rate = (performance.now() - t0) / s;
      ctx.log(`  ${ctx.backend} memory ${what}: step ${s}/${steps}, ${m.numTensors} tensors, RSS ${m.rssMB} MB (${Math.round(rate)} ms/step)`);
    }
  }
  const first = samples[0];
  const last = samples[samples.length - 1];
  const steady = samples.length > 2 ? samples[1] : first;
  return {
    what,
    backend: ctx.backend,
    steps,
    every,
    samples,
    tensorsFlat: samples.every((m) => m.numTensors === first.numTensors),
    rssGrowthMB: round1(last.rssMB - first.rssMB),
    rssGrowthSteadyMB: round1(last.rssMB - steady.rssMB),
    numBytesGrowth: last.numBytes - first.numBytes,
  };
}

// ---------------------------------------------------------------- presets through the Trainer

/** Plans of the steps to run; a step without a plan is skipped. */
export interface PresetPlans {
  vae?: Plan;
  simclr?: Plan;
  adv?: Plan;
  idaa?: Plan;
  augment?: Plan;
}

function presetConfig(preset: 'tiny' | 'small' | 'reference', batch: number): RunConfig {
  return preset === 'tiny'
    ? resolveConfig({ preset: 'tiny', backend: 'auto', vae: { batchSize: batch }, ssl: { batchSize: batch } })
    : preset === 'small'
    ? resolveConfig({ preset: 'small', backend: 'auto' })
    : // The reference preset reads CIFAR-10 from a folder; the benchmark never loads it (synthetic data).
      resolveConfig({ preset: 'reference', data: { path: '(synthetic, in memory)' }, vae: { batchSize: batch }, ssl: { batchSize: batch } });
}

function presetDataset(cfg: RunConfig, batch: number): Dataset {
  // Fashion-MNIST is grayscale (the model sees it repeated to RGB); CIFAR is RGB.
  const channels = cfg.data.dataset === 'fashion-mnist' || cfg.data.dataset === 'mnist' ? 1 : 3;
  return syntheticDataset({ train: Math.max(4 * batch, 128), test: 64, size: cfg.data.imageSize, channels, classes: 10 });
}

/** Batches drawn in order from the synthetic train split (content is irrelevant to speed). */
function batchCursor(n: number, batch: number): () => Int32Array {
  let start = 0;
  return () => {
    if (start + batch > n) start = 0;
    const idx = Int32Array.from({ length: batch }, (_, i) => start + i);
    start += batch;
    return idx;
  };
}

/**
 * The four steps of a preset through the engine's Trainer: vaeStep; sslStep with IDAA off (SimCLR)
 * and on (full IDAA); and the adversarial step alone (decompose + attack loss + latent attack, as
 * sslStep runs them, on a pre-augmented batch). Plus SimCLR augmentation alone when asked.
 */
export async function presetCase(ctx: CaseContext, preset: 'small' | 'reference', batch: number, plans: PresetPlans): Promise<StepResult[]> {
  const cfg = presetConfig(preset, batch);
  const ds = presetDataset(cfg, batch);
  ctx.log(`  ${ctx.backend} ${preset}: VAE d=${cfg.vae.width} z=${cfg.vae.latentDim}, ResNet-18 ×${cfg.ssl.widthMultiplier}, batch ${batch}, ${ds.name}`);
  const trainer = new Trainer(cfg, ds);
  const next = batchCursor(ds.train.count, batch);
  const out: StepResult[] = [];
  const idaaWas = cfg.idaa.enabled;
  try {
    // The trainer's asynchronous steps: the webgpu backend cannot read its losses synchronously.
    if (plans.vae) out.push(result(ctx, preset, 'vae', batch, await timeSteps(ctx, `${preset}/vae`, plans.vae, async () => (await trainer.vaeStepAsync(next(), cfg.vae.lr), batch))));

    cfg.idaa.enabled = false; // the Trainer reads its config at every step
    if (plans.simclr) out.push(result(ctx, preset, 'simclr', batch, await timeSteps(ctx, `${preset}/simclr`, plans.simclr, async () => (await trainer.sslStepAsync(next(), cfg.ssl.lr), 2 * batch))));

    if (plans.adv) {
      const xi = tf.tidy(() => simclrAugment(gatherBatch(ds, ds.train, next(), MODEL_CHANNELS), trainer.augRng, trainer.augmentOptions()));
      const advStep = async (): Promise<number> => {
        const updates: BnUpdate[] = [];
        const aux: ForwardMode = { training: true, bn: 'aux', updates };
        const dec = decompose(trainer.vae, xi);
        const att = trainer.method.attackLoss(xi, aux);
        const res = latentAttack(trainer.vae, dec, att.lossOf, { eps: cfg.idaa.eps, steps: cfg.idaa.steps, readLoss: false });
        att.dispose();
        disposeDecomposition(dec);
        await res.xAdv.data();
        applyBnUpdates(updates);
        tf.dispose([res.xAdv, res.zAdv]);
        return batch;
      };
      try {
        out.push(result(ctx, preset, 'adv', batch, await timeSteps(ctx, `${preset}/adv`, plans.adv, advStep)));
      } finally {
        xi.dispose();
      }
    }

    cfg.idaa.enabled = true;
    if (plans.idaa) out.push(result(ctx, preset, 'idaa', batch, await timeSteps(ctx, `${preset}/idaa`, plans.idaa, async () => (await trainer.sslStepAsync(next(), cfg.ssl.lr), batch))));

    if (plans.augment) {
      const augment = async (): Promise<number> => {
        const views = tf.tidy(() => {
          const x = gatherBatch(ds, ds.train, next(), MODEL_CHANNELS);
          const o = trainer.augmentOptions();
          return [simclrAugment(x, trainer.augRng, o), simclrAugment(x, trainer.augRng, o)];
        });
        await views[1].data();
        tf.dispose(views);
        return 2 * batch;
      };
      out.push(result(ctx, preset, 'augment', batch, await timeSteps(ctx, `${preset}/augment`, plans.augment, augment), { note: 'gatherBatch + two simclrAugment calls' }));
    }
  } finally {
    cfg.idaa.enabled = idaaWas;
    trainer.dispose();
  }
  return out;
}

/** Tensor count and RSS over N small-preset SSL steps with IDAA (the real training path). */
/** Tensors and memory over many full IDAA steps (augment, decompose, attack, dual BN, Adam) of a preset. */
/**
 * One SSL step of every method at the small preset (batch 64, ResNet-18 at quarter width, 32×32),
 * without and with IDAA: the per-method throughput the README quotes.
 */
export async function methodsCase(ctx: CaseContext, batch: number, plan: Plan): Promise<StepResult[]> {
  const out: StepResult[] = [];
  for (const method of SSL_METHODS) {
    for (const idaa of [false, true]) {
      const cfg = resolveConfig({ preset: 'small', backend: 'auto', ssl: { method, batchSize: batch }, idaa: { enabled: idaa } });
      const ds = presetDataset(cfg, batch);
      const trainer = new Trainer(cfg, ds);
      const next = batchCursor(ds.train.count, batch);
      const step: StepKind = idaa ? `${method}+idaa` : method;
      try {
        // Images per step as the other rows count them: the batch, twice without IDAA (two views), once with it.
        out.push(result(ctx, 'small', step, batch, await timeSteps(ctx, `small/${step}`, plan, async () => (await trainer.sslStepAsync(next(), cfg.ssl.lr, 1000), idaa ? batch : 2 * batch))));
      } finally {
        trainer.dispose();
      }
    }
  }
  return out;
}

export async function idaaMemoryCase(ctx: CaseContext, preset: 'tiny' | 'small', batch: number, steps: number, every: number): Promise<MemoryTrace> {
  const cfg = presetConfig(preset, batch);
  const ds = presetDataset(cfg, batch);
  const trainer = new Trainer(cfg, ds);
  const next = batchCursor(ds.train.count, batch);
  try {
    return await memoryTrace(ctx, `${preset} preset sslStep with IDAA (batch ${batch})`, steps, every, async () => (await trainer.sslStepAsync(next(), cfg.ssl.lr), batch));
  } finally {
    trainer.dispose();
  }
}

/**
 * Inspector latency for 16 test samples of the small model (attacked in a batch of 64, training
 * mode, as the panel's default), ε changed at every run: with new
 * samples each time (the whole pipeline) and with the same samples through one SampleInspector
 * (what the panel's ε slider costs once the samples are loaded).
 */
export function inspectCase(ctx: CaseContext, runs: number, warmup: number): InspectLatency {
  const cfg = presetConfig('small', 64);
  const ds = presetDataset(cfg, 64);
  const trainer = new Trainer(cfg, ds);
  const count = 16;
  // The inspector's default: the training-mode attack over a batch of the run's size (64).
  const options = (indices: number[], eps: number): InspectOptions => ({
    indices,
    split: 'test',
    eps,
    steps: cfg.idaa.steps,
    imageSize: cfg.data.imageSize,
    mean: trainer.mean,
    std: trainer.std,
    mode: 'training',
    batchSize: cfg.ssl.batchSize,
    batchSeed: 0,
  });
  const timed = (what: string, inspect: (r: number, eps: number) => InspectResult): LatencyRuns => {
    const ms: number[] = [];
    const epsUsed: number[] = [];
    let before = 0;
    for (let r = 0; r < warmup + runs; r++) {
      if (r === warmup) before = tf.memory().numTensors;
      const eps = Math.round((0.05 + 0.01 * r) * 1000) / 1000;
      const t0 = performance.now();
      const res = inspect(r, eps);
      const dt = performance.now() - t0;
      if (res.samples.length !== count) throw new Error('the inspection returned the wrong number of samples');
      ctx.log(`  ${ctx.backend} inspect ${what} ${r < warmup ? 'warm-up' : 'run'} (ε ${eps}): ${Math.round(dt)} ms`);
      if (r >= warmup) {
        ms.push(dt);
        epsUsed.push(eps);
      }
    }
    const after = tf.memory().numTensors;
    return { medianMs: round1(median(ms)), minMs: round1(Math.min(...ms)), maxMs: round1(Math.max(...ms)), runMs: ms.map(round1), eps: epsUsed, tensorsPerRun: runs > 0 ? (after - before) / runs : 0 };
  };
  const inspector = new SampleInspector(trainer.vae, trainer.method, ds);
  try {
    // Fresh: another 16 samples each run (the test split of the synthetic set has 64).
    const fresh = timed('fresh', (r, eps) => inspectSamples(trainer.vae, trainer.method, ds, options(Array.from({ length: count }, (_, i) => (r * 7 + i) % 64), eps)));
    const fixed = Array.from({ length: count }, (_, i) => i);
    inspector.inspect(options(fixed, 0.01)); // loads the samples, as opening the panel does
    const epsChange = timed('ε change', (_r, eps) => inspector.inspect(options(fixed, eps)));
    return { backend: ctx.backend, samples: count, batch: cfg.ssl.batchSize, runs, warmup, fresh, epsChange };
  } finally {
    inspector.dispose();
    trainer.dispose();
  }
}
