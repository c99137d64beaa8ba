/** Per-sample op sequences on planes: each sample gets its own ops (jitter, grayscale) in its own order. */
import * as tf from '@tensorflow/tfjs-core';
import { brightnessPlanes, contrastPlanes, huePlanes, saturationPlanes } from './colour';
import { JitterOp, type JitterParams } from './draws';
import { tidyPlanes, type Planes } from './planes';

/** Per-sample op applied to a group of samples. */
export type GroupOp = (p: Planes, samples: readonly number[]) => Planes;

/** A stage's choice for a sample that gets no op. */
export const SKIP = -1;

/**
 * Run a sequence of stages; at each stage every sample gets one of `ops` (or none). The rows are
 * regrouped by op (a scatter, which is much faster than gather on both backends), each group gets
 * its op on a contiguous slice, and a last scatter restores the original order. Each sample thus
 * gets exactly its own ops in its own order, and each op only computes on the samples that need it.
 */
export function runGrouped(planes: Planes, stages: readonly ((sample: number) => number)[], ops: readonly GroupOp[]): Planes {
  const n = planes[0].shape[0];
  const none = ops.length;
  const permute = (p: Planes, dest: Int32Array): Planes =>
    tidyPlanes(() => {
      const idx = tf.tensor2d(dest, [n, 1], 'int32');
      return p.map((c) => tf.scatterND(idx, c, c.shape) as tf.Tensor3D);
    });
  return tidyPlanes(() => {
    let cur: Planes = planes;
    // order[r]: the sample held in row r of `cur`.
    let order = Int32Array.from({ length: n }, (_, i) => i);
    for (const opOf of stages) {
      const groups: number[][] = Array.from({ length: none + 1 }, () => []);
      for (const s of order) {
        const op = opOf(s);
        groups[op === SKIP ? none : op].push(s);
      }
      if (groups[none].length === n) continue;
      const newOrder = Int32Array.from(groups.flat());
      if (newOrder.some((s, r) => s !== order[r])) {
        const newRowOf = new Int32Array(n);
        newOrder.forEach((s, r) => (newRowOf[s] = r));
        cur = permute(cur, Int32Array.from(order, (s) => newRowOf[s]));
      }
      const parts: Planes[] = [];
      let offset = 0;
      for (let op = 0; op <= none; op++) {
        const g = groups[op];
        if (g.length === 0) continue;
        const slice = g.length === n ? cur : cur.map((c) => tf.slice(c, [offset, 0, 0], [g.length, -1, -1]));
        offset += g.length;
        parts.push(op === none ? slice : ops[op](slice, g));
      }
      const channels = cur.length;
      cur = parts.length === 1 ? parts[0] : Array.from({ length: channels }, (_, c) => tf.concat(parts.map((part) => part[c]), 0));
      order = newOrder;
    }
    if (order.some((s, r) => s !== r)) cur = permute(cur, order);
    return cur === planes ? planes.map((c) => tf.clone(c)) : cur;
  });
}

export function jitterOpOf(params: readonly (JitterParams | null)[], channels: number, pos: number): (s: number) => number {
  return (s) => {
    const j = params[s];
    if (!j) return SKIP;
    const op = j.order[pos];
    // Disabled ops, and saturation / hue on grayscale images, are skipped as torchvision does.
    if (jitterFactor(j, op) === null || (channels === 1 && (op === JitterOp.Saturation || op === JitterOp.Hue))) return SKIP;
    return op;
  };
}

function jitterFactor(j: JitterParams, op: number): number | null {
  return op === JitterOp.Brightness ? j.brightness : op === JitterOp.Contrast ? j.contrast : op === JitterOp.Saturation ? j.saturation : j.hue;
}

export function jitterOps(params: readonly (JitterParams | null)[]): GroupOp[] {
  const factors = (samples: readonly number[], op: number): number[] =>
    samples.map((s) => jitterFactor(params[s] as JitterParams, op) as number);
  return [
    (p, g) => brightnessPlanes(p, factors(g, JitterOp.Brightness)),
    (p, g) => contrastPlanes(p, factors(g, JitterOp.Contrast)),
    (p, g) => saturationPlanes(p, factors(g, JitterOp.Saturation)),
    (p, g) => huePlanes(p, factors(g, JitterOp.Hue)),
  ];
}
