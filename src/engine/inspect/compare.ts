/**
 * The inspector's comparisons over many attacks: an ε sweep of the same samples (how identity and
 * similarity fall as the radius grows) and a per-class table over a larger batch of the split.
 */
import type { InspectOptions, SampleInspector, SampleNumbers } from './inspect';

export interface SweepPoint {
  eps: number;
  samples: SampleNumbers[];
  /** x_adv of the shown samples at this ε, pixel units, NHWC. */
  xAdv: Float32Array;
  lossAfter: number;
}

/**
 * The same samples and batch attacked at each ε (the decomposition and first direction computed
 * once: each point costs one decode and the encoder forwards). `onPoint` reports progress and may
 * stop the sweep by returning false.
 */
export function sweepEps(inspector: SampleInspector, opts: InspectOptions, epsList: readonly number[], onPoint?: (done: number) => boolean): SweepPoint[] {
  const out: SweepPoint[] = [];
  for (const eps of epsList) {
    const r = inspector.inspect({ ...opts, eps });
    out.push({ eps, samples: r.samples, xAdv: r.images.xAdv, lossAfter: r.lossAfter });
    if (onPoint && !onPoint(out.length)) break;
  }
  return out;
}

export interface ClassRow {
  label: number;
  className: string;
  count: number;
  /** Samples whose own clean image stays the nearest to their x_adv (rank 1 in their batch). */
  kept: number;
  meanCosine: number;
  /** Mean ‖x_adv − x‖₂ per image, pixel units (over every pixel and channel). */
  meanL2: number;
}

export interface ClassTable {
  rows: ClassRow[];
  /** Samples attacked, and in batches of how many (each batch attacked as training attacks one). */
  samples: number;
  batchSize: number;
}

/**
 * `indices` attacked in consecutive batches of `batchSize` (the run's: a batch is what one training
 * step attacks together; a last, smaller batch is attacked alone), aggregated per class.
 * `onBatch` reports progress and may stop early by returning false (the table covers what was done).
 */
export function classTable(inspector: SampleInspector, opts: Omit<InspectOptions, 'indices' | 'batchSize'>, indices: readonly number[], batchSize: number, classNames: readonly string[], onBatch?: (done: number) => boolean): ClassTable {
  const acc = new Map<number, { count: number; kept: number; cos: number; l2: number; name: string }>();
  let done = 0;
  for (let start = 0; start < indices.length; start += batchSize) {
    const batch = indices.slice(start, start + batchSize);
    if (batch.length < 2) break; // a batch of one has no negatives and no batch statistics
    const r = inspector.inspect({ ...opts, indices: batch, batchSize: batch.length });
    const per = r.images.absDiff.length / batch.length;
    r.samples.forEach((s, i) => {
      let sq = 0;
      for (let k = i * per; k < (i + 1) * per; k++) sq += r.images.absDiff[k]! * r.images.absDiff[k]!;
      const a = acc.get(s.label) ?? { count: 0, kept: 0, cos: 0, l2: 0, name: s.className };
      a.count++;
      if (s.identityKept) a.kept++;
      a.cos += s.cosine;
      a.l2 += Math.sqrt(sq);
      acc.set(s.label, a);
    });
    done += batch.length;
    if (onBatch && !onBatch(done)) break;
  }
  const rows = [...acc.entries()]
    .sort(([a], [b]) => a - b)
    .map(([label, a]) => ({ label, className: classNames[label] ?? a.name, count: a.count, kept: a.kept, meanCosine: a.cos / a.count, meanL2: a.l2 / a.count }));
  return { rows, samples: done, batchSize };
}
