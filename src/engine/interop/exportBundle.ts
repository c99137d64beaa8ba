import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { writeJsonAtomic } from '../../common/runs/atomicFile';
import { snapshotVariables } from '../checkpoint/modelState';
import type { MlpLayer } from '../models/mlp';
import type { Trainer } from '../train/trainer';
import { BUNDLE_CONFIG, BUNDLE_ENCODER, BUNDLE_FORMAT, BUNDLE_VAE, BUNDLE_VERSION, BundleConfig, ENCODER_ARCH, VAE_ARCH } from './bundle';
import { MapGeometry, toTorch } from './layout';
import { encoderSlot, TorchSlot, vaeSlot } from './names';
import { FloatTensor, writeSafetensorsFile } from './safetensors';

export interface ExportResult {
  dir: string;
  files: string[];
  config: BundleConfig;
  /** Tensors written per file. */
  counts: { vae: number; encoder: number };
}

/** Engine variables → PyTorch tensors, through the name map; `skip` collects names that have no PyTorch slot. */
async function convert(vars: Array<[string, tf.Variable]>, slotOf: (name: string) => TorchSlot | undefined, g: MapGeometry | undefined, skip: string[]): Promise<FloatTensor[]> {
  const wanted: Array<[string, tf.Variable]> = [];
  const slots = new Map<string, TorchSlot>();
  for (const [name, v] of vars) {
    const slot = slotOf(name);
    if (!slot) {
      skip.push(name);
      continue;
    }
    // A batch norm without affine part (SimSiam's last head layer) keeps γ = 1, β = 0 as state; PyTorch's has none.
    if (!v.trainable && /\.(weight|bias)$/.test(name)) continue;
    wanted.push([name, v]);
    slots.set(name, slot);
  }
  return (await snapshotVariables(wanted)).map((a) => {
    const slot = slots.get(a.name)!;
    const t = toTorch(slot.layout, a.shape, a.data, g);
    return { name: slot.torch, shape: t.shape, data: t.data };
  });
}

/**
 * A head's layer list, read off its PyTorch names under `prefix` (Linear weights are 2-d, a head
 * batch norm sits at the next index): the bundle's projector, and the parity tests' predictors.
 */
export function headSpec(tensors: readonly FloatTensor[], prefix = 'projector'): MlpLayer[] {
  const has = new Set(tensors.map((t) => t.name));
  const weight = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)\\.weight$`);
  const linear = tensors
    .map((t) => ({ m: weight.exec(t.name), shape: t.shape }))
    .filter((t): t is { m: RegExpExecArray; shape: number[] } => t.m !== null && t.shape.length === 2)
    .map((t) => ({ index: Number(t.m[1]), out: t.shape[0] }))
    .sort((a, b) => a.index - b.index);
  return linear.map((l, k) => {
    const bnAt = `${prefix}.${l.index + 1}.bn`;
    const bn: MlpLayer['bn'] = !has.has(`${bnAt}.running_mean`) ? 'none' : has.has(`${bnAt}.weight`) ? 'affine' : 'fixed';
    return { out: l.out, bias: has.has(`${prefix}.${l.index}.bias`), bn, relu: k < linear.length - 1 };
  });
}

/**
 * Writes a trainer's models as a bundle: the VAE, and the SSL model's backbone and projector when
 * it was trained, as safetensors with the authors' names and PyTorch layouts, plus the JSON the
 * PyTorch side needs. The tensors come from the model stores (the method's own variable list), so
 * a method with more networks (a target, a predictor) exports its online network and says what it left.
 */
export async function exportTrainer(trainer: Trainer, dir: string, source: Record<string, unknown>): Promise<ExportResult> {
  const c = trainer.config;
  const notes: string[] = [];
  const skipped: string[] = [];
  const geometry: MapGeometry = { f: trainer.vae.feat, d: c.vae.width };
  const vaeTensors = await convert(trainer.vae.store.all(), vaeSlot, geometry, skipped);
  if (skipped.length) throw new Error(`VAE variables without a PyTorch name: ${skipped.join(', ')}; update src/engine/interop/names.ts`);
  const trainedSsl = trainer.sslOpt.step > 0;
  const encTensors = trainedSsl ? await convert(trainer.method.variables(), encoderSlot, undefined, skipped) : [];
  if (!trainedSsl) notes.push('the SSL model was never trained in this checkpoint: only the VAE is exported');
  if (skipped.length) notes.push(`not exported (no PyTorch counterpart in the companion): ${skipped.length} tensors of ${[...new Set(skipped.map((n) => n.split('/')[0]))].join(', ')} (e.g. ${skipped.slice(0, 3).join(', ')})`);
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const meta = (architecture: string) => ({ format: 'pt', architecture, producer: 'idaa-studio' });
  writeSafetensorsFile(join(dir, BUNDLE_VAE), vaeTensors, meta(VAE_ARCH));
  files.push(join(dir, BUNDLE_VAE));
  if (encTensors.length) {
    writeSafetensorsFile(join(dir, BUNDLE_ENCODER), encTensors, meta(ENCODER_ARCH));
    files.push(join(dir, BUNDLE_ENCODER));
  }
  const widthOf = (stage: number) => encTensors.find((t) => t.name === `encoder.layer${stage}.0.conv1.weight`)?.shape[0] ?? 0;
  const config: BundleConfig = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    source: { tool: 'idaa-studio', ...source, exportedAt: new Date().toISOString() },
    vae: { architecture: VAE_ARCH, file: BUNDLE_VAE, d: c.vae.width, z: c.vae.latentDim, imageSize: c.data.imageSize, channels: 3 },
    encoder: encTensors.length
      ? { architecture: ENCODER_ARCH, file: BUNDLE_ENCODER, widths: [1, 2, 3, 4].map(widthOf), blocks: [...(trainer.encoder.opts.blocks ?? [2, 2, 2, 2])], auxBnMomentum: c.idaa.auxBnMomentum, projector: headSpec(encTensors), method: c.ssl.method }
      : null,
    normalize: { mean: [...trainer.mean], std: [...trainer.std] },
    idaa: { eps: c.idaa.eps, steps: c.idaa.steps, alpha: c.idaa.alpha },
    ssl: { method: c.ssl.method, temperature: c.ssl.temperature },
    trained: { vaeSteps: trainer.vaeOpt.step, sslSteps: trainer.sslOpt.step },
    notes,
    run: c as unknown as Record<string, unknown>,
  };
  writeJsonAtomic(join(dir, BUNDLE_CONFIG), config);
  files.push(join(dir, BUNDLE_CONFIG));
  return { dir, files, config, counts: { vae: vaeTensors.length, encoder: encTensors.length } };
}
