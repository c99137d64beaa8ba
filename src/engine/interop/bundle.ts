import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError } from '../../common/errors';
import { readRegularFileSync } from '../../common/fileGuard';
import type { MlpLayer } from '../models/mlp';

/**
 * A bundle: the folder `idaa export` writes and `idaa import` reads, which the companion package
 * (python/idaa_torch/bundle.py) writes and reads too. Its JSON carries what the PyTorch side needs to
 * build the models and feed them (architecture, normalisation, IDAA settings); the weights are
 * safetensors with the authors' names and PyTorch layouts.
 */
export const BUNDLE_CONFIG = 'idaa-torch.json';
export const BUNDLE_VAE = 'vae.safetensors';
export const BUNDLE_ENCODER = 'encoder.safetensors';
export const BUNDLE_FORMAT = 'idaa-torch-bundle';
export const BUNDLE_VERSION = 1;
export const VAE_ARCH = 'CVAE_cifar_withbn';
export const ENCODER_ARCH = 'resnet18-dualbn-cifar';

export interface BundleVae {
  architecture: typeof VAE_ARCH;
  file: string;
  /** Channels of the bottleneck map (the reference's d). */
  d: number;
  /** Latent dimension. */
  z: number;
  imageSize: number;
  channels: number;
}

export interface BundleEncoder {
  architecture: typeof ENCODER_ARCH;
  file: string;
  widths: number[];
  blocks: number[];
  auxBnMomentum: number;
  projector: MlpLayer[];
  method: string;
}

export interface BundleConfig {
  format: typeof BUNDLE_FORMAT;
  version: typeof BUNDLE_VERSION;
  source: Record<string, unknown>;
  vae: BundleVae | null;
  encoder: BundleEncoder | null;
  /** Per-channel normalisation of the models' inputs (x − mean) / std. */
  normalize: { mean: number[]; std: number[] };
  idaa: { eps: number; steps: number; alpha: number };
  ssl: { method: string; temperature: number };
  /** Optimizer steps each model was trained; null when not known (a checkpoint trained elsewhere). */
  trained: { vaeSteps: number | null; sslSteps: number | null };
  notes: string[];
  /** The IDAA Studio run config, when the bundle was exported from a run here. */
  run?: Record<string, unknown>;
}

const posInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const numList = (v: unknown, n?: number): v is number[] => Array.isArray(v) && v.every(num) && (n === undefined || v.length === n);

/** Each problem of a parsed config, as "field: what is wrong". */
function problems(c: Record<string, unknown>): string[] {
  const out: string[] = [];
  const vae = c.vae as Record<string, unknown> | null | undefined;
  const enc = c.encoder as Record<string, unknown> | null | undefined;
  if (!vae && !enc) out.push('vae and encoder: both missing (a bundle holds a VAE, an encoder or both)');
  if (vae) {
    if (vae.architecture !== VAE_ARCH) out.push(`vae.architecture: ${JSON.stringify(vae.architecture)} is not known; this build imports ${VAE_ARCH} (the authors' CIFAR CVAE)`);
    for (const k of ['d', 'z', 'imageSize', 'channels']) if (!posInt(vae[k])) out.push(`vae.${k}: ${JSON.stringify(vae[k])} is not a positive integer`);
    if (posInt(vae.imageSize) && vae.imageSize % 4) out.push(`vae.imageSize: ${vae.imageSize} is not divisible by 4`);
    if (posInt(vae.channels) && vae.channels !== 3) out.push(`vae.channels: ${vae.channels}; the models take 3 channels`);
  }
  if (enc) {
    if (enc.architecture !== ENCODER_ARCH) out.push(`encoder.architecture: ${JSON.stringify(enc.architecture)} is not known; this build imports ${ENCODER_ARCH} (the CIFAR ResNet-18 with dual batch norm)`);
    if (!Array.isArray(enc.widths) || enc.widths.length !== 4 || !enc.widths.every(posInt)) out.push(`encoder.widths: ${JSON.stringify(enc.widths)} is not four positive integers`);
    if (JSON.stringify(enc.blocks) !== '[2,2,2,2]') out.push(`encoder.blocks: ${JSON.stringify(enc.blocks)}; only ResNet-18 ([2,2,2,2]) is known`);
    if (!num(enc.auxBnMomentum)) out.push('encoder.auxBnMomentum: not a number');
    const p = enc.projector;
    const layerOk = (l: unknown) => {
      const o = l as Record<string, unknown>;
      return posInt(o?.out) && typeof o.bias === 'boolean' && (o.bn === 'none' || o.bn === 'affine' || o.bn === 'fixed') && typeof o.relu === 'boolean';
    };
    if (!Array.isArray(p) || p.length === 0 || !p.every(layerOk)) out.push(`encoder.projector: ${JSON.stringify(p)?.slice(0, 120)} is not a list of {out, bias, bn, relu} layers`);
  }
  const norm = c.normalize as Record<string, unknown> | undefined;
  if (!numList(norm?.mean, 3) || !numList(norm?.std, 3) || !(norm!.std as number[]).every((s) => s > 0)) out.push('normalize: needs mean and std, three numbers each (std > 0)');
  const idaa = c.idaa as Record<string, unknown> | undefined;
  if (!num(idaa?.eps) || !posInt(idaa?.steps) || !num(idaa?.alpha)) out.push('idaa: needs eps, steps (a positive integer) and alpha');
  const ssl = c.ssl as Record<string, unknown> | undefined;
  if (typeof ssl?.method !== 'string' || !num(ssl.temperature)) out.push('ssl: needs method and temperature');
  return out;
}

/** The bundle folder of a path given to `idaa import` (the folder itself or its JSON). */
export function bundleFolder(path: string): string {
  return path.endsWith('.json') && !statSync(path).isDirectory() ? join(path, '..') : path;
}

/** Reads and checks a bundle's JSON; every problem is reported at once, naming the field. */
export function readBundleConfig(folder: string): BundleConfig {
  const file = join(folder, BUNDLE_CONFIG);
  if (!existsSync(file)) throw new CheckpointError(folder, `not a bundle (no ${BUNDLE_CONFIG}); \`idaa export\` and the companion's save_bundle write one, \`python3 -m idaa_torch.convert\` makes one from PyTorch checkpoints`);
  let c: Record<string, unknown>;
  try {
    c = JSON.parse(readRegularFileSync(file, { what: 'bundle config', maxBytes: 16 * 1024 * 1024 }).toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new CheckpointError(file, `is not JSON (${(e as Error).message})`);
  }
  if (c?.format !== BUNDLE_FORMAT || c.version !== BUNDLE_VERSION) throw new CheckpointError(file, `format ${JSON.stringify(c?.format)} version ${JSON.stringify(c?.version)}; this build reads ${BUNDLE_FORMAT} version ${BUNDLE_VERSION}`);
  const bad = problems(c);
  if (bad.length) throw new CheckpointError(file, `describes models this build cannot import:\n  ${bad.join('\n  ')}`);
  const trained = (c.trained ?? {}) as Record<string, unknown>;
  return {
    ...(c as unknown as BundleConfig),
    trained: { vaeSteps: num(trained.vaeSteps) ? trained.vaeSteps : null, sslSteps: num(trained.sslSteps) ? trained.sslSteps : null },
    notes: Array.isArray(c.notes) ? c.notes.map(String) : [],
    source: (c.source ?? {}) as Record<string, unknown>,
  };
}
