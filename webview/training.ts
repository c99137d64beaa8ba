/** The Training view: the run's curves from metrics.jsonl (loss terms, kNN accuracy, images/s), and its probe history. */
import type { TrainingMessage } from '../src/protocol/webview';
import { chart, type Series } from './charts';
import { cssVar, h, setViewState } from './dom';
import { HistoryView } from './history';
import { smooth } from './render';
import { send } from './state';

const COLOURS: Array<[string, string]> = [
  ['--vscode-charts-blue', '#3794ff'],
  ['--vscode-charts-red', '#f14c4c'],
  ['--vscode-charts-green', '#89d185'],
  ['--vscode-charts-orange', '#d18616'],
  ['--vscode-charts-purple', '#b180d7'],
  ['--vscode-charts-yellow', '#cca700'],
];

/** The metric term of SimSiam's and BYOL's collapse monitor. */
const COLLAPSE_TERM = 'outputStd';

export class TrainingView {
  readonly state = h('div', { class: 'view-state', role: 'status' });
  readonly charts = h('div', { id: 'charts', class: 'charts' });
  readonly history: HistoryView;
  private runDir: string | undefined;
  private data: TrainingMessage | undefined;

  constructor(panel: HTMLElement, private readonly visible: () => boolean) {
    panel.append(this.state, this.charts);
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
      setViewState(this.state, 'empty', `${m.runId} has no metrics yet: start it, and the curves grow as it trains.`, { title: 'Start', run: () => send({ type: 'runCommand', command: 'idaa.start' }) });
      return;
    }
    setViewState(this.state, 'none');
    const colours = COLOURS.map(([v, d]) => cssVar(v, d));
    const termSeries = (phase: string): Series[] => {
      const steps = m.steps.filter((s) => s.phase === phase);
      const names = [...new Set(steps.flatMap((s) => Object.keys(s.terms)))];
      const win = Math.max(1, Math.round(steps.length / 100));
      return names.map((name, i) => {
        const ys = smooth(steps.map((s) => s.terms[name] ?? null), win);
        return { name, colour: colours[i % colours.length]!, points: steps.map((s, k) => [s.step, ys[k] ?? null] as [number, number | null]) };
      });
    };
    // The collapse monitor is not a loss: it gets its own chart and scale.
    const sslAll = termSeries('ssl');
    const ssl = sslAll.filter((x) => x.name !== COLLAPSE_TERM);
    const collapse = sslAll.filter((x) => x.name === COLLAPSE_TERM);
    const vae = termSeries('vae');
    if (ssl.length) this.charts.append(chart('SSL losses (method, adversarial), smoothed', 'step', ssl));
    if (collapse.length) this.charts.append(chart('Collapse monitor: std of the normalised projections (0 = collapsed), smoothed', 'step', collapse));
    if (vae.length) this.charts.append(chart('VAE losses (reconstruction, KL), smoothed', 'step', vae));
    const knn = m.epochs.filter((e) => e.knnAccuracy !== undefined);
    this.charts.append(chart('kNN accuracy per epoch', 'epoch', [{ name: 'kNN', colour: colours[2]!, dots: true, points: knn.map((e) => [e.epoch, e.knnAccuracy!] as [number, number]) }], (v) => `${(v * 100).toFixed(0)}%`));
    const ips = m.steps.filter((s) => s.imagesPerSec !== undefined);
    const ipsY = smooth(ips.map((s) => s.imagesPerSec ?? null), Math.max(1, Math.round(ips.length / 100)));
    this.charts.append(chart('Images per second', 'step', [{ name: 'images/s', colour: colours[3]!, points: ips.map((s, k) => [s.step, ipsY[k] ?? null] as [number, number | null]) }]));
  }
}
