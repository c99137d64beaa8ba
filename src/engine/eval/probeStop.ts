/**
 * When the linear probe has converged, judged on the training split alone (the test split is never
 * an input here, so no test number can choose the budget). After each epoch the probe's accuracy
 * (and loss) on the whole training split is recorded; training stops once the best training
 * accuracy of the last `patience` epochs is less than `tolerance` above the best before them.
 *
 * Accuracy, not loss: on the small training splits of CPU experiments a linear probe with more
 * weights than samples becomes (nearly) separable, and then its cross-entropy keeps falling
 * geometrically under Adam for thousands of epochs without changing what it predicts; the accuracy
 * it reports stops moving long before. A run at 100% training accuracy stops after `patience` epochs.
 */
export interface ProbeStopRule {
  /** Epochs to look back; 0 never stops early (a fixed budget). */
  patience: number;
  /** The least rise of the best training accuracy over `patience` epochs that counts as progress (0.005 = half a point). */
  tolerance: number;
}

export interface ProbeTrainEpoch {
  /** Mean cross-entropy on the training split after the epoch. */
  loss: number;
  /** Accuracy on the training split after the epoch. */
  accuracy: number;
}

export function probeConverged(history: readonly ProbeTrainEpoch[], rule: ProbeStopRule): boolean {
  const { patience, tolerance } = rule;
  if (!(patience > 0) || history.length <= patience) return false;
  const split = history.length - patience;
  const best = (xs: readonly ProbeTrainEpoch[]) => Math.max(...xs.map((e) => e.accuracy));
  return best(history.slice(split)) - best(history.slice(0, split)) < tolerance;
}
