/**
 * The pixel read-out: hovering a pixel of any image of a sample shows that pixel's values in x,
 * G(x), R(x), x_adv and |x_adv − x| (pixel units), and marks the pixel on the sample's other images.
 */
import { h } from './dom';
import { paintedAs } from './paint';
import { formatPixel, pixelAt, pixelUnder } from './readout';

const READOUT_ROWS: Record<string, { label: string; signed?: boolean }> = {
  x: { label: 'x' },
  g: { label: 'G(x)' },
  r: { label: 'R(x)', signed: true },
  xAdv: { label: 'x_adv' },
  absDiff: { label: '|x_adv − x|' },
};

export interface HoverOptions {
  /** Which canvases (data-view) this read-out serves. */
  view: string;
  /** "#551 Trouser" for a sample position. */
  describe(sample: number): string;
  /** Draw a marker on the hovered pixel of every image of the sample (the enlarged view). */
  markers?: boolean;
}

export function attachHover(container: HTMLElement, readout: HTMLElement, opts: HoverOptions): void {
  const clear = () => {
    readout.textContent = opts.markers ? 'Hover a pixel for its values.' : '';
    for (const m of Array.from(container.querySelectorAll('.px-marker'))) m.remove();
  };
  container.addEventListener('mouseleave', clear);
  container.addEventListener('mousemove', (e) => {
    const c = e.target;
    if (!(c instanceof HTMLCanvasElement) || c.dataset.view !== opts.view) return;
    const rec = paintedAs(c);
    if (!rec) return;
    const rect = c.getBoundingClientRect();
    const [px, py] = pixelUnder(e.clientX - rect.left, e.clientY - rect.top, rect.width, rect.height, c.width, c.height);
    const parts: string[] = [];
    for (const other of Array.from(container.querySelectorAll<HTMLCanvasElement>(`canvas.px[data-view="${opts.view}"][data-sample="${rec.sample}"]`))) {
      const o = paintedAs(other);
      const row = o && READOUT_ROWS[o.row];
      if (!o || !row) continue;
      parts.push(`${row.label} ${formatPixel(pixelAt(o.values, o.shape, o.sample, px, py), row.signed)}`);
      if (opts.markers) mark(other, px, py);
    }
    readout.textContent = `${opts.describe(rec.sample)} · pixel (${px}, ${py}): ${parts.join(' · ')}`;
    readout.dataset.pixel = `${px},${py}`;
    readout.dataset.sample = String(rec.sample);
  });
  clear();
}

/** A one-pixel outline over image pixel (x, y) of a canvas, inside its (position: relative) cell. */
function mark(c: HTMLCanvasElement, x: number, y: number): void {
  const cell = c.parentElement;
  if (!cell) return;
  let m = cell.querySelector<HTMLElement>('.px-marker');
  if (!m) {
    m = h('div', { class: 'px-marker', 'aria-hidden': 'true' });
    cell.append(m);
  }
  const sx = c.clientWidth / c.width;
  const sy = c.clientHeight / c.height;
  m.style.left = `${c.offsetLeft + x * sx}px`;
  m.style.top = `${c.offsetTop + y * sy}px`;
  m.style.width = `${sx}px`;
  m.style.height = `${sy}px`;
}
