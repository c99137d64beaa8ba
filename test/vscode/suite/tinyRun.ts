/**
 * A run config small enough for seconds per epoch on one CPU core, with many SSL epochs so there
 * is time to pause; `knnEveryEpochs` sets how often the epoch lines carry a kNN accuracy.
 */
export function tinyRunConfig(knnEveryEpochs: number) {
  return {
    data: { imageSize: 8, trainLimit: 64, testLimit: 32 },
    vae: { epochs: 1, width: 4, latentDim: 4, batchSize: 16 },
    ssl: { epochs: 200, batchSize: 16, projectionDim: 8 },
    eval: { knnK: 4, knnEveryEpochs, probeEpochs: 0 },
    checkpoint: { everyEpochs: 0, keepLast: 2 },
  };
}
