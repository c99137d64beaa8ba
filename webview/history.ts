/**
 * The Training view's history: the probe batch the trainer decomposed and attacked every
 * inspect.probeEvery steps, scrubbed with a slider; laid out by sample like the decomposition,
 * each column headed by its index and class.
 */
import { formatPosition } from '../src/common/runs/display';
import { formatNumber, heatScale } from '../src/common/pixels';
import { PROBE_ROWS, ROW_KINDS, pixelValues, type ProbeRow, type ProbesMessage } from '../src/protocol/webview';
import { buildColumns, columnsKey, defaultZoom, setHeader, setZoom, type Columns } from './columns';
import { ROW_HELP, ROW_LABELS } from './decomposition';
import { field, h } from './dom';
import { attachHover } from './hover';
import { setLegend } from './legend';
import { paintRow } from './paint';
import { heatScaleLabels } from './scales';
import { send, ui } from './state';

type Probe = NonNullable<ProbesMessage['probe']>;

export class HistoryView {
  readonly slider = h('input', { id: 'probe-slider', type: 'range', min: 0, max: 0, step: 1, value: 0, 'aria-label': 'Training step of the probe shown' });
  private readonly label = h('span', { id: 'probe-step', class: 'dim', 'aria-live': 'polite' });
  private readonly note = h('p', { id: 'probe-note', class: 'dim note' });
  private readonly grid = h('div', { id: 'probe-grid', class: 'deco', 'aria-label': 'The probe batch at the chosen training step, one column per sample' });
  private readonly readout = h('p', { id: 'probe-readout', class: 'readout dim', 'aria-live': 'polite' });
  private cols: Columns<ProbeRow> | undefined;
  private probes: { runDir: string; steps: number[] } | undefined;
  shown: Probe | undefined;

  constructor(panel: HTMLElement, private readonly runDir: () => string | undefined) {
    panel.append(
      h(
        'section',
        { id: 'probe-history', class: 'probe-history' },
        h('h3', {}, 'History: the adversarial positives during training'),
        h('div', { class: 'toolbar' }, field('Step', 'probe-slider', this.slider), this.label),
        this.note,
        h('div', { class: 'deco-scroll' }, this.grid),
        this.readout,
      ),
    );
    this.slider.addEventListener('input', () => {
      const step = this.wanted();
      if (!this.probes || step === undefined) return;
      this.label.textContent = `step ${step} (${Number(this.slider.value) + 1} of ${this.probes.steps.length})`;
      send({ type: 'probeRequest', runDir: this.probes.runDir, step });
    });
    attachHover(this.grid, this.readout, { view: 'history', describe: (i) => (this.shown ? `#${this.shown.samples[i]?.index} ${this.shown.samples[i]?.className}` : '') });
  }

  get steps(): number[] {
    return this.probes?.steps.slice() ?? [];
  }

  /** Another run: forget its probes and ask for the new run's. */
  load(runDir: string): void {
    this.probes = undefined;
    this.shown = undefined;
    this.cols = undefined;
    this.grid.textContent = '';
    this.note.textContent = 'Reading the probes…';
    send({ type: 'probeRequest', runDir });
  }

  onProbes(m: ProbesMessage): void {
    if (m.runDir !== this.runDir()) return;
    const had = this.probes?.steps.length ?? 0;
    const atEnd = !this.probes || Number(this.slider.value) >= had - 1;
    this.probes = { runDir: m.runDir, steps: m.steps };
    this.slider.max = String(Math.max(0, m.steps.length - 1));
    this.slider.disabled = m.steps.length < 2;
    if (m.steps.length === 0) {
      this.note.textContent = 'This run has stored no probes: set inspect.probeEvery in its config to record the probe batch during training.';
      this.label.textContent = '';
      return;
    }
    if (!m.probe) {
      // The list: show the newest probe (or keep the one chosen).
      if (atEnd) this.slider.value = String(m.steps.length - 1);
      const step = this.wanted()!;
      this.label.textContent = `step ${step} (${Number(this.slider.value) + 1} of ${m.steps.length})`;
      send({ type: 'probeRequest', runDir: m.runDir, step });
      return;
    }
    if (m.probe.step !== this.wanted()) return; // overtaken by a newer slider position
    this.draw(m.probe);
  }

  private wanted(): number | undefined {
    return this.probes?.steps[Number(this.slider.value)];
  }

  private draw(p: Probe): void {
    const shape = p.images.x.shape;
    const [n, hh, ww] = shape;
    if (this.cols?.key !== columnsKey({ rows: PROBE_ROWS, count: n, height: hh, width: ww })) {
      this.cols = buildColumns(this.grid, { view: 'history', rows: PROBE_ROWS, labels: ROW_LABELS, help: ROW_HELP, scales: { absDiff: 'heat' }, count: n, height: hh, width: ww });
    }
    const values = Object.fromEntries(PROBE_ROWS.map((r) => [r, pixelValues(p.images[r])])) as Record<ProbeRow, Float32Array | Uint8Array>;
    const heat = heatScale(values.absDiff);
    for (const row of PROBE_ROWS) {
      const kind = ROW_KINDS[row];
      paintRow(this.cols.canvases[row], row, values[row], shape, kind === 'heat' ? { kind, max: heat.max } : { kind });
      this.cols.canvases[row].forEach((c, i) => c.setAttribute('aria-label', `${ROW_LABELS[row]} of sample ${p.samples[i]!.index} (${p.samples[i]!.className}) at step ${p.step}`));
    }
    p.samples.forEach((s, i) => setHeader(this.cols!, i, s, s.identityKept ? 'kept' : 'lost'));
    if (this.cols.legends.absDiff) setLegend(this.cols.legends.absDiff, heatScaleLabels(heat));
    setZoom(this.cols, ui.zoom || defaultZoom(hh, ww), hh, ww);
    const kept = p.samples.filter((s) => s.identityKept).length;
    this.note.textContent = `${formatPosition({ phase: 'ssl', epochsDone: p.epoch, step: p.step })}: ε = ${p.eps}, ${p.steps} step(s); attack loss ${formatNumber(p.lossBefore)} → ${formatNumber(p.lossAfter)}; identity kept ${kept}/${p.samples.length}; largest |x_adv − x| ${formatNumber(heat.batchMax)}.`;
    this.shown = p;
  }

  /** The zoom changed: the probe's canvases follow it. */
  applyZoom(): void {
    const p = this.shown;
    if (!p || !this.cols) return;
    const [, hh, ww] = p.images.x.shape;
    setZoom(this.cols, ui.zoom || defaultZoom(hh, ww), hh, ww);
  }
}
