/**
 * The controls every chart of a view shares: the x axis (step, epoch, wall time), EMA smoothing
 * and a logarithmic y. Plain form elements, so the comparison page needs no component library.
 */
import { h } from './dom';
import type { XAxis } from './metricSeries';

export interface ChartSettings {
  x: XAxis;
  /** EMA weight in [0, 0.99]. */
  smoothing: number;
  log: boolean;
}

export const DEFAULT_CHART_SETTINGS: ChartSettings = { x: 'step', smoothing: 0.6, log: false };

/** Settings restored from a page's state, or the defaults. */
export function chartSettingsFrom(v: unknown): ChartSettings {
  const o = (v ?? {}) as Partial<ChartSettings>;
  return {
    x: o.x === 'epoch' || o.x === 'time' ? o.x : 'step',
    smoothing: typeof o.smoothing === 'number' && o.smoothing >= 0 && o.smoothing <= 0.99 ? o.smoothing : DEFAULT_CHART_SETTINGS.smoothing,
    log: o.log === true,
  };
}

export function chartToolbar(prefix: string, settings: ChartSettings, onChange: (s: ChartSettings) => void): HTMLElement {
  const x = h('select', { id: `${prefix}-x`, 'aria-label': 'x axis' });
  for (const [v, t] of [['step', 'step'], ['epoch', 'epoch'], ['time', 'wall time']] as const) x.append(h('option', { value: v, selected: settings.x === v }, t));
  const smooth = h('input', { id: `${prefix}-smoothing`, type: 'range', min: 0, max: 0.99, step: 0.01, value: settings.smoothing, 'aria-label': 'Smoothing (EMA weight)' });
  const smoothOut = h('output', { for: `${prefix}-smoothing`, class: 'dim' }, settings.smoothing.toFixed(2));
  const log = h('input', { id: `${prefix}-log`, type: 'checkbox', checked: settings.log });
  const changed = () => {
    smoothOut.textContent = Number(smooth.value).toFixed(2);
    onChange({ x: x.value === 'epoch' || x.value === 'time' ? x.value : 'step', smoothing: Number(smooth.value), log: log.checked });
  };
  x.addEventListener('change', changed);
  smooth.addEventListener('change', changed);
  smooth.addEventListener('input', () => (smoothOut.textContent = Number(smooth.value).toFixed(2)));
  log.addEventListener('change', changed);
  return h(
    'div',
    { class: 'chart-toolbar', role: 'toolbar', 'aria-label': 'Chart settings' },
    h('label', { for: `${prefix}-x` }, 'x axis ', x),
    h('label', { for: `${prefix}-smoothing`, title: 'Exponential moving average of the step values (0: raw)' }, 'smoothing ', smooth, smoothOut),
    h('label', { for: `${prefix}-log` }, log, ' log scale'),
    h('span', { class: 'dim' }, 'drag across a chart to zoom, double-click to reset; hover for values'),
  );
}
