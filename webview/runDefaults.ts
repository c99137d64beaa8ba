/**
 * The Controls' defaults and tooltips from what a checkpoint was trained with (its config's idaa.*,
 * augment.* and seed, sent by the worker with every inspection). Plain functions, tested in Node.
 */
import { AUGMENT_STAGE_LABELS, type AugmentStage, type InspectRunInfo } from '../src/protocol/webview';

/** The encoder never trained (a VAE-phase checkpoint): the attack follows a random network. */
export function encoderUntrained(run: InspectRunInfo): boolean {
  return run.optimizerSteps.ssl === 0;
}

export interface ControlHints {
  eps: string;
  steps: string;
  seed: string;
  batch: string;
  mode: string;
  views: string;
  stages: Record<AugmentStage, string>;
  /** Short text beside the controls, e.g. "trained: ε 0.1 · 1 step". */
  trained: string;
}

const list = (v: readonly number[]) => `[${v.join(', ')}]`;

export function controlHints(run: InspectRunInfo, runId: string): ControlHints {
  const a = run.augment;
  const idaaOff = run.idaa.enabled ? '' : ' IDAA was off in this run: it never attacked during training; this is its config value.';
  return {
    eps: `ε, the latent attack's radius. Trained with ε = ${run.idaa.eps} (idaa.eps of ${runId}).${idaaOff}`,
    steps: `Attack steps. Trained with ${run.idaa.steps} (idaa.steps of ${runId}).${idaaOff}`,
    seed: `Which samples are drawn, their batch-mates and the views' randomness. The run trained with seed ${run.seed}.`,
    batch: `The attack batch: the shown samples plus others drawn from the split. Trained with batches of ${run.batchSize} (ssl.batchSize of ${runId}); at that size the attack is the one a training step makes.`,
    mode: 'Training mode is the attack a training step makes (the auxiliary batch norm with the batch’s statistics). Inference mode uses its running statistics instead: a different x_adv, shown for comparison.',
    views: 'Attack the run’s training views, as a training step does: view i (the run’s augmentation of x) is attacked, view j is shown beside it. Off: the clean x is attacked.',
    stages: {
      crop: `${AUGMENT_STAGE_LABELS.crop}: scale ${list(a.cropScale)}, ratio ${list(a.cropRatio)} in training${a.cropScale[0] === 1 && a.cropScale[1] === 1 ? ' (off)' : ''}.`,
      flip: `${AUGMENT_STAGE_LABELS.flip}: ${a.flip ? 'on' : 'off'} in training.`,
      jitter: `${AUGMENT_STAGE_LABELS.jitter}: p = ${a.jitterP}, strengths ${list(a.jitter)} in training${a.jitterP === 0 ? ' (off)' : ''}.`,
      grayscale: `${AUGMENT_STAGE_LABELS.grayscale}: p = ${a.grayscaleP} in training${a.grayscaleP === 0 ? ' (off)' : ''}.`,
    },
    trained: `trained: ε ${run.idaa.eps} · ${run.idaa.steps} step${run.idaa.steps === 1 ? '' : 's'}${run.idaa.enabled ? '' : ' (IDAA off)'}`,
  };
}

export const UNTRAINED_NOTICE =
  'This checkpoint is from the VAE phase: the encoder has not trained yet (0 SSL steps). The attack follows an untrained network’s gradient, so cos, rank, the loss terms and identity kept/lost are not meaningful here. G(x), R(x) and the reconstruction error are. Pick an SSL checkpoint to see what training does.';
