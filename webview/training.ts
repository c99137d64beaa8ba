/** The Training view: the run's curves from metrics.jsonl (loss terms, kNN accuracy, images/s), and its probe history. */
import { formatPercent } from '../src/common/runs/display';
import type { TrainingMessage } from '../src/protocol/webview';
import { chart } from './charts';
import { PALETTE } from './chartTheme';
import { chartSettingsFrom, chartToolbar, type ChartSettings } from './chartToolbar';
import { h, setViewState } from './dom';
import { HistoryView } from './history';
import { knnPoints, phaseName, speedSeries, termSeries, X_LABELS, xKindOf } from './metricSeries';
import { send } from './state';

/** The metric term of SimSiam's and BYOL's collapse monitor. */
const COLLAPSE_TERM = 'outputStd';

export class TrainingView {
  readonly state = h('div', { class: 'view-state', role: 'status' });
  readonly charts = h('div', { id: 'charts', class: 'charts' });
  readonly history: HistoryView;
  /** The charts' x axis, smoothing and log scale (kept for the session). */
  settings: ChartSettings = chartSettingsFrom(undefined);
  private readonly toolbar = chartToolbar('training', this.settings, (s) => {
    this.settings = s;
    this.draw();
  });
  private runDir: string | undefined;
  private data: TrainingMessage | undefined;

  constructor(panel: HTMLElement, private readonly visible: () => boolean) {
    this.toolbar.hidden = true; // until there are curves
    panel.append(this.state, this.toolbar, this.charts);
    this.history = new HistoryView(panel, () => this.runDir);
  }

  /** Shows `runDir`'s curves (asking the host when they are not here yet). */
  load(runDir: string | undefined): void {
    if (!runDir) {
      setViewState(this.state, 'empty', 'Pick a checkpoint: the Training view shows the curves of its run.');
      return;
    }
    if (this.runDir === runDir && this.data) {
      send({ type: 'probeRequest', runDir }); // a live run may have stored more
      this.draw();
      return;
    }
    this.runDir = runDir;
    this.data = undefined;
    setViewState(this.state, 'loading', 'Reading the metrics log…');
    send({ type: 'trainingRequest', runDir });
    this.history.load(runDir);
  }

  /** The checkpoint's run changed: load again when next shown. */
  forget(): void {
    this.runDir = undefined;
    this.data = undefined;
  }

  onTraining(m: TrainingMessage): void {
    if (m.runDir !== this.runDir) return;
    this.data = m;
    if (this.visible()) this.draw();
  }

  private draw(): void {
    this.charts.textContent = '';
    const m = this.data;
    if (!m) return;
    if (m.steps.length === 0 && m.epochs.length === 0) {
      this.toolbar.hidden = true;
      setViewState(this.state, 'empty', `${m.runId} has no metrics yet: start it, and the curves grow as it trains.`, { title: 'Start', run: () => send({ type: 'runCommand', command: 'idaa.start' }) });
      return;
    }
    this.toolbar.hidden = false;
    setViewState(this.state, 'none');
    const { x, smoothing, log } = this.settings;
    const colour = (i: number) => PALETTE[i % PALETTE.length]!;
    const xLabel = X_LABELS[x];
    const steps = { xKind: xKindOf(x), smoothing, log };
    const ssl = termSeries(m.steps, 'ssl', x, colour, [COLLAPSE_TERM]);
    // The collapse monitor is not a loss: it gets its own chart and scale.
    const collapse = termSeries(m.steps, 'ssl', x, colour).filter((s) => s.name === COLLAPSE_TERM);
    const vae = termSeries(m.steps, 'vae', x, colour);
    if (ssl.length) this.charts.append(chart('SSL losses (method, adversarial)', xLabel, ssl, undefined, steps));
    if (collapse.length) this.charts.append(chart('Collapse monitor: std of the normalised projections (0 = collapsed)', xLabel, collapse, undefined, { ...steps, log: false }));
    if (vae.length) this.charts.append(chart('VAE losses (reconstruction, KL)', xLabel, vae, undefined, steps));
    const knn = [...new Set(m.epochs.filter((e) => e.knnAccuracy !== undefined).map((e) => e.phase))].map((phase, i) => ({ name: `kNN (${phaseName(phase)})`, colour: colour(2 + i), dots: true, points: knnPoints(m.epochs, phase, x) }));
    this.charts.append(chart('kNN accuracy per epoch', xLabel, knn, (v) => formatPercent(v), { xKind: xKindOf(x), yKind: 'percent' }));
    this.charts.append(chart('Images per second', xLabel, speedSeries(m.steps, x, (i) => colour(3 + i)), undefined, steps));
  }
}
