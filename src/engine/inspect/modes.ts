/**
 * The inspector's two attacks: training mode (the auxiliary batch norm normalises with the attack
 * batch's own statistics, as every training step does) and inference mode (its running
 * statistics). Their latent gradients can point in very different directions; the inspector says
 * how far, so a user knows what the optional mode's pictures stand for.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ForwardMode } from '../models/layers';

export type AttackMode = 'training' | 'inference';
export const ATTACK_MODES: readonly AttackMode[] = ['training', 'inference'];

/** The auxiliary batch norm in the given mode, with no list of updates: inspecting never moves a running statistic. */
export function auxMode(mode: AttackMode): ForwardMode {
  return { training: mode === 'training', bn: 'aux' };
}

export interface ModeAgreement {
  /** cos(∇_z L_training, ∇_z L_inference) over the whole attack batch, at z = μ. */
  cosine: number;
  /** Fraction of latent entries (whole batch) whose gradient signs agree: the attack steps by sign. */
  signAgreement: number;
  /** The cosine per shown sample (the batch's first rows). */
  perSampleCosine: number[];
}

/** How the two modes' latent gradients ([batch, latent]) agree; `shown` = rows reported one by one. */
export function compareGradients(training: tf.Tensor2D, inference: tf.Tensor2D, shown: number): ModeAgreement {
  const a = training.dataSync();
  const b = inference.dataSync();
  const dim = training.shape[1];
  const cos = (from: number, to: number): number => {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let k = from; k < to; k++) {
      ab += a[k] * b[k];
      aa += a[k] * a[k];
      bb += b[k] * b[k];
    }
    // Zero gradients (ε-free checkpoints, a dead encoder) have no direction: say so with NaN.
    return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : NaN;
  };
  let same = 0;
  for (let k = 0; k < a.length; k++) if (Math.sign(a[k]) === Math.sign(b[k])) same++;
  return {
    cosine: cos(0, a.length),
    signAgreement: a.length ? same / a.length : NaN,
    perSampleCosine: Array.from({ length: shown }, (_, i) => cos(i * dim, (i + 1) * dim)),
  };
}
