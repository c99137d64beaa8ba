/**
 * "Look closer": one sample enlarged with all its rows (a modal dialog: Esc closes, ← → step through
 * the samples), its numbers, the pixel read-out on hover, and R(x)'s contrast and brightness.
 */
import { formatNumber, type Colouring } from '../src/common/pixels';
import { rowsOf, type AnyRow, type InspectResultMessage } from '../src/protocol/webview';
import { h } from './dom';
import { attachHover } from './hover';
import { paint } from './paint';
import { detailZoom } from './readout';
import { encoderUntrained } from './runDefaults';
import { ResidualControls } from './residual';

export interface DetailSource {
  shown: InspectResultMessage;
  values: Partial<Record<AnyRow, Float32Array | Uint8Array>>;
  colouring(row: AnyRow): Colouring;
  labels: Record<AnyRow, string>;
}

export class DetailDialog {
  readonly el = h('dialog', { id: 'detail', class: 'detail', 'aria-label': 'Enlarged sample' }) as HTMLDialogElement;
  private readonly title = h('h3', { id: 'detail-title' });
  private readonly images = h('div', { id: 'detail-images', class: 'detail-images' });
  private readonly facts = h('dl', { id: 'detail-numbers', class: 'detail-numbers' });
  private readonly readout = h('p', { id: 'detail-readout', class: 'readout', 'aria-live': 'polite' });
  private sample = 0;

  constructor(
    private readonly source: () => DetailSource | undefined,
    residual: ResidualControls,
  ) {
    const prev = h('vscode-button', { id: 'detail-prev', secondary: true, title: 'Previous sample (←)' }, '‹');
    const next = h('vscode-button', { id: 'detail-next', secondary: true, title: 'Next sample (→)' }, '›');
    const close = h('vscode-button', { id: 'detail-close', title: 'Close (Esc)' }, 'Close');
    this.el.append(h('div', { class: 'detail-head' }, this.title, prev, next, close), this.images, residual.element('detail'), this.readout, this.facts);
    prev.addEventListener('click', () => this.step(-1));
    next.addEventListener('click', () => this.step(1));
    close.addEventListener('click', () => this.el.close());
    this.el.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowLeft') this.step(-1);
      else if (e.key === 'ArrowRight') this.step(1);
      else return;
      e.preventDefault();
    });
    attachHover(this.images, this.readout, { view: 'detail', markers: true, describe: (i) => this.describe(i) });
  }

  get isOpen(): boolean {
    return this.el.open;
  }

  get current(): number {
    return this.sample;
  }

  open(sample: number): void {
    this.sample = sample;
    this.render();
    if (!this.el.open) this.el.showModal();
  }

  /** A new inspection (or new colours) while open: draw it again. */
  refresh(): void {
    if (!this.el.open) return;
    const src = this.source();
    if (!src || this.sample >= src.shown.samples.length) {
      this.el.close();
      return;
    }
    this.render();
  }

  private step(d: number): void {
    const n = this.source()?.shown.samples.length ?? 0;
    if (n === 0) return;
    this.sample = (this.sample + d + n) % n;
    this.render();
  }

  private describe(i: number): string {
    const s = this.source()?.shown.samples[i];
    return s ? `#${s.index} ${s.className}` : '';
  }

  private render(): void {
    const src = this.source();
    if (!src) return;
    const m = src.shown;
    const i = this.sample;
    const s = m.samples[i]!;
    const shape = m.images.x.shape;
    const [, hh, ww] = shape;
    const z = detailZoom(hh, ww);
    const untrained = encoderUntrained(m.run);
    this.title.textContent = `#${s.index} ${s.className} — sample ${i + 1} of ${m.samples.length}${untrained ? '' : s.identityKept ? ' · identity kept' : ' · identity lost'}`;
    this.images.textContent = '';
    for (const row of rowsOf(m.images)) {
      const values = src.values[row];
      if (!values) continue;
      const c = h('canvas', { width: ww, height: hh, class: 'px', 'data-view': 'detail', 'data-row': row, 'data-sample': i, role: 'img', 'aria-label': `${src.labels[row]} of sample ${s.index} (${s.className})` });
      c.style.width = `${ww * z}px`;
      c.style.height = `${hh * z}px`;
      paint(c, { row, sample: i, values, shape, colouring: src.colouring(row) });
      this.images.append(h('figure', { class: 'detail-cell', 'data-row': row }, h('div', { class: 'cell' }, c), h('figcaption', {}, src.labels[row])));
    }
    this.facts.textContent = '';
    const fact = (k: string, v: string, nm = false) => this.facts.append(h('dt', {}, k), h('dd', nm ? { class: 'nm', title: 'not meaningful: the encoder is untrained' } : {}, v));
    fact('reconstruction error', formatNumber(s.reconError, 4));
    fact('‖δ‖∞ (latent)', formatNumber(s.latentLinf, 4));
    fact('cos(f(x), f(x_adv))', formatNumber(s.cosine, 4), untrained);
    fact('rank', String(s.rank), untrained);
    fact('max |x_adv − x|', formatNumber(s.maxPixelChange, 4));
    fact('loss term', formatNumber(s.lossTerm, 4), untrained);
  }
}
