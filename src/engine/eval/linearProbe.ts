/**
 * Linear probe on frozen features, as the reference: one dense layer (dim -> classes), softmax
 * cross-entropy, Adam (lr 3e-4, no weight decay), batch 256, no augmentation, the training set
 * reshuffled every epoch.
 *
 * The reference reports the best test accuracy over epochs, which selects on the test set. We
 * report the FINAL epoch's test accuracy. The budget is either fixed (`epochs`) or, with a stop
 * rule (`stop`, see probeStop.ts), chosen by the probe's own convergence on the training split;
 * the test split is read only to report, never to decide when to stop. The per-epoch test curve
 * (optional) is recorded after the epoch's training metrics, for plots only.
 *
 * Features are used as given by default (standardize: false), as the reference does. Setting
 * standardize rescales each feature by the training split's mean and std (also applied to the
 * test split), which speeds up convergence with a fixed small lr but is not the reference
 * protocol.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients'; // tfjs-core alone registers no gradients
import { Rng } from '../rng';
import { probeConverged, ProbeStopRule, ProbeTrainEpoch } from './probeStop';

export interface ProbeSplit {
  /** N * dim values, row-major. */
  readonly features: Float32Array;
  /** N class indices. */
  readonly labels: Int32Array;
}

export interface LinearProbeOptions {
  /** Epochs to train; with `stop`, the most it may train. */
  readonly epochs: number;
  /** Stop early once converged on the training split (default: train all `epochs`). */
  readonly stop?: ProbeStopRule;
  /** Record the test accuracy after every epoch (default true); it never influences training. */
  readonly testCurve?: boolean;
  /** Adam learning rate (reference: 3e-4). */
  readonly lr?: number;
  /** Mini-batch size (reference: 256); the last, smaller batch is kept, as a DataLoader does. */
  readonly batchSize?: number;
  /** Seeds the weight initialisation and the shuffles. */
  readonly seed: number;
  /** Standardise features with the training split's statistics (default false). */
  readonly standardize?: boolean;
  /**
   * After each epoch (progress display): epoch index from 0, loss on the training split, test
   * accuracy (NaN without testCurve), accuracy on the training split. Nothing it does can change
   * when training stops.
   */
  readonly onEpoch?: (epoch: number, trainLoss: number, testAccuracy: number, trainAccuracy: number) => void;
}

export interface LinearProbeResult {
  /** Test accuracy after the last epoch: the number to report. */
  readonly finalTestAccuracy: number;
  /** Accuracy on the training split after the last epoch. */
  readonly trainAccuracy: number;
  /** Test accuracy after each epoch (a curve for inspection; selecting its maximum would select on test); empty without testCurve. */
  readonly perEpochTestAccuracy: number[];
  /** Cross-entropy on the whole training split after each epoch. */
  readonly perEpochTrainLoss: number[];
  /** Accuracy on the training split after each epoch. */
  readonly perEpochTrainAccuracy: number[];
  /** Epochs trained. */
  readonly epochs: number;
  /** Whether the stop rule ended training (false: the epoch budget did, or there is no rule). */
  readonly converged: boolean;
  readonly standardized: boolean;
}

export const LINEAR_PROBE_DEFAULTS = Object.freeze({ lr: 3e-4, batchSize: 256 });

const EVAL_ROWS = 4096;

function checkSplit(s: ProbeSplit, dim: number, numClasses: number, name: string): number {
  const n = s.labels.length;
  if (s.features.length !== n * dim) {
    throw new RangeError(`linear probe: ${name} has ${s.features.length} feature values for ${n} labels of dimension ${dim}`);
  }
  for (let i = 0; i < n; i++) {
    const l = s.labels[i];
    if (!(l >= 0 && l < numClasses)) throw new RangeError(`linear probe: ${name} label ${l} at ${i} is outside [0, ${numClasses})`);
  }
  return n;
}

/** Per-feature mean and std of the training split (std floored to avoid dividing by ~0). */
function featureStats(f: Float32Array, n: number, dim: number): { mean: Float32Array; std: Float32Array } {
  const mean = new Float64Array(dim);
  const sq = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < dim; d++) mean[d] += f[i * dim + d];
  }
  for (let d = 0; d < dim; d++) mean[d] /= Math.max(n, 1);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < dim; d++) {
      const v = f[i * dim + d] - mean[d];
      sq[d] += v * v;
    }
  }
  const std = Float32Array.from(sq, (s) => Math.max(Math.sqrt(s / Math.max(n, 1)), 1e-6));
  return { mean: Float32Array.from(mean), std };
}

function standardized(f: Float32Array, dim: number, stats: { mean: Float32Array; std: Float32Array }): Float32Array {
  const out = new Float32Array(f.length);
  for (let i = 0; i < f.length; i++) out[i] = (f[i] - stats.mean[i % dim]) / stats.std[i % dim];
  return out;
}

/** Mean cross-entropy and the fraction of rows whose argmax logit is the label, in blocks of EVAL_ROWS. */
function evaluate(features: Float32Array, labels: Int32Array, dim: number, numClasses: number, w: tf.Variable, b: tf.Variable): ProbeTrainEpoch {
  const n = labels.length;
  if (n === 0) return { loss: NaN, accuracy: 0 };
  let correct = 0;
  let lossSum = 0;
  for (let start = 0; start < n; start += EVAL_ROWS) {
    const end = Math.min(n, start + EVAL_ROWS);
    const [pred, nll] = tf.tidy(() => {
      const logits = tf.add(tf.matMul(tf.tensor2d(features.subarray(start * dim, end * dim), [end - start, dim]), w), b);
      const y = tf.cast(tf.oneHot(tf.tensor1d(labels.subarray(start, end), 'int32'), numClasses), 'float32');
      return [tf.argMax(logits, 1), tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(logits))))];
    });
    const p = pred.dataSync();
    lossSum += nll.dataSync()[0];
    tf.dispose([pred, nll]);
    for (let i = 0; i < p.length; i++) if (p[i] === labels[start + i]) correct++;
  }
  return { loss: lossSum / n, accuracy: correct / n };
}

/** Train the probe; see the module comment for the protocol. */
export async function trainLinearProbe(
  train: ProbeSplit,
  test: ProbeSplit,
  dim: number,
  numClasses: number,
  opts: LinearProbeOptions,
): Promise<LinearProbeResult> {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`linear probe: dim must be a positive integer, got ${dim}`);
  if (!Number.isInteger(numClasses) || numClasses < 2) throw new RangeError(`linear probe: numClasses must be at least 2, got ${numClasses}`);
  const nTrain = checkSplit(train, dim, numClasses, 'train');
  checkSplit(test, dim, numClasses, 'test');
  if (nTrain === 0) throw new RangeError('linear probe: no training samples');
  const lr = opts.lr ?? LINEAR_PROBE_DEFAULTS.lr;
  const batchSize = opts.batchSize ?? LINEAR_PROBE_DEFAULTS.batchSize;
  if (!Number.isInteger(opts.epochs) || opts.epochs < 0) throw new RangeError(`linear probe: epochs must be an integer >= 0, got ${opts.epochs}`);
  if (!(lr > 0)) throw new RangeError(`linear probe: lr must be positive, got ${lr}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`linear probe: batchSize must be a positive integer, got ${batchSize}`);
  if (opts.stop && !(opts.stop.patience >= 0 && opts.stop.tolerance >= 0)) throw new RangeError(`linear probe: stop patience and tolerance must be >= 0, got ${opts.stop.patience}, ${opts.stop.tolerance}`);

  const stats = opts.standardize ? featureStats(train.features, nTrain, dim) : undefined;
  const trainF = stats ? standardized(train.features, dim, stats) : train.features;
  // The test features are touched only when a test accuracy is computed (the training split's statistics).
  let testStd: Float32Array | undefined;
  const testF = (): Float32Array => (testStd ??= stats ? standardized(test.features, dim, stats) : test.features);

  const rng = new Rng(opts.seed);
  // torch.nn.Linear's default init: weight and bias ~ U(-1/sqrt(dim), 1/sqrt(dim)).
  const bound = 1 / Math.sqrt(dim);
  const w0 = new Float32Array(dim * numClasses);
  for (let i = 0; i < w0.length; i++) w0[i] = rng.uniform(-bound, bound);
  const b0 = new Float32Array(numClasses);
  for (let i = 0; i < b0.length; i++) b0[i] = rng.uniform(-bound, bound);
  const [w, b] = tf.tidy(() => [tf.variable(tf.tensor2d(w0, [dim, numClasses])), tf.variable(tf.tensor1d(b0))]);
  // torch.optim.Adam's defaults (tfjs's default epsilon is 1e-7).
  const optimizer = tf.train.adam(lr, 0.9, 0.999, 1e-8);

  const perEpochTestAccuracy: number[] = [];
  const history: ProbeTrainEpoch[] = [];
  const testCurve = opts.testCurve ?? true;
  let converged = false;
  const xb = new Float32Array(batchSize * dim);
  const yb = new Int32Array(batchSize);
  try {
    for (let epoch = 0; epoch < opts.epochs && !converged; epoch++) {
      const order = rng.permutation(nTrain);
      for (let start = 0; start < nTrain; start += batchSize) {
        const m = Math.min(batchSize, nTrain - start);
        for (let r = 0; r < m; r++) {
          const src = order[start + r];
          xb.set(trainF.subarray(src * dim, (src + 1) * dim), r * dim);
          yb[r] = train.labels[src];
        }
        const x = tf.tensor2d(xb.subarray(0, m * dim), [m, dim]);
        const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(yb.subarray(0, m), 'int32'), numClasses), 'float32'));
        optimizer.minimize(
          () => {
            const logits = tf.add(tf.matMul(x, w), b);
            // Mean softmax cross-entropy over the batch.
            return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(logits)), 1))) as tf.Scalar;
          },
          false,
          [w, b],
        );
        tf.dispose([x, y]);
      }
      // The whole training split after the epoch (not the running batch mean): the stop rule's only input.
      const onTrain = evaluate(trainF, train.labels, dim, numClasses, w, b);
      history.push(onTrain);
      converged = opts.stop !== undefined && probeConverged(history, opts.stop);
      const testAccuracy = testCurve ? evaluate(testF(), test.labels, dim, numClasses, w, b).accuracy : NaN;
      if (testCurve) perEpochTestAccuracy.push(testAccuracy);
      opts.onEpoch?.(epoch, onTrain.loss, testAccuracy, onTrain.accuracy);
      // Let other work (progress reporting, cancellation) run between epochs.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const trainAccuracy = history.length > 0 ? history[history.length - 1].accuracy : evaluate(trainF, train.labels, dim, numClasses, w, b).accuracy;
    return {
      finalTestAccuracy: evaluate(testF(), test.labels, dim, numClasses, w, b).accuracy,
      trainAccuracy,
      perEpochTestAccuracy,
      perEpochTrainLoss: history.map((h) => h.loss),
      perEpochTrainAccuracy: history.map((h) => h.accuracy),
      epochs: history.length,
      converged,
      standardized: opts.standardize === true,
    };
  } finally {
    optimizer.dispose();
    w.dispose();
    b.dispose();
  }
}
