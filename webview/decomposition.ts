/**
 * The Decomposition view: per sample, x, G(x), R(x) amplified, x_adv and |x_adv − x| (and the two
 * augmented views), one column per sample; the colour scales; the numbers; the untrained-encoder
 * notice. Pixels arrive as the worker sent them and are coloured here, once (src/common/pixels.ts).
 */
import { formatGain, formatNumber, heatScale, residualGain, type Colouring, type HeatScale } from '../src/common/pixels';
import { pixelValues, ROW_KINDS, rowsOf, type AnyRow, type InspectResultMessage, type InspectSettings } from '../src/protocol/webview';
import { buildColumns, columnsKey, defaultZoom, setHeader, setZoom, type Columns } from './columns';
import { DetailDialog, type DetailSource } from './detail';
import { h, setViewState } from './dom';
import { attachHover } from './hover';
import { setLegend } from './legend';
import { fillNumbers } from './numbers';
import { paintRow } from './paint';
import { ResidualControls } from './residual';
import { encoderUntrained, UNTRAINED_NOTICE } from './runDefaults';
import { heatScaleLabels, residualScale } from './scales';
import { persist, send, session, ui } from './state';

export const ROW_LABELS: Record<AnyRow, string> = { x: 'x', g: 'G(x)', r: 'R(x)', xAdv: 'x_adv', absDiff: '|x_adv − x|', viewI: 'view i', viewJ: 'view j' };
export const ROW_HELP: Record<AnyRow, string> = {
  x: 'the input',
  g: 'identity part: the VAE reconstruction',
  r: 'residual x − G(x), amplified',
  xAdv: 'the adversarial view: G decoded from the attacked latent, plus R(x)',
  absDiff: 'how much the attack changed each pixel (the channel of largest change)',
  viewI: 'a standard (SimCLR) augmentation of x, drawn with the seed',
  viewJ: 'the other standard augmentation view of x',
};
/** With training views the attack starts from view i, as a training step does: the rows say so. */
const TRAINING_VIEW_LABELS: Record<AnyRow, string> = { ...ROW_LABELS, viewI: 'x_i (attacked)', viewJ: 'x_j', g: 'G(x_i)', r: 'R(x_i)', absDiff: '|x_adv − x_i|' };
const TRAINING_VIEW_HELP: Record<AnyRow, string> = {
  ...ROW_HELP,
  x: 'the clean input (test transform)',
  viewI: 'view i of a training step: the run’s augmentation of x, drawn with the seed; the attack starts here, as in training',
  viewJ: 'view j of the same step: the other standard augmentation',
  g: 'identity part of x_i: the VAE reconstruction',
  r: 'residual x_i − G(x_i), amplified',
  absDiff: 'how much the attack changed each pixel of x_i (the channel of largest change)',
};

/** "training mode, batch 64 (16 shown + 48 drawn)" and how far the other mode's gradient disagrees. */
export function attackSummary(m: Pick<InspectResultMessage, 'attack' | 'samples'>): string {
  const a = m.attack;
  const n = m.samples.length;
  const drawn = a.batch.length - n;
  const batch = `batch ${a.batch.length}${drawn > 0 ? ` (${n} shown + ${drawn} drawn)` : ''}`;
  const mode = a.mode === 'training' ? 'training mode (aux BN batch statistics, as in training)' : 'inference mode (aux BN running statistics: not what training does)';
  const g = a.agreement;
  const other = Number.isFinite(g.cosine) ? ` · ∇z cos(training, inference) ${formatNumber(g.cosine, 3)}, signs agree ${(g.signAgreement * 100).toFixed(0)}%` : '';
  return `Attack: ${mode}, ${batch}${a.views ? ', training views' : ''}${other}`;
}

export interface Latency {
  requestId: number;
  totalMs: number;
  drawMs: number;
  workerMs: number;
}

export class DecompositionView {
  readonly state = h('div', { class: 'view-state', role: 'status' });
  private readonly notice = h('div', { id: 'untrained-notice', class: 'notice', role: 'note', hidden: true }, UNTRAINED_NOTICE);
  private readonly summary = h('p', { id: 'summary', class: 'summary' });
  private readonly attackLine = h('p', { id: 'attack-mode', class: 'summary dim', title: 'The attack shown. Training mode reproduces the x_adv a training step makes from this batch; the cosine compares the latent gradients of the two modes on the same batch.' });
  private readonly grid = h('div', { id: 'decomposition', class: 'deco', tabindex: 0, 'aria-label': 'Decomposition of the selected samples, one column per sample: click a sample to enlarge it' });
  private readonly numbers = h('table', { id: 'numbers', class: 'numbers', 'aria-label': 'Per-sample numbers' });
  private readonly readout = h('p', { id: 'readout', class: 'readout dim', 'aria-live': 'polite' });
  private readonly residual = new ResidualControls(() => this.recolourResidual());
  readonly detail = new DetailDialog(() => this.detailSource(), this.residual);
  private cols: Columns<AnyRow> | undefined;
  private values: Partial<Record<AnyRow, Float32Array | Uint8Array>> = {};
  private gain = 1;
  private heat: HeatScale = heatScale([]);
  private nextRequestId = 1;
  private latestRequested = 0;
  /** Request id → when the control changed (performance.now()). */
  private readonly requestedAt = new Map<number, number>();
  latency: Latency | undefined;

  constructor(
    panel: HTMLElement,
    private readonly status: HTMLElement,
    private readonly onZoom: (z: number) => void,
  ) {
    panel.append(this.state, this.notice, this.summary, this.attackLine, this.residual.element('deco'), h('div', { class: 'deco-scroll', id: 'deco-scroll' }, this.grid), this.readout, this.numbers, this.detail.el);
    this.grid.addEventListener('click', (e) => {
      const col = (e.target as HTMLElement).closest<HTMLElement>('.deco-col.sample');
      if (col && session.shown) this.detail.open(Number(col.dataset.sample));
    });
    attachHover(this.grid, this.readout, { view: 'decomposition', describe: (i) => sampleName(session.shown, i) });
    // Keyboard zoom on the decomposition: + / − / 0.
    panel.addEventListener('keydown', (e) => {
      if (e.target instanceof HTMLInputElement || this.detail.isOpen) return;
      const z = this.zoom();
      if (e.key === '+' || e.key === '=') ui.zoom = Math.min(16, z + 1);
      else if (e.key === '-') ui.zoom = Math.max(1, z - 1);
      else if (e.key === '0') ui.zoom = 0;
      else return;
      e.preventDefault();
      persist();
      this.applyZoom();
    });
  }

  /** Asks the host for an inspection; the controls changing never queue work (the host keeps only the newest). */
  request(s: InspectSettings): void {
    ui.settings = s;
    persist();
    const requestId = this.nextRequestId++;
    this.latestRequested = requestId;
    this.requestedAt.set(requestId, performance.now());
    if (!session.shown) setViewState(this.state, 'loading', 'Decomposing and attacking…');
    else this.grid.classList.add('stale');
    send({ type: 'inspect', requestId, settings: s });
  }

  get latest(): number {
    return this.latestRequested;
  }

  show(m: InspectResultMessage): void {
    if (session.shown && m.requestId < session.shown.requestId) return; // an older answer overtaken by a newer one
    const t0 = performance.now();
    const [n, hh, ww] = m.images.x.shape;
    const rows = rowsOf(m.images);
    if (this.cols?.key !== columnsKey({ rows, count: n, height: hh, width: ww })) {
      const views = m.attack.views;
      this.cols = buildColumns(this.grid, { view: 'decomposition', rows, labels: views ? TRAINING_VIEW_LABELS : ROW_LABELS, help: views ? TRAINING_VIEW_HELP : ROW_HELP, scales: { r: 'signed', absDiff: 'heat' }, count: n, height: hh, width: ww });
    }
    this.values = Object.fromEntries(rows.map((r) => [r, pixelValues(m.images[r]!)]));
    this.gain = residualGain(this.values.r!);
    this.heat = heatScale(this.values.absDiff!);
    session.shown = m;
    for (const row of rows) paintRow(this.cols.canvases[row], row, this.values[row]!, m.images.x.shape, this.colouring(row));
    this.cols.canvases[rows[0]!].forEach((_, i) => {
      for (const row of rows) this.cols!.canvases[row][i]!.setAttribute('aria-label', `${(m.attack.views ? TRAINING_VIEW_LABELS : ROW_LABELS)[row]} of sample ${m.samples[i]!.index} (${m.samples[i]!.className})`);
    });
    const untrained = encoderUntrained(m.run);
    m.samples.forEach((s, i) => setHeader(this.cols!, i, s, untrained ? 'none' : s.identityKept ? 'kept' : 'lost'));
    this.labelScales();
    this.cols.notes.absDiff.textContent = '';
    this.notice.hidden = !untrained;
    fillNumbers(this.numbers, m.samples, untrained, m.attack.agreement.perSampleCosine);
    const kept = m.samples.filter((s) => s.identityKept).length;
    this.summary.textContent = `ε ${m.eps} · ${m.steps} step(s) · seed ${m.seed} · attack loss ${formatNumber(m.lossBefore, 4)} → ${formatNumber(m.lossAfter, 4)} · ${untrained ? 'identity kept/lost: not meaningful (encoder untrained)' : `identity kept ${kept}/${n}`}`;
    this.summary.classList.toggle('nm', untrained);
    this.attackLine.textContent = attackSummary(m);
    this.attackLine.classList.toggle('warn', m.attack.mode === 'inference');
    this.applyZoom();
    this.grid.classList.toggle('stale', m.requestId < this.latestRequested);
    setViewState(this.state, 'none');
    this.detail.refresh();
    const drawMs = performance.now() - t0;
    const since = this.requestedAt.get(m.requestId);
    const totalMs = since !== undefined ? performance.now() - since : drawMs;
    for (const k of this.requestedAt.keys()) if (k <= m.requestId) this.requestedAt.delete(k);
    this.latency = { requestId: m.requestId, totalMs, drawMs, workerMs: m.workerMs };
    this.status.textContent = `${checkpointName(m.checkpoint)} · updated in ${totalMs.toFixed(0)} ms (worker ${m.workerMs} ms, drawing ${drawMs.toFixed(1)} ms)`;
    send({ type: 'rendered', requestId: m.requestId, totalMs, drawMs });
  }

  /** How a row is coloured now (R(x) with the panel's contrast and brightness). */
  colouring(row: AnyRow): Colouring {
    const kind = ROW_KINDS[row];
    if (kind === 'signed') return { kind, gain: this.gain * ui.residual.contrast, offset: ui.residual.brightness };
    if (kind === 'heat') return { kind, max: this.heat.max };
    return { kind };
  }

  zoom(): number {
    const shape = session.shown?.images.x.shape;
    return ui.zoom || (shape ? defaultZoom(shape[1], shape[2]) : 1);
  }

  applyZoom(): void {
    const m = session.shown;
    if (!m || !this.cols) return;
    const z = this.zoom();
    this.onZoom(z);
    setZoom(this.cols, z, m.images.x.shape[1], m.images.x.shape[2]);
  }

  private labelScales(): void {
    if (!this.cols) return;
    const r = this.cols.legends.r;
    const a = this.cols.legends.absDiff;
    if (r) setLegend(r, residualScale(this.gain, ui.residual.contrast, ui.residual.brightness));
    if (a) setLegend(a, heatScaleLabels(this.heat));
    this.cols.notes.r.textContent = `amplified ${formatGain(this.gain)}`;
  }

  private recolourResidual(): void {
    const m = session.shown;
    if (!m || !this.cols || !this.values.r) return;
    paintRow(this.cols.canvases.r, 'r', this.values.r, m.images.x.shape, this.colouring('r'));
    this.labelScales();
    this.detail.refresh();
  }

  private detailSource(): DetailSource | undefined {
    const shown = session.shown;
    return shown ? { shown, values: this.values, colouring: (row) => this.colouring(row), labels: shown.attack.views ? TRAINING_VIEW_LABELS : ROW_LABELS } : undefined;
  }
}

function sampleName(m: InspectResultMessage | undefined, i: number): string {
  const s = m?.samples[i];
  return s ? `#${s.index} ${s.className}` : '';
}

function checkpointName(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts.length >= 3 ? `${parts[parts.length - 3]}/${parts[parts.length - 1]}` : p;
}
