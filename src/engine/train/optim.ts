import * as tf from '@tensorflow/tfjs-core';
import { ownedVariable } from '../models/params';

export interface AdamOptions {
  beta1: number;
  beta2: number;
  eps: number;
  /** Decoupled weight decay (AdamW); 0 makes it plain Adam. */
  weightDecay: number;
}

/** What the trainer needs of an optimizer: a step, its count, and named state for checkpoints. */
export interface Optimizer {
  step: number;
  apply(grads: Record<string, tf.Tensor>, lr: number): void;
  stateTensors(): Array<[string, tf.Variable]>;
  dispose(): void;
}

/**
 * Adam/AdamW with PyTorch's update rule and state we own (moments and step count as named
 * tensors), so that a checkpoint restores the optimizer exactly.
 */
export class Adam implements Optimizer {
  step = 0;
  readonly m = new Map<string, tf.Variable>();
  readonly v = new Map<string, tf.Variable>();

  constructor(
    readonly params: ReadonlyMap<string, tf.Variable>,
    readonly opts: AdamOptions,
  ) {
    for (const [name, p] of params) {
      this.m.set(name, ownedVariable(tf.zerosLike(p), false));
      this.v.set(name, ownedVariable(tf.zerosLike(p), false));
    }
  }

  /** `grads` as tf.variableGrads returns them: keyed by the tfjs variable's own name. */
  apply(grads: Record<string, tf.Tensor>, lr: number): void {
    this.step++;
    const { beta1, beta2, eps, weightDecay } = this.opts;
    const bc1 = 1 - Math.pow(beta1, this.step);
    const bc2 = 1 - Math.pow(beta2, this.step);
    for (const [name, p] of this.params) {
      const g = grads[p.name];
      if (!g) continue;
      const m = this.m.get(name)!;
      const v = this.v.get(name)!;
      tf.tidy(() => {
        if (weightDecay > 0) p.assign(tf.mul(p, 1 - lr * weightDecay));
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
        const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), eps);
        p.assign(tf.sub(p, tf.mul(lr / bc1, tf.div(m, denom))));
      });
    }
  }

  /** Named state tensors for checkpoints. */
  stateTensors(): Array<[string, tf.Variable]> {
    return [
      ...[...this.m.entries()].map(([n, t]): [string, tf.Variable] => [`adam.m/${n}`, t]),
      ...[...this.v.entries()].map(([n, t]): [string, tf.Variable] => [`adam.v/${n}`, t]),
    ];
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}

/**
 * SGD with momentum and L2 weight decay, PyTorch's rule: d = g + wd·p; buf = μ·buf + d (buf = d at
 * the first step); p ← p − lr·buf. The momentum buffers are named state, so resume is exact.
 */
export class Sgd implements Optimizer {
  step = 0;
  readonly buf = new Map<string, tf.Variable>();

  constructor(
    readonly params: ReadonlyMap<string, tf.Variable>,
    readonly opts: { momentum: number; weightDecay: number },
  ) {
    for (const [name, p] of params) this.buf.set(name, ownedVariable(tf.zerosLike(p), false));
  }

  apply(grads: Record<string, tf.Tensor>, lr: number): void {
    const first = this.step === 0;
    this.step++;
    const { momentum, weightDecay } = this.opts;
    for (const [name, p] of this.params) {
      const g = grads[p.name];
      if (!g) continue;
      const b = this.buf.get(name)!;
      tf.tidy(() => {
        const d = weightDecay > 0 ? tf.add(g, tf.mul(p, weightDecay)) : g;
        b.assign(first ? d : tf.add(tf.mul(b, momentum), d));
        p.assign(tf.sub(p, tf.mul(b, lr)));
      });
    }
  }

  stateTensors(): Array<[string, tf.Variable]> {
    return [...this.buf.entries()].map(([n, t]): [string, tf.Variable] => [`sgd.momentum/${n}`, t]);
  }

  dispose(): void {
    for (const t of this.buf.values()) t.dispose();
  }
}

/** VAE schedule of the reference: lr decays linearly to 0 over the run, per epoch. */
export function linearDecay(base: number, epoch: number, totalEpochs: number): number {
  return base * Math.max(0, 1 - epoch / totalEpochs);
}

/**
 * SSL schedule of the SimSiam, BYOL and MoCo code lines: over the first `warmup` epochs the lr rises
 * linearly per step, base·(s + 1)/(warmup·perEpoch) at step s, reaching base at the last warm-up step;
 * then a cosine per epoch over the epochs left, from base at epoch `warmup`. Without warm-up it is the
 * plain cosine over `totalEpochs`.
 */
export function linearWarmupCosine(base: number, epoch: number, batch: number, perEpoch: number, totalEpochs: number, warmup: number): number {
  if (epoch < warmup) return (base * (epoch * perEpoch + batch + 1)) / (warmup * perEpoch);
  return (base * (1 + Math.cos((Math.PI * (epoch - warmup)) / Math.max(1, totalEpochs - warmup)))) / 2;
}

/** SSL schedule of the reference: constant for `warmup` epochs, then cosine annealing over `totalEpochs` steps. */
export function warmupCosine(base: number, epoch: number, totalEpochs: number, warmup: number): number {
  const k = Math.max(0, epoch - warmup);
  return (base * (1 + Math.cos((Math.PI * k) / totalEpochs))) / 2;
}
