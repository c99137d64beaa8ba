import type { CellResult } from './cell';
import { MethodName, parseRow, rowLabel, rowName } from './rows';
import { meanStd, MeanStd, pairedDifference, PairedDifference } from './stats';

/** One row of the report: every seed of a (dataset, method, VAE source) group. */
export interface Aggregate {
  group: string;
  dataset: string;
  method: string;
  transferFrom?: string;
  n: number;
  knn: MeanStd;
  probe: MeanStd;
  probeTrain: MeanStd;
  /** Epochs the probe trained (min, max over seeds), and how many seeds' probes converged by the rule. */
  probeEpochs?: [number, number];
  probeConverged: number;
  trainSeconds: MeanStd;
  imagesPerSec: MeanStd;
  /** CPU seconds per cell (the whole cell process: training, evaluation, start-up). */
  cpuSeconds: MeanStd;
  knnPerEpoch: MeanStd[];
  /** Mean over seeds of the training-step seconds at the end of each epoch. */
  secondsAtEpoch: number[];
  /** Per seed, for the paired comparisons. */
  bySeed: { knn: Map<number, number>; probe: Map<number, number> };
  cells: CellResult[];
}

const rowKey = (dataset: string, method: string, transferFrom?: string) => `${dataset}|${method}|${transferFrom ?? ''}`;

export function aggregate(results: readonly CellResult[]): Aggregate[] {
  const groups = new Map<string, CellResult[]>();
  for (const r of results.filter((x) => x.kind !== 'vae' && x.method)) {
    const key = rowKey(r.dataset, r.method!, r.transferFrom);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.entries()].map(([key, rs]) => {
    const [dataset, method, transferFrom] = key.split('|');
    const epochs = Math.max(0, ...rs.map((r) => r.knnPerEpoch?.length ?? 0));
    const probeEpochs = rs.map((r) => r.probeEpochs).filter((e): e is number => e !== undefined);
    return {
      group: rowLabel(method as MethodName, transferFrom || undefined),
      dataset,
      method,
      transferFrom: transferFrom || undefined,
      n: rs.length,
      knn: meanStd(rs.map((r) => r.knnFinal ?? NaN)),
      probe: meanStd(rs.map((r) => r.probeFinal ?? NaN)),
      probeTrain: meanStd(rs.map((r) => r.probeTrain ?? NaN)),
      probeEpochs: probeEpochs.length ? [Math.min(...probeEpochs), Math.max(...probeEpochs)] : undefined,
      probeConverged: rs.filter((r) => r.probeConverged).length,
      trainSeconds: meanStd(rs.map((r) => r.trainSeconds)),
      imagesPerSec: meanStd(rs.map((r) => r.imagesPerSec)),
      cpuSeconds: meanStd(rs.map((r) => r.cpuSeconds ?? NaN)),
      knnPerEpoch: Array.from({ length: epochs }, (_, e) => meanStd(rs.map((r) => r.knnPerEpoch?.[e] ?? NaN))),
      secondsAtEpoch: Array.from({ length: epochs }, (_, e) => meanStd(rs.map((r) => r.secondsAtEpoch?.[e] ?? NaN)).mean),
      bySeed: { knn: new Map(rs.map((r) => [r.seed, r.knnFinal ?? NaN])), probe: new Map(rs.map((r) => [r.seed, r.probeFinal ?? NaN])) },
      cells: rs,
    };
  });
}

export interface Comparison {
  dataset: string;
  /** What the difference isolates, in words. */
  question: string;
  a: Aggregate;
  b: Aggregate;
  knn: PairedDifference;
  probe: PairedDifference;
}

function compare(dataset: string, question: string, a: Aggregate | undefined, b: Aggregate | undefined): Comparison[] {
  if (!a || !b) return [];
  return [{ dataset, question, a, b, knn: pairedDifference(a.bySeed.knn, b.bySeed.knn), probe: pairedDifference(a.bySeed.probe, b.bySeed.probe) }];
}

/**
 * The comparisons the report makes, each a − b paired by seed: per method, IDAA against the method
 * alone, the extra view alone (ε = 0) against the method alone, IDAA against ε = 0 (the attack's own
 * share), CLAE against the method alone and IDAA against CLAE (latent against pixel attack); each
 * transfer row against the same method with the dataset's own VAE.
 */
export function comparisons(agg: readonly Aggregate[], dataset: string): Comparison[] {
  const find = (method: string, transferFrom?: string) => agg.find((a) => a.dataset === dataset && a.method === method && a.transferFrom === transferFrom);
  const out: Comparison[] = [];
  const methods = [...new Set(agg.filter((a) => a.dataset === dataset).map((a) => parseRow(a.method as MethodName)).flatMap((r) => (r.kind === 'ssl' ? [r.ssl] : [])))];
  for (const m of methods) {
    const v = (variant: 'idaa' | 'idaa-eps0' | 'clae') => rowName({ kind: 'ssl', ssl: m, variant });
    out.push(
      ...compare(dataset, `IDAA vs ${m} alone`, find(v('idaa')), find(m)),
      ...compare(dataset, `extra view only (ε = 0) vs ${m} alone`, find(v('idaa-eps0')), find(m)),
      ...compare(dataset, `the latent attack itself: IDAA vs IDAA with ε = 0`, find(v('idaa')), find(v('idaa-eps0'))),
      ...compare(dataset, `CLAE vs ${m} alone`, find(v('clae')), find(m)),
      ...compare(dataset, `latent vs pixel attack: IDAA vs CLAE`, find(v('idaa')), find(v('clae'))),
    );
    for (const t of agg.filter((a) => a.dataset === dataset && a.transferFrom && a.method === v('idaa'))) {
      out.push(...compare(dataset, `VAE from ${t.transferFrom} vs the dataset's own`, t, find(v('idaa'))));
    }
  }
  return out;
}

/** Every trained row of a dataset against a calibration row (does training beat doing nothing?). */
export function calibrationChecks(agg: readonly Aggregate[], dataset: string, calibration: 'random-encoder' | 'raw-pixels'): Comparison[] {
  const base = agg.find((a) => a.dataset === dataset && a.method === calibration);
  if (!base) return [];
  return agg.filter((a) => a.dataset === dataset && parseRow(a.method as MethodName).kind === 'ssl').flatMap((a) => compare(dataset, `${a.group} vs ${base.group}`, a, base));
}

/** kNN accuracy of a cell at `seconds` of training, linearly interpolated on its per-epoch curve (undefined before its first epoch ended or past its last). */
export function knnAtSeconds(cell: CellResult, seconds: number): number | undefined {
  const t = cell.secondsAtEpoch ?? [];
  const y = cell.knnPerEpoch ?? [];
  const n = Math.min(t.length, y.length);
  if (n === 0 || seconds < t[0] || seconds > t[n - 1] * (1 + 1e-9)) return undefined;
  for (let i = 0; i < n; i++) {
    if (seconds <= t[i]) return i === 0 || t[i] === t[i - 1] ? y[i] : y[i - 1] + ((y[i] - y[i - 1]) * (seconds - t[i - 1])) / (t[i] - t[i - 1]);
  }
  return y[n - 1];
}

/**
 * The efficiency comparison per second: each seed's variant at the training time its plain row
 * took in all (the variant's kNN interpolated there) against the plain row's final kNN.
 */
export function equalTimeDifference(variant: Aggregate, plain: Aggregate): PairedDifference {
  const a = new Map<number, number>();
  const b = new Map<number, number>();
  for (const p of plain.cells) {
    const v = variant.cells.find((c) => c.seed === p.seed);
    const budget = p.secondsAtEpoch?.at(-1);
    const at = v && budget !== undefined ? knnAtSeconds(v, budget) : undefined;
    if (at === undefined || p.knnPerEpoch?.length === undefined) continue;
    a.set(p.seed, at);
    b.set(p.seed, p.knnPerEpoch.at(-1)!);
  }
  return pairedDifference(a, b);
}
