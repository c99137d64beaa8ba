/**
 * A dataset in memory: uint8 pixels in NHWC order, the way every reader produces them, so that
 * the training pipeline has one input format whatever the source.
 */
export interface Split {
  /** N * height * width * channels bytes, NHWC, 0..255. */
  readonly images: Uint8Array;
  /** N class indices. */
  readonly labels: Int32Array;
  readonly count: number;
}

export interface Dataset {
  /** Short id, e.g. "fashion-mnist", "cifar10", "folder:/path". */
  readonly name: string;
  readonly height: number;
  readonly width: number;
  /** 1 (grayscale) or 3 (RGB) as stored; models may ask for 3 (grayscale is repeated). */
  readonly channels: 1 | 3;
  readonly classNames: readonly string[];
  readonly train: Split;
  readonly test: Split;
  /** Per-channel mean and std of the training pixels in [0, 1], for normalisation. */
  readonly mean: readonly number[];
  readonly std: readonly number[];
}
