import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { RunConfig } from '../config/types';
import { Aggregate, aggregate, calibrationChecks, Comparison, comparisons, equalTimeDifference } from './aggregate';
import { CellResult } from './cell';
import { writeEfficiencyPlots } from './reportPlots';
import { MethodName, parseRow, rowName, VARIANTS } from './rows';
import { ExperimentSpec } from './spec';
import { describeDifference, MeanStd, PairedDifference, verdictOf } from './stats';

export type { Aggregate } from './aggregate';
export { aggregate } from './aggregate';
export { meanStd } from './stats';
export type { MeanStd } from './stats';

const pct = (m: MeanStd) => (Number.isFinite(m.mean) ? `${(m.mean * 100).toFixed(2)} ± ${(m.std * 100).toFixed(2)}` : '-');

/** A paired difference as a table cell: "+2.10 [0.40, 3.80] higher". */
function diffCell(d: PairedDifference): string {
  const v = verdictOf(d);
  if (v === 'n/a') return `n/a (${d.n} seed${d.n === 1 ? '' : 's'})`;
  const pts = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)}`;
  return `${pts(d.mean)} [${pts(d.lo)}, ${pts(d.hi)}] **${v}**`;
}

/** How the experiment's cells were evaluated, from the first trained cell's config. */
function protocolLines(spec: ExperimentSpec, c: RunConfig | undefined, agg: readonly Aggregate[]): string[] {
  const lines = ['## Protocol', ''];
  lines.push('- **Rows.** `raw pixels`: kNN and probe on the normalised pixels; `random encoder`: the SimCLR encoder at its random initialisation for the seed (no training). Per SSL method: the method alone, `+ IDAA` (latent FGSM view), `+ IDAA ε=0` (the same third view through the auxiliary batch norm with x_adv = x_i: the extra view alone), `+ CLAE` (FGSM in normalised-pixel space, ε ' + `${spec.claeEps ?? 0.03}` + ', through the auxiliary batch norm: the paper\'s adversarial baseline); `(VAE from …)`: IDAA with the VAE trained on another dataset.');
  if (c) {
    lines.push(`- **kNN**: weighted kNN on ${c.eval.knnFeatures === 'backbone' ? 'the backbone features h (the probe\'s input; the random-encoder row reads the same)' : `the ${c.ssl.projectionDim}-d projection`} (K = ${c.eval.knnK}, σ = ${c.eval.knnSigma}), train features with the test transform, test split, after the last epoch (no selection); the monitor runs after every epoch for the curves.`);
    const e = c.eval;
    const rule = e.probePatience > 0 ? `stopped by its own convergence on the training split (once the best training accuracy of the last ${e.probePatience} epochs was less than ${(e.probeTolerance * 100).toFixed(2)} points above the best before them), at most ${e.probeEpochs} epochs; the test split is read only to report` : `a fixed ${e.probeEpochs} epochs`;
    const epochs = agg.filter((a) => a.probeEpochs);
    const stopped = epochs.reduce((s, a) => s + a.probeConverged, 0);
    const probes = epochs.reduce((s, a) => s + a.n, 0);
    const atBudget = e.probePatience > 0 && stopped < probes ? `, the other ${probes - stopped} at the budget` : '';
    const used = epochs.length ? ` Epochs used: ${Math.min(...epochs.map((a) => a.probeEpochs![0]))}–${Math.max(...epochs.map((a) => a.probeEpochs![1]))}; ${stopped} of ${probes} probes stopped by the rule${atBudget}.` : '';
    lines.push(`- **Linear probe**: one dense layer on the frozen backbone features (main batch norm, inference mode), ${e.probeStandardize ? "features standardised with the training split's mean and std, " : ''}Adam lr ${e.probeLr}, batch ${e.probeBatchSize}, no augmentation; ${rule}. Train and **final** test accuracy are reported.${used}`);
  }
  lines.push(`- **Statistics**: mean ± sample standard deviation over ${spec.seeds.length} seeds. Differences are paired by seed (same initialisation, data order and augmentations) with a 95% confidence interval from the paired t distribution (t quantile with n − 1 degrees of freedom); **no difference** whenever the interval contains 0, n/a with fewer than two paired seeds (an interval of zero width means every seed gave the same difference). Cells read "+mean [low, high] verdict", in accuracy points.`);
  return [...lines, ''];
}

function resultsTable(rows: readonly Aggregate[]): string[] {
  const lines = ['| row | n | kNN % | probe test % | probe train % | probe epochs | train s | images/s | cell CPU s |', '|---|---|---|---|---|---|---|---|---|'];
  for (const a of rows) {
    const ep = a.probeEpochs ? (a.probeEpochs[0] === a.probeEpochs[1] ? `${a.probeEpochs[0]}` : `${a.probeEpochs[0]}–${a.probeEpochs[1]}`) : '-';
    const trained = a.trainSeconds.mean > 0;
    lines.push(`| ${a.group} | ${a.n} | ${pct(a.knn)} | ${pct(a.probe)} | ${pct(a.probeTrain)} | ${ep} | ${trained ? `${a.trainSeconds.mean.toFixed(0)} ± ${a.trainSeconds.std.toFixed(0)}` : '-'} | ${trained ? a.imagesPerSec.mean.toFixed(1) : '-'} | ${Number.isFinite(a.cpuSeconds.mean) ? a.cpuSeconds.mean.toFixed(0) : '-'} |`);
  }
  return [...lines, ''];
}

function comparisonTable(list: readonly Comparison[], first: string): string[] {
  if (!list.length) return [];
  const lines = [`| ${first} | kNN | linear probe |`, '|---|---|---|'];
  for (const c of list) lines.push(`| ${c.question} (${c.a.group} − ${c.b.group}) | ${diffCell(c.knn)} | ${diffCell(c.probe)} |`);
  return [...lines, ''];
}

function calibrationSection(agg: readonly Aggregate[], dataset: string): string[] {
  const random = calibrationChecks(agg, dataset, 'random-encoder');
  const raw = calibrationChecks(agg, dataset, 'raw-pixels');
  if (!random.length && !raw.length) return [];
  const lines = ['### Calibration: does training beat doing nothing?', '', 'Each trained row minus a calibration row, paired by seed.', ''];
  const rows = [...new Set([...random, ...raw].map((c) => c.a))];
  const cell = (list: Comparison[], a: Aggregate, k: 'knn' | 'probe') => {
    const c = list.find((x) => x.a === a);
    return c ? diffCell(c[k]) : '-';
  };
  lines.push('| row | kNN − random encoder | probe − random encoder | kNN − raw pixels | probe − raw pixels |', '|---|---|---|---|---|');
  for (const a of rows) lines.push(`| ${a.group} | ${cell(random, a, 'knn')} | ${cell(random, a, 'probe')} | ${cell(raw, a, 'knn')} | ${cell(raw, a, 'probe')} |`);
  // "Beats" means the paired interval lies above 0, not a higher mean.
  for (const [k, what] of [['knn', 'kNN'], ['probe', 'linear-probe']] as const) {
    const below = random.filter((c) => verdictOf(c[k]) !== 'higher').map((c) => c.a.group);
    if (random.length) lines.push('', below.length ? `Rows whose ${what} accuracy does **not** beat the random encoder (interval not above 0): ${below.join(', ')}.` : `Every trained row beats the random encoder on ${what} accuracy (every interval above 0).`);
  }
  lines.push('');
  return lines;
}

function efficiencySection(root: string, agg: readonly Aggregate[], dataset: string): string[] {
  const lines = ['### Efficiency: accuracy per epoch and per second', ''];
  const rows = agg.filter((a) => a.dataset === dataset);
  const methods = [...new Set(rows.flatMap((a) => { const r = parseRow(a.method as MethodName); return r.kind === 'ssl' ? [r.ssl] : []; }))];
  const equal: string[] = [];
  for (const m of methods) {
    const plain = rows.find((a) => a.method === m && !a.transferFrom);
    for (const variant of VARIANTS.filter((v) => v !== 'plain')) {
      const v = rows.find((a) => a.method === rowName({ kind: 'ssl', ssl: m, variant }) && !a.transferFrom);
      if (plain && v) equal.push(`| ${v.group} − ${plain.group} | ${diffCell(equalTimeDifference(v, plain))} | ${(v.trainSeconds.mean / Math.max(1e-9, plain.trainSeconds.mean)).toFixed(2)}× |`);
    }
  }
  if (equal.length) {
    lines.push("At equal training time: each seed's variant at the seconds its plain row trained in all (kNN interpolated on the variant's per-epoch curve) minus the plain row's final kNN; and the cost of a run relative to the plain one.", '');
    lines.push('| comparison | kNN at the plain row\'s training time | time per run |', '|---|---|---|', ...equal, '');
  }
  for (const p of writeEfficiencyPlots(root, agg, dataset)) lines.push(`![${p.title}](${relative(root, p.file)})`, '');
  for (const m of methods) {
    const mine = rows.filter((a) => { const r = parseRow(a.method as MethodName); return r.kind === 'ssl' && r.ssl === m && a.knnPerEpoch.length; });
    if (!mine.length) continue;
    const epochs = Math.max(...mine.map((r) => r.knnPerEpoch.length));
    lines.push(`kNN % per epoch, ${m} (seconds of training steps at the end of the epoch, mean over seeds):`, '', `| epoch | ${mine.map((r) => r.group).join(' | ')} |`, `|---|${mine.map(() => '---').join('|')}|`);
    for (let e = 0; e < epochs; e++) lines.push(`| ${e + 1} | ${mine.map((r) => (r.knnPerEpoch[e] ? `${pct(r.knnPerEpoch[e])} (${Number.isFinite(r.secondsAtEpoch[e]) ? r.secondsAtEpoch[e].toFixed(0) : '?'} s)` : '-')).join(' | ')} |`);
    lines.push('');
  }
  return lines;
}

/** REPORT.md and results.json of an experiment, with its plots and sheets beside them. */
export function writeReport(root: string, spec: ExperimentSpec, results: CellResult[], command: string, machine: string, config?: RunConfig): string {
  const agg = aggregate(results);
  const allComparisons = spec.datasets.flatMap((d) => comparisons(agg, d));
  const strip = (a: Aggregate) => ({ ...a, bySeed: undefined, cells: a.cells.map((c) => c.id) });
  const compJson = allComparisons.map((c) => ({ dataset: c.dataset, question: c.question, a: c.a.group, b: c.b.group, knn: c.knn, probe: c.probe, knnVerdict: verdictOf(c.knn), probeVerdict: verdictOf(c.probe) }));
  writeFileSync(join(root, 'results.json'), JSON.stringify({ spec, machine, cells: results, aggregates: agg.map(strip), comparisons: compJson }, null, 2) + '\n');
  const lines: string[] = [];
  lines.push(`# Experiment "${spec.name}": does IDAA help?`, '');
  lines.push(`Reproduce: \`${command}\` (resumable: run it again after an interruption).`, '');
  lines.push(`Machine: ${machine}. Preset \`${spec.preset}\`; seeds ${spec.seeds.join(', ')}; overrides \`${JSON.stringify(spec.overrides ?? {})}\`${spec.methodOverrides ? `; per method \`${JSON.stringify(spec.methodOverrides)}\`` : ''}.`, '');
  lines.push(...protocolLines(spec, config, agg));
  for (const dataset of spec.datasets) {
    const rows = agg.filter((a) => a.dataset === dataset);
    if (!rows.length) continue;
    lines.push(`## ${dataset}`, '', ...resultsTable(rows), ...calibrationSection(agg, dataset));
    const comps = allComparisons.filter((c) => c.dataset === dataset);
    if (comps.length) lines.push('### Comparisons (paired by seed, 95% CI)', '', ...comparisonTable(comps, 'comparison (a − b)'));
    lines.push(...efficiencySection(root, agg, dataset));
  }
  // A grid without a pair to compare (one method, or calibration rows only) has no verdict to give.
  if (allComparisons.length) {
    lines.push('## Verdict', '');
    for (const c of allComparisons) lines.push(`- ${c.dataset}, ${c.question}: kNN ${describeDifference(c.knn)}; linear probe ${describeDifference(c.probe)}.`);
    lines.push('');
  }
  lines.push(`Times were measured with ${spec.parallel ?? 1} cell(s) running side by side on the machine above, possibly beside other jobs: compare them within this report, not with the benchmark. Seconds count training steps only (no evaluation, no checkpoint writes).`, '');
  lines.push(...sheetLines(root, spec, results));
  const file = join(root, 'REPORT.md');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

function sheetLines(root: string, spec: ExperimentSpec, results: CellResult[]): string[] {
  const withSheets = results.filter((x) => x.inspection && x.seed === spec.seeds[0] && existsSync(x.inspection));
  if (!withSheets.length) return [];
  const lines = ['## Inspection sheets', '', 'x, G(x), R(x) (amplified), x_adv and |x_adv − x| for one sample per class, at the end of training (first seed).', ''];
  // Copied beside the report: the run folders (with their checkpoints) are not part of the repository.
  mkdirSync(join(root, 'sheets'), { recursive: true });
  for (const r of withSheets) {
    const dest = join(root, 'sheets', `${r.id}.png`);
    copyFileSync(r.inspection!, dest);
    const row = r.method ? parseRow(r.method as MethodName) : undefined;
    const note = row?.kind === 'ssl' && row.variant === 'plain' ? ['', `${r.method} cell: it borrows the VAE trained for the IDAA cells of the same dataset and seed, and the attack runs through the encoder's auxiliary batch norm, which this method never trains — read x_adv here as a probe, not as what IDAA would train on.`] : [];
    lines.push(`### ${r.id}`, ...note, '', `![${r.id}](${relative(root, dest)})`, '');
  }
  return lines;
}
