import * as tf from '@tensorflow/tfjs-core';
import type { RunConfig } from '../config/types';
import { Mlp, MlpLayer } from '../models/mlp';
import { ParamStore } from '../models/params';
import { ResNetEncoder } from '../models/resnet';
import { Rng } from '../rng';

/** Models see 3 channels whatever the data (grayscale is repeated), as the reference's CIFAR models. */
export const MODEL_CHANNELS = 3;

/** The online network: the dual-BN ResNet-18 with the method's projector, under the stable prefix "encoder". */
export function onlineEncoder(config: RunConfig, projector: (featureDim: number) => readonly MlpLayer[]): ResNetEncoder {
  return new ResNetEncoder({ widthMultiplier: config.ssl.widthMultiplier, channels: MODEL_CHANNELS, projector, auxBnMomentum: config.idaa.auxBnMomentum }, new Rng(`${config.seed}/init/encoder`));
}

/** Hidden width of a head: the configured one, or the backbone's feature width (0). */
export const hiddenOf = (config: RunConfig, featureDim: number): number => config.ssl.projectionHidden || featureDim;

/** A predictor head in its own store ("predictor/…"), trained with the online network. */
export function predictorHead(config: RunConfig, inDim: number, spec: readonly MlpLayer[]): { store: ParamStore; head: Mlp } {
  const store = new ParamStore('predictor', new Rng(`${config.seed}/init/predictor`));
  return { store, head: new Mlp(store, 'h', inDim, spec, config.idaa.auxBnMomentum) };
}

/**
 * A momentum (EMA) copy of the online network under "target/…": built with the same layers,
 * started equal to the online weights, never trained, updated by `emaUpdate`.
 */
export function targetEncoder(config: RunConfig, online: ResNetEncoder, projector: (featureDim: number) => readonly MlpLayer[]): ResNetEncoder {
  const t = new ResNetEncoder(
    { widthMultiplier: config.ssl.widthMultiplier, channels: MODEL_CHANNELS, projector, auxBnMomentum: config.idaa.auxBnMomentum },
    new Rng(`${config.seed}/init/target`),
    'target',
  );
  for (const [name, v] of t.store.all()) v.assign(onlineTwin(online, name));
  return t;
}

function onlineTwin(online: ResNetEncoder, targetName: string): tf.Variable {
  const name = `encoder/${targetName.slice('target/'.length)}`;
  const v = online.store.trainable.get(name) ?? online.store.state.get(name);
  if (!v) throw new Error(`no online weight ${name} for ${targetName}`);
  return v;
}

/** target ← τ·target + (1 − τ)·online over the trainable weights (running statistics follow the target's own forwards). */
export function emaUpdate(online: ResNetEncoder, target: ResNetEncoder, tau: number): void {
  tf.tidy(() => {
    for (const [name, t] of target.store.trainable) t.assign(tf.add(tf.mul(t, tau), tf.mul(onlineTwin(online, name), 1 - tau)));
  });
}

/** BYOL's EMA schedule: τ from `start` to `end` by a cosine over the training steps (constant when equal). */
export function emaRate(start: number, end: number, step: number, totalSteps: number): number {
  if (totalSteps <= 0) return end;
  return end - (end - start) * (Math.cos((Math.PI * Math.min(step, totalSteps)) / totalSteps) + 1) / 2;
}

/** A projector or predictor spec: Linear (+BN) (+ReLU) per layer. */
export function mlpSpec(widths: number[], opts: { bn: boolean; bias: boolean; lastBn?: 'none' | 'fixed' | 'affine'; lastBias?: boolean }): MlpLayer[] {
  return widths.map((out, i) => {
    const last = i === widths.length - 1;
    return { out, bias: last ? (opts.lastBias ?? opts.bias) : opts.bias, bn: last ? (opts.lastBn ?? 'none') : opts.bn ? 'affine' : 'none', relu: !last };
  });
}

/** SimCLR's projector c → hidden → out (Linear, ReLU, Linear); hidden 0 is the feature width c. */
export const simclrProjector =
  (out: number, hidden = 0) =>
  (c: number): MlpLayer[] =>
    mlpSpec([hidden || c, out], { bn: false, bias: true });
