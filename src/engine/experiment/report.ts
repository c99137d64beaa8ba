import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { linePlot, Series } from '../report/plot';
import { writePng } from '../../common/png';
import { CellResult } from './cell';
import { ExperimentSpec, MethodName, splitMethod } from './spec';

export interface Aggregate {
  group: string;
  dataset: string;
  method: string;
  transferFrom?: string;
  n: number;
  knn: MeanStd;
  probe: MeanStd;
  trainSeconds: MeanStd;
  imagesPerSec: MeanStd;
  knnPerEpoch: MeanStd[];
}

export interface MeanStd {
  mean: number;
  std: number;
}

/** Mean and sample standard deviation (n − 1); std 0 for one value. */
export function meanStd(v: number[]): MeanStd {
  const ok = v.filter(Number.isFinite);
  if (ok.length === 0) return { mean: NaN, std: NaN };
  const mean = ok.reduce((a, b) => a + b, 0) / ok.length;
  const std = ok.length > 1 ? Math.sqrt(ok.reduce((a, b) => a + (b - mean) ** 2, 0) / (ok.length - 1)) : 0;
  return { mean, std };
}

export function aggregate(results: CellResult[]): Aggregate[] {
  const groups = new Map<string, CellResult[]>();
  for (const r of results.filter((x) => x.kind === 'ssl')) {
    const key = `${r.dataset}|${r.method}|${r.transferFrom ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.entries()].map(([key, rs]) => {
    const [dataset, method, transferFrom] = key.split('|');
    const epochs = Math.max(...rs.map((r) => r.knnPerEpoch?.length ?? 0));
    return {
      group: transferFrom ? `${method} (VAE from ${transferFrom})` : method,
      dataset,
      method,
      transferFrom: transferFrom || undefined,
      n: rs.length,
      knn: meanStd(rs.map((r) => r.knnFinal ?? NaN)),
      probe: meanStd(rs.map((r) => r.probeFinal ?? NaN)),
      trainSeconds: meanStd(rs.map((r) => r.trainSeconds)),
      imagesPerSec: meanStd(rs.map((r) => r.imagesPerSec)),
      knnPerEpoch: Array.from({ length: epochs }, (_, e) => meanStd(rs.map((r) => r.knnPerEpoch?.[e] ?? NaN))),
    };
  });
}

const pct = (m: MeanStd) => `${(m.mean * 100).toFixed(2)} ± ${(m.std * 100).toFixed(2)}`;

/** "better", "worse" or "no difference": a gap smaller than the spread across seeds is no difference. */
export function verdict(a: MeanStd, b: MeanStd): string {
  const gap = a.mean - b.mean;
  const spread = Math.max(a.std, b.std);
  if (!Number.isFinite(gap)) return 'n/a';
  if (Math.abs(gap) <= spread) return `no difference (${(gap * 100).toFixed(2)} points, within the spread of ${(spread * 100).toFixed(2)})`;
  return `${gap > 0 ? 'higher' : 'lower'} by ${(Math.abs(gap) * 100).toFixed(2)} points (spread ${(spread * 100).toFixed(2)})`;
}

const COLORS: Array<[number, number, number]> = [
  [86, 156, 214],
  [236, 118, 0],
  [78, 201, 176],
  [197, 134, 192],
];

/** REPORT.md, results.json and one accuracy-versus-epoch plot per dataset. */
export interface ProbeBudget {
  epochs: number;
  stepsPerEpoch: number;
  lr: number;
  batch: number;
}

export function writeReport(root: string, spec: ExperimentSpec, results: CellResult[], command: string, machine: string, probe?: ProbeBudget): string {
  const agg = aggregate(results);
  writeFileSync(join(root, 'results.json'), JSON.stringify({ spec, machine, cells: results, aggregates: agg }, null, 2) + '\n');
  const lines: string[] = [];
  lines.push(`# Experiment "${spec.name}": does IDAA help?`, '');
  lines.push(`Reproduce: \`${command}\` (resumable: run it again after an interruption).`, '');
  lines.push(`Machine: ${machine}. Preset \`${spec.preset}\`; seeds ${spec.seeds.join(', ')}; overrides \`${JSON.stringify(spec.overrides ?? {})}\`.`, '');
  lines.push('kNN: weighted kNN on the projection (test split, after the last epoch, no selection). Probe: linear probe on frozen backbone features, trained on the train split, **final** test accuracy. Mean ± standard deviation over seeds.', '');
  if (probe) lines.push(`Linear probe budget: ${probe.epochs} epochs of ${probe.stepsPerEpoch} Adam steps (lr ${probe.lr}, batch ${probe.batch}) = ${probe.epochs * probe.stepsPerEpoch} steps. The reference trains its probe for 1000 epochs on 50,000 images; a budget this small leaves the probe under-trained, so here kNN is the steadier figure.`, '');
  lines.push('| dataset | method | n | kNN % | linear probe % | train time s | images/s |', '|---|---|---|---|---|---|---|');
  for (const a of agg) {
    lines.push(`| ${a.dataset} | ${a.group} | ${a.n} | ${pct(a.knn)} | ${pct(a.probe)} | ${a.trainSeconds.mean.toFixed(0)} ± ${a.trainSeconds.std.toFixed(0)} | ${a.imagesPerSec.mean.toFixed(1)} |`);
  }
  lines.push('', '## Verdict', '');
  // Each IDAA row is compared with its own method alone (SimSiam + IDAA with SimSiam, …).
  const baseOf = (dataset: string, method: string) => agg.find((a) => a.dataset === dataset && a.method === method && !a.transferFrom);
  for (const dataset of spec.datasets) {
    for (const a of agg.filter((x) => x.dataset === dataset && x.method.endsWith('+idaa'))) {
      const ssl = splitMethod(a.method as MethodName).ssl;
      const base = baseOf(dataset, ssl);
      if (base) lines.push(`- ${dataset}, ${a.group} vs ${ssl}: kNN ${verdict(a.knn, base.knn)}; linear probe ${verdict(a.probe, base.probe)}.`);
    }
  }
  lines.push('', '## Cost', '');
  for (const dataset of spec.datasets) {
    for (const m of spec.methods.filter((x) => !x.endsWith('+idaa'))) {
      const base = baseOf(dataset, m);
      const idaa = baseOf(dataset, `${m}+idaa`);
      if (base && idaa) lines.push(`- ${dataset}, ${m}: an IDAA epoch took ${(idaa.trainSeconds.mean / base.trainSeconds.mean).toFixed(2)}× the time of a plain epoch (${idaa.trainSeconds.mean.toFixed(0)} s vs ${base.trainSeconds.mean.toFixed(0)} s for the run). "Per epoch" below is the paper's efficiency measure; per second of training the comparison is less favourable by that factor.`);
    }
  }
  lines.push(`- Times were measured with ${spec.parallel ?? 1} cell(s) running side by side on the machine above, sometimes beside other jobs: compare them within this table, not with the benchmark.`);
  lines.push('', '## Accuracy versus epoch (efficiency)', '');
  for (const dataset of spec.datasets) {
    const series: Series[] = agg
      .filter((a) => a.dataset === dataset)
      .map((a, i) => ({ label: a.group, color: COLORS[i % COLORS.length], points: a.knnPerEpoch.map((m, e) => ({ x: e + 1, y: m.mean, band: m.std })) }));
    if (!series.length) continue;
    const png = join(root, `knn-vs-epoch-${dataset}.png`);
    writePng(png, linePlot(series, { title: `${dataset}: kNN accuracy per epoch (mean ± std over seeds)`, xLabel: 'SSL epoch', yLabel: 'kNN accuracy' }));
    lines.push(`![${dataset}](${relative(root, png)})`, '');
    const rows = agg.filter((a) => a.dataset === dataset);
    lines.push(`| epoch | ${rows.map((r) => r.group).join(' | ')} |`, `|---|${rows.map(() => '---').join('|')}|`);
    const epochs = Math.max(...rows.map((r) => r.knnPerEpoch.length));
    for (let e = 0; e < epochs; e++) lines.push(`| ${e + 1} | ${rows.map((r) => (r.knnPerEpoch[e] ? pct(r.knnPerEpoch[e]) : '-')).join(' | ')} |`);
    lines.push('');
  }
  lines.push('## Inspection sheets', '', 'x, G(x), R(x) (amplified), x_adv and |x_adv − x| for one sample per class, at the end of training (first seed).', '');
  // Copied beside the report: the run folders (with their checkpoints) are not part of the repository.
  mkdirSync(join(root, 'sheets'), { recursive: true });
  for (const r of results.filter((x) => x.inspection && x.seed === spec.seeds[0] && existsSync(x.inspection))) {
    const dest = join(root, 'sheets', `${r.id}.png`);
    copyFileSync(r.inspection!, dest);
    const note = r.method && !r.method.endsWith('+idaa') ? ['', `${r.method} cell: it borrows the VAE trained for the IDAA cells of the same dataset and seed, and the attack runs through the encoder\'s auxiliary batch norm, which this method never trains — read x_adv here as a probe, not as what IDAA would train on.`] : [];
    lines.push(`### ${r.id}`, ...note, '', `![${r.id}](${relative(root, dest)})`, '');
  }
  const file = join(root, 'REPORT.md');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}
