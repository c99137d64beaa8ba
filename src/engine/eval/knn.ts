/**
 * The weighted kNN monitor of the reference (InstDisc style): features are L2-normalised, each
 * test sample takes its K most cosine-similar training samples, each neighbour votes for its
 * class with weight exp(similarity / sigma), and the class with the largest total wins (ties go to
 * the lowest class index, like argmax).
 *
 * Test rows are processed in chunks so that the similarity block (chunk x nTrain floats) stays
 * small: 60k x 10k never exists at once.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface KnnOptions {
  /** Neighbours per test sample (reference: 200); capped at the number of training samples. */
  readonly k?: number;
  /** Temperature of the vote weights exp(sim / sigma) (reference: 0.5). */
  readonly sigma?: number;
  /** Test rows per block; default keeps a block near 2^24 similarities (64 MiB). */
  readonly chunk?: number;
}

export const KNN_DEFAULTS = Object.freeze({ k: 200, sigma: 0.5 });

const BLOCK_ELEMENTS = 1 << 24;

function checkInputs(
  trainFeatures: Float32Array,
  trainLabels: Int32Array,
  testFeatures: Float32Array,
  dim: number,
  numClasses: number,
): { nTrain: number; nTest: number } {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`knn: dim must be a positive integer, got ${dim}`);
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new RangeError(`knn: numClasses must be a positive integer, got ${numClasses}`);
  const nTrain = trainLabels.length;
  if (nTrain === 0) throw new RangeError('knn: no training samples');
  if (trainFeatures.length !== nTrain * dim) {
    throw new RangeError(`knn: ${trainFeatures.length} training feature values for ${nTrain} labels of dimension ${dim}`);
  }
  if (testFeatures.length % dim !== 0) throw new RangeError(`knn: ${testFeatures.length} test feature values is not a multiple of dimension ${dim}`);
  for (let i = 0; i < nTrain; i++) {
    const l = trainLabels[i];
    if (!(l >= 0 && l < numClasses)) throw new RangeError(`knn: training label ${l} at ${i} is outside [0, ${numClasses})`);
  }
  return { nTrain, nTest: testFeatures.length / dim };
}

/** x / max(|x|, 1e-12) per row, as torch.nn.functional.normalize. */
function l2Normalize(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(x, tf.maximum(tf.norm(x, 'euclidean', 1, true), 1e-12)));
}

/** Predicted class of every test row. */
export function knnPredict(
  trainFeatures: Float32Array,
  trainLabels: Int32Array,
  testFeatures: Float32Array,
  dim: number,
  numClasses: number,
  opts: KnnOptions = {},
): Int32Array {
  const { nTrain, nTest } = checkInputs(trainFeatures, trainLabels, testFeatures, dim, numClasses);
  const kWanted = opts.k ?? KNN_DEFAULTS.k;
  const sigma = opts.sigma ?? KNN_DEFAULTS.sigma;
  if (!Number.isInteger(kWanted) || kWanted < 1) throw new RangeError(`knn: k must be a positive integer, got ${kWanted}`);
  if (!(sigma > 0)) throw new RangeError(`knn: sigma must be positive, got ${sigma}`);
  const k = Math.min(kWanted, nTrain);
  const chunk = opts.chunk ?? Math.max(1, Math.floor(BLOCK_ELEMENTS / nTrain));
  if (!Number.isInteger(chunk) || chunk < 1) throw new RangeError(`knn: chunk must be a positive integer, got ${chunk}`);

  const out = new Int32Array(nTest);
  if (nTest === 0) return out;
  // Stored as [dim, nTrain]: wasm's matMul is several times slower with transposeB.
  const bank = tf.tidy(() => tf.transpose(l2Normalize(tf.tensor2d(trainFeatures, [nTrain, dim]))));
  const labels = tf.tensor1d(trainLabels, 'int32');
  try {
    for (let start = 0; start < nTest; start += chunk) {
      const end = Math.min(nTest, start + chunk);
      const pred = tf.tidy(() => {
        const q = l2Normalize(tf.tensor2d(testFeatures.subarray(start * dim, end * dim), [end - start, dim]));
        const sim = tf.matMul(q, bank);
        const top = tf.topk(sim, k, true);
        // exp((sim - best) / sigma): the same vote ratios as exp(sim / sigma), without overflow
        // for small sigma (values are sorted, so column 0 holds the best).
        const best = tf.slice(top.values, [0, 0], [-1, 1]);
        const weights = tf.exp(tf.div(tf.sub(top.values, best), sigma));
        const neighbourLabels = tf.gather(labels, top.indices);
        // [rows, k, classes] one-hot votes, weighted, summed over the neighbours.
        // (oneHot's float32 dtype yields zeros on the wasm backend in tfjs 4.22, hence the cast.)
        const votes = tf.mul(tf.cast(tf.oneHot(neighbourLabels, numClasses), 'float32'), tf.expandDims(weights, 2));
        return tf.argMax(tf.sum(votes, 1), 1);
      });
      out.set(pred.dataSync() as Int32Array, start);
      pred.dispose();
    }
  } finally {
    bank.dispose();
    labels.dispose();
  }
  return out;
}

/** Fraction of test rows whose kNN prediction equals their label. */
export function knnAccuracy(
  trainFeatures: Float32Array,
  trainLabels: Int32Array,
  testFeatures: Float32Array,
  testLabels: Int32Array,
  dim: number,
  numClasses: number,
  opts: KnnOptions = {},
): number {
  if (testLabels.length * dim !== testFeatures.length) {
    throw new RangeError(`knn: ${testFeatures.length} test feature values for ${testLabels.length} labels of dimension ${dim}`);
  }
  if (testLabels.length === 0) return 0;
  const pred = knnPredict(trainFeatures, trainLabels, testFeatures, dim, numClasses, opts);
  let correct = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === testLabels[i]) correct++;
  return correct / pred.length;
}
