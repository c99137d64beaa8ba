/**
 * What the colour scales say, as plain functions (tested in Node): R(x)'s diverging scale after its
 * gain, contrast and brightness, and the |x_adv − x| heat scale with its floor.
 */
import { formatGain, formatNumber, HEAT_FLOOR_LABEL, type HeatScale } from '../src/common/pixels';

export interface ScaleLabels {
  top: string;
  mid?: string;
  bottom: string;
  /** One line under the bar: how the top was chosen. */
  note: string;
  /** The whole story, for the tooltip. */
  title: string;
}

/**
 * R(x) is coloured at v · gain · contrast + brightness (±1 saturate): the bar's ends and middle are
 * the residual values that land there.
 */
export function residualScale(gain: number, contrast: number, brightness: number): ScaleLabels {
  const g = gain * contrast;
  const at = (t: number) => (t - brightness) / g;
  const signed = (v: number) => (v > 0 ? `+${formatNumber(v)}` : formatNumber(v));
  const adjusted = contrast !== 1 || brightness !== 0;
  return {
    top: signed(at(1)),
    mid: signed(at(0)),
    bottom: signed(at(-1)),
    note: adjusted ? `contrast ×${formatNumber(contrast)} · brightness ${signed(brightness)}` : 'saturates beyond',
    title: `R(x) amplified ${formatGain(gain)}${adjusted ? `, contrast ×${formatNumber(contrast)}, brightness ${formatNumber(brightness)}` : ''}: the bar's top is R(x) = ${signed(at(1))}, its bottom ${signed(at(-1))}; beyond them the colours saturate.`,
  };
}

/** The heat scale: 0 to max(batch maximum, floor); the note says which set the top. */
export function heatScaleLabels(s: HeatScale): ScaleLabels {
  const top = formatNumber(s.max);
  return {
    top,
    bottom: '0',
    note: s.floored ? `floor ${HEAT_FLOOR_LABEL}` : 'batch max',
    title: s.floored
      ? `Top = the floor ${HEAT_FLOOR_LABEL} (${top}): the batch's largest change, ${formatNumber(s.batchMax)}, is below one grey level, so it shows as black.`
      : `Top = the batch's largest change, ${top} (never below the floor ${HEAT_FLOOR_LABEL}); the channel of largest change per pixel.`,
  };
}

/** Contrast slider position k ↔ contrast 2^k (k in −3..3, halves and doublings). */
export const contrastOf = (k: number): number => Math.pow(2, k);
export const contrastStep = (c: number): number => Math.round(Math.log2(c) * 4) / 4;
