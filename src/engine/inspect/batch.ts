/**
 * The inspector's attack batch. Training attacks a whole batch at once (the auxiliary batch norm
 * uses its statistics, the contrastive losses its negatives), so a sample's x_adv depends on the
 * others: the inspector attacks the shown samples together with others of the same split, drawn
 * reproducibly, up to the run's batch size.
 */
import { Rng } from '../rng';

/** `count` distinct indices below `n` (none of `exclude`), drawn reproducibly from `seed`. */
export function drawIndices(n: number, count: number, seed: number, exclude: ReadonlySet<number> = new Set()): number[] {
  const rng = new Rng(`inspect/draw/${seed >>> 0}`);
  const pool: number[] = [];
  for (let i = 0; i < n; i++) if (!exclude.has(i)) pool.push(i);
  const k = Math.min(count, pool.length);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng.next() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, k);
}

/**
 * The shown samples first (their rows are the result's), then others of a split of `splitCount`
 * drawn with `seed` until the batch holds `batchSize` (or the whole split). A batch size at or
 * below the number shown attacks the shown samples alone.
 */
export function attackBatch(shown: readonly number[], splitCount: number, batchSize: number, seed: number): number[] {
  const extra = Math.max(0, Math.min(batchSize, splitCount) - shown.length);
  return [...shown, ...drawIndices(splitCount, extra, seed, new Set(shown))];
}
