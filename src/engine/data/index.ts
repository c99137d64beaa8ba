/** Public surface of the data layer. */
export type { Dataset, Split } from './types';
export { loadDataset, describeDataset, datasetKinds, expandChannels, type DatasetKind, type DatasetSpec } from './load';
export { loadMnist, loadFashionMnist, defaultCacheDir, MNIST_CLASSES, FASHION_MNIST_CLASSES, FASHION_TRAIN_PER_CLASS } from './builtin';
export { readPackedDataset, writePackedDataset, readPackedFile, PACKED_VERSION } from './packed';
export { loadCifar10, loadCifar100, CIFAR10_CLASSES } from './cifar';
export { loadImageFolder, decodeImage } from './imageFolder';
export { readIdxImages, readIdxLabels, loadIdxFolder } from './idx';
export { channelStats } from './stats';
export { resizeImage, resizeImages } from './resize';
export { balancedSubset } from './subset';
