/**
 * The Compare view: (a) another checkpoint on the Decomposition's samples, ε and attack, side by
 * side with the per-sample numbers of both; (b) an ε sweep of those samples (x_adv at each radius,
 * identity rank and cos(f(x), f(x_adv)) against ε); (c) a per-class table over a larger batch
 * of the split. Each runs on the inspector's worker when asked (its button), not on every change.
 */
import { formatNumber, heatScale } from '../src/common/pixels';
import { pixelValues, type ClassTableResult, type CompareResultMessage, type InspectResultMessage, type InspectSettings, type InspectSweepResult } from '../src/protocol/webview';
import { chart, type Series } from './charts';
import { buildColumns, defaultZoom, setHeader, setZoom } from './columns';
import { field, h, setViewState } from './dom';
import { setLegend } from './legend';
import { paintRow } from './paint';
import { heatScaleLabels } from './scales';
import { send, session } from './state';

type CheckpointResult = Extract<CompareResultMessage, { kind: 'checkpoint' }>['result'];
const SERIES_COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export interface CompareDeps {
  /** The Controls' settings (ε, steps, mode, batch, views). */
  settings(): InspectSettings | undefined;
}

export class CompareView {
  readonly state = h('div', { class: 'view-state', role: 'status' });
  private readonly status = h('p', { class: 'dim', role: 'status', 'aria-live': 'polite' });
  private readonly other = h('select', { id: 'compare-checkpoint', 'aria-label': 'Checkpoint to compare with' });
  private readonly epsList = h('input', { id: 'sweep-eps', type: 'text', value: '0, 0.05, 0.1, 0.2, 0.5, 1, 2', 'aria-label': 'ε values of the sweep', class: 'wide' });
  private readonly count = h('input', { id: 'classes-count', type: 'number', min: 2, max: 4096, step: 1, value: 256, 'aria-label': 'Samples for the per-class table', class: 'num' });
  private readonly pairGrid = h('div', { id: 'compare-grid', class: 'deco' });
  private readonly pairNumbers = h('table', { id: 'compare-numbers', class: 'numbers', 'aria-label': 'Per-sample numbers of both checkpoints' });
  private readonly sweepGrid = h('div', { id: 'sweep-grid', class: 'deco' });
  private readonly sweepCharts = h('div', { id: 'sweep-charts', class: 'charts' });
  private readonly classTable = h('table', { id: 'class-table', class: 'numbers', 'aria-label': 'Per-class attack numbers' });
  private nextId = 1;
  private latest = 0;
  /** What each section shows now (the test hook reads it). */
  shown: { pair?: { a: InspectResultMessage; b: CheckpointResult }; sweep?: InspectSweepResult; classes?: ClassTableResult } = {};

  constructor(panel: HTMLElement, private readonly deps: CompareDeps) {
    const pairButton = h('vscode-button', { id: 'compare-run', title: 'Attack the Decomposition’s samples with the same settings at the other checkpoint' }, 'Compare checkpoints');
    const sweepButton = h('vscode-button', { id: 'sweep-run', title: 'Attack the Decomposition’s samples at each ε (one decomposition, one attack per ε)' }, 'Sweep ε');
    const classButton = h('vscode-button', { id: 'classes-run', title: 'Attack this many samples of the split in batches of the attack batch size, and sum up per class' }, 'Per-class table');
    panel.append(
      this.state,
      this.status,
      h('section', { class: 'compare-section' }, h('h3', {}, 'Two checkpoints, the same samples'), h('div', { class: 'controls' }, field('Compare with', 'compare-checkpoint', this.other), pairButton), h('div', { class: 'deco-scroll' }, this.pairGrid), this.pairNumbers),
      h('section', { class: 'compare-section' }, h('h3', {}, 'ε sweep'), h('div', { class: 'controls' }, field('ε values', 'sweep-eps', this.epsList), sweepButton), this.sweepCharts, h('div', { class: 'deco-scroll' }, this.sweepGrid)),
      h('section', { class: 'compare-section' }, h('h3', {}, 'Per class'), h('div', { class: 'controls' }, field('Samples', 'classes-count', this.count), classButton), this.classTable),
    );
    pairButton.addEventListener('click', () => this.requestPair());
    sweepButton.addEventListener('click', () => this.requestSweep());
    classButton.addEventListener('click', () => this.requestClasses());
  }

  /** Offers every checkpoint (the Decomposition's own too: compared with itself it must agree); picks another by default. */
  fillCheckpoints(): void {
    const keep = this.other.value;
    this.other.textContent = '';
    for (const c of session.checkpoints) this.other.append(h('option', { value: c.path }, `${c.runId} / ${c.file} (${c.phase} epoch ${c.epoch}, step ${c.step})`));
    if ([...this.other.options].some((o) => o.value === keep)) this.other.value = keep;
    else {
      const first = [...this.other.options].find((o) => o.value !== session.shown?.checkpoint);
      if (first) this.other.value = first.value;
    }
  }

  /** The Decomposition's samples, fixed: a comparison attacks exactly those. */
  private base(): InspectSettings | undefined {
    const s = this.deps.settings();
    const shown = session.shown;
    if (!s || !shown) {
      setViewState(this.state, 'empty', 'Inspect a checkpoint first (the Decomposition view): comparisons use its samples.');
      return undefined;
    }
    // The shown ε and steps, so both sides of a comparison use the same attack.
    return { ...s, checkpoint: shown.checkpoint, indices: shown.samples.map((x) => x.index), count: shown.samples.length, eps: shown.eps, steps: shown.steps };
  }

  private post(kind: CompareResultMessage['kind'], settings: InspectSettings, extra: { epsList?: number[]; count?: number } = {}): void {
    this.latest = this.nextId++;
    setViewState(this.state, 'loading', kind === 'checkpoint' ? 'Attacking at the other checkpoint…' : kind === 'sweep' ? 'Sweeping ε…' : 'Attacking the batch…');
    send({ type: 'compareRequest', requestId: this.latest, kind, settings, ...extra });
  }

  private requestPair(): void {
    const b = this.base();
    if (!b) return;
    if (!this.other.value) return setViewState(this.state, 'empty', 'There is no other checkpoint to compare with.');
    this.post('checkpoint', { ...b, checkpoint: this.other.value });
  }

  private requestSweep(): void {
    const b = this.base();
    if (!b) return;
    const list = this.epsList.value
      .split(/[,\s]+/)
      .filter(Boolean)
      .map(Number);
    if (!list.length || list.some((e) => !Number.isFinite(e) || e < 0) || list.length > 32) {
      return setViewState(this.state, 'error', `ε values: 1 to 32 numbers ≥ 0, separated by commas (got "${this.epsList.value}").`);
    }
    this.post('sweep', b, { epsList: [...new Set(list)].sort((p, q) => p - q) });
  }

  private requestClasses(): void {
    const b = this.base();
    if (!b) return;
    const n = Math.round(Number(this.count.value));
    if (!(n >= 2 && n <= 4096)) return setViewState(this.state, 'error', `Samples: a whole number from 2 to 4096 (got "${this.count.value}").`);
    this.post('classes', b, { count: n });
  }

  busy(message: string): void {
    this.status.textContent = `${message}…`;
  }

  onResult(m: CompareResultMessage): void {
    if (m.requestId !== this.latest) return; // a newer comparison is on its way
    setViewState(this.state, 'none');
    this.status.textContent = '';
    if (m.kind === 'checkpoint') this.showPair(m.result);
    else if (m.kind === 'sweep') this.showSweep(m.result);
    else this.showClasses(m.result);
  }

  private showPair(b: CheckpointResult): void {
    const a = session.shown;
    if (!a) return;
    const [n, hh, ww] = a.images.x.shape;
    const rows = ['x', 'xAdvA', 'xAdvB', 'absDiffA', 'absDiffB'] as const;
    const name = (c: string) => c.split(/[\\/]/).slice(-3).filter((p) => p !== 'checkpoints').join('/');
    const labels = { x: 'x', xAdvA: `x_adv · ${name(a.checkpoint)}`, xAdvB: `x_adv · ${name(b.checkpoint)}`, absDiffA: '|x_adv − x| · A', absDiffB: '|x_adv − x| · B' };
    const help = { x: 'the input', xAdvA: 'the adversarial view at the Decomposition’s checkpoint (A)', xAdvB: 'the adversarial view at the other checkpoint (B), same samples and attack', absDiffA: 'pixel change at A (one scale for A and B)', absDiffB: 'pixel change at B (one scale for A and B)' };
    const cols = buildColumns(this.pairGrid, { view: 'compare', rows, labels, help, scales: { absDiffA: 'heat', absDiffB: 'heat' }, count: n, height: hh, width: ww });
    const dA = pixelValues(a.images.absDiff);
    const dB = pixelValues(b.images.absDiff);
    const heat = heatScale([...dA, ...dB]);
    paintRow(cols.canvases.x, 'x', pixelValues(a.images.x), a.images.x.shape, { kind: 'image' });
    paintRow(cols.canvases.xAdvA, 'xAdvA', pixelValues(a.images.xAdv), a.images.x.shape, { kind: 'image' });
    paintRow(cols.canvases.xAdvB, 'xAdvB', pixelValues(b.images.xAdv), b.images.x.shape, { kind: 'image' });
    paintRow(cols.canvases.absDiffA, 'absDiffA', dA, a.images.x.shape, { kind: 'heat', max: heat.max });
    paintRow(cols.canvases.absDiffB, 'absDiffB', dB, b.images.x.shape, { kind: 'heat', max: heat.max });
    // One scale for A and B, labelled as the Decomposition's (its top, and the floor when it applies).
    for (const row of ['absDiffA', 'absDiffB'] as const) {
      const legend = cols.legends[row];
      if (legend) setLegend(legend, heatScaleLabels(heat));
    }
    a.samples.forEach((s, i) => setHeader(cols, i, s, 'none'));
    setZoom(cols, defaultZoom(hh, ww), hh, ww);
    this.pairNumbers.textContent = '';
    const head = ['sample', 'cos A', 'cos B', 'rank A', 'rank B', 'loss term A', 'loss term B', 'max |Δx| A', 'max |Δx| B'];
    this.pairNumbers.append(h('thead', {}, h('tr', {}, ...head.map((t) => h('th', { scope: 'col' }, t)))));
    const body = h('tbody');
    a.samples.forEach((s, i) => {
      const o = b.samples[i]!;
      const rank = (r: number, kept: boolean) => `${r} ${kept ? '(kept)' : '(lost)'}`;
      body.append(
        h(
          'tr',
          { 'data-index': s.index },
          h('th', { scope: 'row' }, `#${s.index} ${s.className}`),
          h('td', {}, formatNumber(s.cosine, 6)),
          h('td', {}, formatNumber(o.cosine, 6)),
          h('td', { class: s.identityKept ? '' : 'lost' }, rank(s.rank, s.identityKept)),
          h('td', { class: o.identityKept ? '' : 'lost' }, rank(o.rank, o.identityKept)),
          h('td', {}, formatNumber(s.lossTerm, 4)),
          h('td', {}, formatNumber(o.lossTerm, 4)),
          h('td', {}, formatNumber(s.maxPixelChange, 4)),
          h('td', {}, formatNumber(o.maxPixelChange, 4)),
        ),
      );
    });
    const kept = (xs: typeof a.samples) => xs.filter((s) => s.identityKept).length;
    this.pairNumbers.append(body, h('tfoot', {}, h('tr', {}, h('td', { colspan: head.length, class: 'dim' }, `A: ${name(a.checkpoint)}, identity kept ${kept(a.samples)}/${n} · B: ${name(b.checkpoint)}, identity kept ${kept(b.samples)}/${n} · ε ${a.eps}, ${a.steps} step(s), ${a.attack.mode} mode`))));
    this.shown.pair = { a, b };
  }

  private showSweep(r: InspectSweepResult): void {
    const [n, hh, ww] = r.x.shape;
    const rows = ['x', ...r.points.map((_, k) => `eps${k}`)];
    const labels = Object.fromEntries(rows.map((row, k) => [row, k === 0 ? 'x' : `x_adv, ε ${r.points[k - 1]!.eps}`]));
    const help = Object.fromEntries(rows.map((row, k) => [row, k === 0 ? 'the input' : `the adversarial view at ε = ${r.points[k - 1]!.eps}`]));
    const cols = buildColumns(this.sweepGrid, { view: 'sweep', rows, labels, help, scales: {}, count: n, height: hh, width: ww });
    paintRow(cols.canvases.x!, 'x', pixelValues(r.x), r.x.shape, { kind: 'image' });
    r.points.forEach((p, k) => paintRow(cols.canvases[`eps${k}`]!, `eps${k}`, pixelValues(p.xAdv), r.x.shape, { kind: 'image' }));
    r.points[0]!.samples.forEach((s, i) => setHeader(cols, i, s, 'none'));
    setZoom(cols, defaultZoom(hh, ww), hh, ww);
    const series = (pick: (s: InspectSweepResult['points'][number]['samples'][number]) => number): Series[] =>
      r.points[0]!.samples.map((s, i) => ({ name: `#${s.index} ${s.className}`, colour: SERIES_COLOURS[i % SERIES_COLOURS.length]!, dots: true, points: r.points.map((p) => [p.eps, pick(p.samples[i]!)] as [number, number]) }));
    this.sweepCharts.textContent = '';
    this.sweepCharts.append(
      // Ranks are whole numbers: only whole ticks are labelled (a flat line at 1 has ticks 0.96…1.04).
      chart(`Identity rank against ε (1 = kept; batch of ${r.attack.batch.length})`, 'ε', series((s) => s.rank), (v) => (Number.isInteger(v) ? String(v) : '')),
      // Cosines near 1 differ in the 4th or 5th digit: enough digits that the ticks read apart.
      chart('cos(f(x), f(x_adv)) against ε', 'ε', series((s) => s.cosine), (v) => formatNumber(v, 6)),
    );
    this.shown.sweep = r;
  }

  private showClasses(r: ClassTableResult): void {
    this.classTable.textContent = '';
    const head = ['class', 'samples', 'identity kept', 'mean cos(f(x), f(x_adv))', 'mean ‖x_adv − x‖₂'];
    this.classTable.append(h('thead', {}, h('tr', {}, ...head.map((t) => h('th', { scope: 'col' }, t)))));
    const body = h('tbody');
    for (const row of r.rows) {
      body.append(
        h(
          'tr',
          { 'data-label': row.label },
          h('th', { scope: 'row' }, row.className),
          h('td', {}, String(row.count)),
          h('td', {}, `${row.kept}/${row.count} (${((100 * row.kept) / row.count).toFixed(0)}%)`),
          h('td', {}, formatNumber(row.meanCosine, 6)),
          h('td', {}, formatNumber(row.meanL2, 4)),
        ),
      );
    }
    const kept = r.rows.reduce((s, x) => s + x.kept, 0);
    this.classTable.append(body, h('tfoot', {}, h('tr', {}, h('td', { colspan: head.length, class: 'dim' }, `${r.samples} ${r.split} samples in batches of ${r.batchSize} (${r.mode} mode), ε ${r.eps}, ${r.steps} step(s): identity kept ${kept}/${r.samples}`))));
    this.shown.classes = r;
  }
}
