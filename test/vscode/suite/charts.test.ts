/// <reference types="mocha" />
/**
 * The charts (uPlot) and the runs comparison inside a real VS Code (issue 13, items 1 and 2): the
 * inspector's Training charts answer a hover with values (uPlot's cursor, driven through its API
 * by the pages' test hook window.__idaaCharts), integer axes carry whole-number tick labels, VAE and
 * SSL are separate series, a theme change redraws them, and a chart's CSV button writes the points
 * it shows (zoomed). *Compare Runs* on two runs overlays them (a series per run) and its table lists
 * the config field that differs; *Compare Experiment Runs* opens an experiment's grid the same way.
 * Screenshots: test-output/charts-*.png.
 */
import * as assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { IdaaApi } from '../../../src/extension/extension';
import { RUNS_COMPARE_VIEW_TYPE, type RunsMessage, type RunsPanelState } from '../../../src/protocol/runsCompare';
import type { StartRunResult } from '../../../src/protocol/worker';
import { next } from './events';
import { DRIVER, drive, outputDir, screenshot, until } from './frame';
import { tinyRunConfig } from './tinyRun';

const EXTENSION_ID = 'idaa-studio.idaa-studio';
const TINY = tinyRunConfig(1);
// These run inside a webview's frame (sent as source through the driver).
declare const document: any;
declare const window: any;

interface ChartReport {
  title: string;
  series: string[];
  points: number[];
  xTicks: string[];
  yTicks: string[];
  xRange: [number, number] | null;
  csv: string;
  theme: string;
}

const INSPECTOR = '#idaa-root';
const RUNS_PAGE = '#idaa-runs-root';

function inPage<T>(selector: string, fn: (arg: any) => T, arg: unknown = null): Promise<T> {
  return drive<T>('/frame/eval', { selector, fn: fn.toString(), arg });
}
function reports(): ChartReport[] {
  return window.__idaaCharts.reports();
}
function hover(a: { index: number; fraction: number }): Array<{ label: string; value: string }> {
  return window.__idaaCharts.hover(a.index, a.fraction);
}
function zoom(a: { index: number; min: number; max: number }): void {
  window.__idaaCharts.zoom(a.index, a.min, a.max);
}
function clickCsv(index: number): void {
  document.querySelectorAll('figure.chart')[index].querySelector('.chart-csv').click();
}
function setSelect(a: { id: string; value: string }): void {
  const el = document.getElementById(a.id);
  el.value = a.value;
  el.dispatchEvent(new window.Event('change', { bubbles: true }));
}

const whole = (labels: string[]) => labels.length > 0 && labels.every((l) => /^−?-?\d+$/.test(l));

suite('IDAA charts and the runs comparison', function () {
  this.timeout(300_000);
  let api: IdaaApi;
  let runA: string;
  let runB: string;

  const train = async (name: string, config: Record<string, unknown>): Promise<string> => {
    const dir = (await vscode.commands.executeCommand<string>('idaa.newRun', { dataset: 'mnist', preset: 'tiny', method: 'simclr', idaa: name.endsWith('a'), config, open: false, name }))!;
    const done = next(api.runs.onDidChangeState, (s) => path.resolve(s.runDir) === path.resolve(dir) && s.state === 'completed', `${name} completed`, 240_000);
    assert.equal((await vscode.commands.executeCommand<StartRunResult>('idaa.start', dir))?.state, 'running');
    await done;
    return dir;
  };

  suiteSetup(async function () {
    api = await vscode.extensions.getExtension<IdaaApi>(EXTENSION_ID)!.activate();
    if (api.runs.busy) await vscode.commands.executeCommand('idaa.stop');
    runA = await train('charts-a', { ...TINY, ssl: { ...TINY.ssl, epochs: 2 } });
    runB = await train('charts-b', { ...TINY, ssl: { ...TINY.ssl, epochs: 3 } });
  });

  suiteTeardown(() => {
    api?.inspector.current()?.dispose();
    api?.runsCompare.current()?.dispose();
  });

  test('Training charts: hover values, whole-number ticks on step and epoch axes, one series per phase, theme redraw, CSV of the zoomed points', async function () {
    if (!DRIVER) return this.skip();
    const manifest = JSON.parse(readFileSync(path.join(runA, 'checkpoints', 'manifest.json'), 'utf8')) as { checkpoints: Array<{ file: string }> };
    await vscode.commands.executeCommand('idaa.openInspector', { checkpoint: path.join(runA, 'checkpoints', manifest.checkpoints.at(-1)!.file), count: 4 });
    const panel = api.inspector.current()!;
    await until('the inspector frame', () => inPage(INSPECTOR, () => !!document.querySelector('vscode-tab-header[data-view="training"]')), (v) => v, 90_000);
    await inPage(INSPECTOR, () => document.querySelector('vscode-tab-header[data-view="training"]').click());
    const charts = await until('the Training charts drawn', () => inPage(INSPECTOR, reports), (r) => r.length >= 4 && r.every((c) => c.xTicks.length > 0), 60_000);
    const ssl = charts.findIndex((c) => c.title.startsWith('SSL losses'));
    assert.ok(ssl >= 0, charts.map((c) => c.title).join(' | '));
    assert.deepEqual(charts[ssl]!.series, ['contrastive', 'adversarial']);
    const speed = charts.find((c) => c.title === 'Images per second')!;
    assert.deepEqual(speed.series, ['VAE images/s', 'SSL images/s'], 'the phases are separate series, never one line');

    // Hover: uPlot's cursor at the middle of the chart → its legend shows the values there.
    const rows = await inPage(INSPECTOR, hover, { index: ssl, fraction: 0.5 });
    assert.equal(rows[0]!.label, 'step');
    assert.match(rows[0]!.value, /^\d+$/, 'the step under the cursor');
    assert.ok(rows.slice(1).some((r) => /^−?\d/.test(r.value)), `a loss value under the cursor: ${JSON.stringify(rows)}`);

    // Whole-number ticks on the integer axes (the step axis, then the epoch axis).
    assert.ok(whole(charts[ssl]!.xTicks), `step ticks ${charts[ssl]!.xTicks.join(', ')}`);
    const knn = charts.find((c) => c.title.startsWith('kNN'))!;
    assert.ok(whole(knn.xTicks), `step ticks ${knn.xTicks.join(', ')}`);
    assert.equal(new Set(knn.yTicks).size, knn.yTicks.length, `kNN ticks read apart: ${knn.yTicks.join(', ')}`);
    assert.ok(knn.yTicks.every((t) => /%$/.test(t)), 'percentages');
    await screenshot('charts-training');
    await inPage(INSPECTOR, setSelect, { id: 'training-x', value: 'epoch' });
    const byEpoch = await until('the charts on the epoch axis', () => inPage(INSPECTOR, reports), (r) => r.length >= 4 && r[0]!.csv.startsWith('epoch,'));
    for (const c of byEpoch) assert.ok(whole(c.xTicks), `${c.title}: epoch ticks ${c.xTicks.join(', ')}`);
    await inPage(INSPECTOR, setSelect, { id: 'training-x', value: 'step' });
    await until('back on the step axis', () => inPage(INSPECTOR, reports), (r) => r.length >= 4 && r[0]!.csv.startsWith('step,'));

    // CSV of what the chart shows: zoom to the second half of the steps, export, compare.
    const now = (await inPage(INSPECTOR, reports))[ssl]!;
    const [lo, hi] = now.xRange!;
    const mid = Math.round((lo + hi) / 2);
    await inPage(INSPECTOR, zoom, { index: ssl, min: mid, max: hi });
    const zoomed = (await inPage(INSPECTOR, reports))[ssl]!;
    const file = path.join(outputDir(), 'charts-ssl-losses.csv');
    panel.csvFile = file;
    const written = next(panel.onDidExportCsv, () => true, 'the CSV written');
    await inPage(INSPECTOR, clickCsv, ssl);
    assert.equal(await written, file);
    const csv = readFileSync(file, 'utf8');
    assert.equal(csv, zoomed.csv, 'the file holds what the chart shows');
    const lines = csv.trim().split('\n');
    assert.equal(lines[0], 'step,contrastive,adversarial');
    const xs = lines.slice(1).map((l) => Number(l.split(',')[0]));
    assert.ok(xs.length > 0 && xs.every((x) => x >= zoomed.xRange![0] && x <= zoomed.xRange![1]), `only the zoomed steps: ${xs.join(' ')}`);
    assert.ok(xs[0]! >= mid - 1, 'the points left of the zoom are not in it');

    // Theme change: the body's class changes and the charts redraw in the new colours (the zoom kept).
    const config = vscode.workspace.getConfiguration('workbench');
    const before = config.inspect<string>('colorTheme')?.globalValue;
    const light = zoomed.theme === 'vscode-light';
    await config.update('colorTheme', light ? 'Default Dark Modern' : 'Default Light Modern', vscode.ConfigurationTarget.Global);
    try {
      const want = light ? 'vscode-dark' : 'vscode-light';
      const redrawn = await until(`the charts redrawn (${want})`, () => inPage(INSPECTOR, reports), (r) => r.length >= 4 && r.every((c) => c.theme === want), 30_000);
      assert.deepEqual(redrawn[ssl]!.xRange, zoomed.xRange, 'the zoom survives the redraw');
      await screenshot(`charts-training-${light ? 'dark' : 'light'}`);
    } finally {
      await config.update('colorTheme', before, vscode.ConfigurationTarget.Global);
    }
    panel.dispose();
  });

  test('Compare Runs: two runs overlaid (a series each), the table lists the differing config field, CSV export', async function () {
    const data = (await vscode.commands.executeCommand<RunsMessage>('idaa.compareRuns', [runA, runB]))!;
    assert.deepEqual(data.runs.map((r) => r.label), ['charts-a', 'charts-b']);
    assert.ok(data.differing.includes('ssl.epochs'), data.differing.join(', '));
    assert.deepEqual(data.runs.map((r) => r.config['ssl.epochs']), ['2', '3']);
    assert.ok(data.runs.every((r) => r.state === 'completed' && r.knnFinal !== undefined && r.steps.length > 0));
    const panel = api.runsCompare.current()!;
    if (!DRIVER) return this.skip();
    const charts = await until('the comparison charts', () => inPage(RUNS_PAGE, reports), (r) => r.length >= 3 && r.every((c) => c.xTicks.length > 0), 60_000);
    const contrastive = charts.findIndex((c) => c.title === 'SSL contrastive');
    assert.ok(contrastive >= 0, charts.map((c) => c.title).join(' | '));
    assert.deepEqual(charts[contrastive]!.series, ['charts-a', 'charts-b'], 'one series per run');
    assert.ok(charts[contrastive]!.points.every((n) => n > 0), 'both runs have points');
    const knn = charts.find((c) => c.title.startsWith('kNN'))!;
    assert.deepEqual(knn.series, ['charts-a', 'charts-b']);
    assert.deepEqual(knn.points, [2, 3], 'one kNN point per SSL epoch of each run');
    assert.ok(whole(charts[contrastive]!.xTicks), charts[contrastive]!.xTicks.join(', '));
    const rows = await inPage(RUNS_PAGE, hover, { index: contrastive, fraction: 0.9 });
    assert.ok(rows.slice(1).some((r) => /^−?\d/.test(r.value)), JSON.stringify(rows));
    const table = await inPage(RUNS_PAGE, () => ({
      fields: Array.from(document.querySelectorAll('#runs-table th[data-field]')).map((e: any) => e.dataset.field),
      epochs: Array.from(document.querySelectorAll('#runs-table td[data-field="ssl.epochs"]')).map((e: any) => e.textContent),
      runs: Array.from(document.querySelectorAll('#runs-table tbody th')).map((e: any) => e.textContent.trim()),
    }));
    assert.ok(table.fields.includes('ssl.epochs'));
    assert.deepEqual(table.epochs, ['2', '3']);
    assert.deepEqual(table.runs, ['charts-a', 'charts-b']);
    await screenshot('charts-compare-runs');
    const file = path.join(outputDir(), 'charts-compare-knn.csv');
    panel.csvFile = file;
    const written = next(panel.onDidExportCsv, () => true, 'the CSV written');
    const knnIndex = charts.indexOf(knn);
    await inPage(RUNS_PAGE, clickCsv, knnIndex);
    assert.equal(await written, file);
    const csv = readFileSync(file, 'utf8');
    assert.equal(csv, knn.csv);
    const lines = csv.trim().split('\n');
    assert.equal(lines[0], 'step,charts-a,charts-b');
    assert.equal(lines.length - 1, 3, 'a row per epoch end (A ends after two SSL epochs, B after three)');
    assert.equal(lines.slice(1).filter((l) => l.split(',')[1] !== '').length, 2, "A's two kNN points");
    assert.equal(lines.slice(1).filter((l) => l.split(',')[2] !== '').length, 3, "B's three");
  });

  test('Compare Experiment Runs: an experiment folder opens as a comparison of its cells', async () => {
    const exp = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'results', 'charts-exp');
    for (const [dir, cell] of [[runA, 'simclr-idaa-mnist-s0'], [runB, 'simclr-mnist-s0']] as const) {
      mkdirSync(path.join(exp, 'runs'), { recursive: true });
      cpSync(dir, path.join(exp, 'runs', cell), { recursive: true });
    }
    writeFileSync(path.join(exp, 'runs', 'simclr-mnist-s0', 'result.json'), JSON.stringify({ id: 'simclr-mnist-s0', kind: 'ssl', probeFinal: 0.5, probeEpochs: 4 }));
    const data = (await vscode.commands.executeCommand<RunsMessage>('idaa.compareExperiment', vscode.Uri.file(exp)))!;
    assert.equal(data.experiment, exp);
    assert.deepEqual(data.runs.map((r) => r.id), ['simclr-idaa-mnist-s0', 'simclr-mnist-s0']);
    assert.equal(data.runs[1]!.probe, 0.5, "a cell's probe from its result.json");
    assert.match(api.runsCompare.current()!.panel.title, /^Experiment charts-exp: 2 runs$/);
    if (DRIVER) {
      await until('the experiment drawn', () => inPage(RUNS_PAGE, () => ({ title: document.querySelector('.runs-title')?.textContent ?? '', charts: window.__idaaRuns.snapshot().charts })), (s: { title: string; charts: number }) => s.title.startsWith('Experiment') && s.charts >= 3);
      await screenshot('charts-compare-experiment');
    }
  });
  test('a comparison comes back after a reload: the runs its page kept, read again from disk; a bad state shows none', async () => {
    const exp = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'results', 'charts-exp');
    const before = api.runsCompare.current()!;
    const kept = { runDirs: before.data.runs.map((r) => r.runDir), title: before.data.title, experiment: exp };
    let state: unknown = { shown: kept };
    if (DRIVER) {
      state = await inPage(RUNS_PAGE, () => window.__idaaRuns.snapshot().state);
      assert.deepEqual((state as RunsPanelState).shown, kept, 'the page keeps which runs it shows');
    }
    before.dispose();
    const fresh = () => vscode.window.createWebviewPanel(RUNS_COMPARE_VIEW_TYPE, 'restored', vscode.ViewColumn.Active, {});
    const revived = api.runsCompare.revive(fresh(), state);
    assert.deepEqual(revived.data.runs.map((r) => r.id), ['simclr-idaa-mnist-s0', 'simclr-mnist-s0']);
    assert.deepEqual([revived.data.title, revived.data.experiment, revived.data.runs[1]!.probe], [kept.title, exp, 0.5]);
    if (DRIVER) await until('the revived page draws the runs', () => inPage(RUNS_PAGE, () => window.__idaaRuns.snapshot()), (s: { runs: string[]; charts: number }) => s.runs.length === 2 && s.charts >= 3);
    // A run deleted since the reload is left out, and the saved title (which counted it) is not reused.
    const gone = api.runsCompare.revive(fresh(), { shown: { ...kept, runDirs: [kept.runDirs[0], path.join(exp, 'runs', 'deleted-since')] } });
    assert.deepEqual(gone.data.runs.map((r) => r.id), ['simclr-idaa-mnist-s0']);
    assert.notEqual(gone.data.title, kept.title);
    for (const bad of [undefined, null, 42, { shown: { runDirs: 'x', title: 't' } }, { shown: { runDirs: [1], title: 't' } }, { shown: { runDirs: [], title: 7 } }]) {
      assert.deepEqual(api.runsCompare.revive(fresh(), bad).data.runs, [], JSON.stringify(bad));
    }
    api.runsCompare.current()?.dispose();
  });
});
