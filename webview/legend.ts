/**
 * A colour scale beside a row of images: the bar, its end (and middle) values and a note line. The
 * labels are never clipped: the scale column is as wide as its longest label (main.css).
 */
import { colourBar } from './render';
import { h } from './dom';
import type { ScaleLabels } from './scales';

export interface Legend {
  el: HTMLElement;
  top: HTMLElement;
  mid: HTMLElement;
  bottom: HTMLElement;
  note: HTMLElement;
}

export function makeLegend(kind: 'signed' | 'heat', row: string): Legend {
  const bar = h('canvas', { width: 1, height: 64, class: 'bar', 'aria-hidden': 'true' });
  bar.getContext('2d')!.putImageData(new ImageData(colourBar(kind, 1, 64), 1, 64), 0, 0);
  const top = h('span', { class: 'bar-top' });
  const mid = h('span', { class: 'bar-mid dim' });
  const bottom = h('span', { class: 'bar-bottom' });
  const note = h('div', { class: 'bar-note dim' });
  const el = h('div', { class: 'legend', 'data-row': row }, h('div', { class: 'legend-bar' }, bar, h('div', { class: 'bar-labels' }, top, mid, bottom)), note);
  return { el, top, mid, bottom, note };
}

export function setLegend(l: Legend, s: ScaleLabels): void {
  l.top.textContent = s.top;
  l.mid.textContent = s.mid ?? '';
  l.bottom.textContent = s.bottom;
  l.note.textContent = s.note;
  l.el.title = s.title;
}
