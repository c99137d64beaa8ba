/** Split re-ordering and subsetting shared by the loaders and the dispatcher. */
import type { Split } from './types';

/**
 * Order for samples grouped by class: class 0 item 0, class 1 item 0, ..., class 0 item 1, ...
 * Loaders that read class by class use it so that any prefix of a split is close to
 * class-balanced, as MNIST's own order is. Returns [class, index within class] pairs.
 */
export function roundRobinOrder(perClass: readonly number[]): Array<[number, number]> {
  const order: Array<[number, number]> = [];
  const most = Math.max(0, ...perClass);
  for (let i = 0; i < most; i++) {
    for (let c = 0; c < perClass.length; c++) if (i < perClass[c]) order.push([c, i]);
  }
  return order;
}

/**
 * How many items to take from each class to make `limit` in all, as evenly as the classes
 * allow: every class gets the same share, the remainder goes to the lowest class indices, and a
 * class with too few items gives its unused share to the others.
 */
export function balancedQuota(counts: readonly number[], limit: number): number[] {
  const quota = counts.map(() => 0);
  let remaining = Math.min(limit, counts.reduce((a, b) => a + b, 0));
  while (remaining > 0) {
    const open = counts.map((_, c) => c).filter((c) => quota[c] < counts[c]);
    const share = Math.floor(remaining / open.length);
    if (share === 0) {
      for (const c of open.slice(0, remaining)) quota[c]++;
      break;
    }
    for (const c of open) {
      const give = Math.min(share, counts[c] - quota[c]);
      quota[c] += give;
      remaining -= give;
    }
  }
  return quota;
}

/** Copies the items at `indices` (in that order) out of a split. */
export function takeItems(split: Split, indices: ArrayLike<number>, imageBytes: number): Split {
  const n = indices.length;
  const images = new Uint8Array(n * imageBytes);
  const labels = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const i = indices[k];
    images.set(split.images.subarray(i * imageBytes, (i + 1) * imageBytes), k * imageBytes);
    labels[k] = split.labels[i];
  }
  return { images, labels, count: n };
}

/**
 * A deterministic class-balanced subset of at most `limit` items: the first items of each class
 * in split order (see balancedQuota), kept in their original relative order.
 */
export function balancedSubset(split: Split, limit: number, numClasses: number, imageBytes: number): Split {
  if (limit >= split.count) return split;
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < split.count; i++) counts[split.labels[i]]++;
  const quota = balancedQuota(counts, limit);
  const taken = new Array<number>(numClasses).fill(0);
  const indices: number[] = [];
  for (let i = 0; i < split.count; i++) {
    const c = split.labels[i];
    if (taken[c] < quota[c]) {
      taken[c]++;
      indices.push(i);
    }
  }
  return takeItems(split, indices, imageBytes);
}
