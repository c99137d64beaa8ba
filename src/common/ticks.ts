/**
 * Axis ticks for people: round values (1, 2 or 5 × 10^k apart), whole numbers only on integer axes
 * (steps, epochs, ranks), durations at clock-like intervals, and labels with just enough digits that
 * neighbouring ticks never read the same ("65%, 65%"). Pure: the webview's charts use it, and so may
 * the report's PNG plots.
 */

export interface TickOptions {
  /** Only whole-number ticks (the step is at least 1). */
  integer?: boolean;
}

/** The round step (1, 2 or 5 × 10^k) that splits [lo, hi] into about `count` parts. */
export function niceStep(lo: number, hi: number, count = 5, opts: TickOptions = {}): number {
  const raw = Math.abs(hi - lo) / Math.max(1, count);
  if (!(raw > 0) || !Number.isFinite(raw)) return opts.integer ? 1 : 0;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const m = raw / p;
  const step = (m < 1.5 ? 1 : m < 3 ? 2 : m < 7 ? 5 : 10) * p;
  return opts.integer ? Math.max(1, Math.round(step)) : step;
}

/** About `count` round tick values covering [lo, hi] (whole numbers only with `integer`). */
export function niceTicks(lo: number, hi: number, count = 5, opts: TickOptions = {}): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) return opts.integer && !Number.isInteger(lo) ? [] : [lo];
  const step = niceStep(lo, hi, count, opts);
  const out: number[] = [];
  const first = Math.ceil(lo / step - 1e-9);
  for (let k = first; k * step <= hi + step * 1e-9; k++) out.push(Number((k * step).toPrecision(12)));
  return out;
}

/** Decimals that tell ticks `step` apart: 0.05 → 2, 2 → 0. */
export function stepDecimals(step: number): number {
  if (!(step > 0) || !Number.isFinite(step)) return 0;
  return Math.max(0, Math.min(12, -Math.floor(Math.log10(step) + 1e-9)));
}

/** A tick label with the digits its step needs (and no "-0"). */
export function formatTick(v: number, step: number): string {
  const s = v.toFixed(stepDecimals(step));
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}

/** A fraction as a percentage tick: 0.65 with step 0.005 → "65.0%", with step 0.05 → "65%". */
export function formatPercentTick(v: number, step: number): string {
  return `${formatTick(v * 100, step * 100)}%`;
}

/** Tick labels for `ticks` (taken as evenly spaced): their step decides the digits. */
export function formatTicks(ticks: readonly number[], opts: { percent?: boolean } = {}): string[] {
  const step = ticks.length > 1 ? Math.abs(ticks[1]! - ticks[0]!) : Math.abs(ticks[0] ?? 1) || 1;
  return ticks.map((t) => (opts.percent ? formatPercentTick(t, step) : formatTick(t, step)));
}

/** Clock-like steps for durations in seconds. */
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/** About `count` ticks over [lo, hi] seconds at 1 s, 5 s, 1 min, 5 min, 1 h … intervals. */
export function timeTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi < lo) [lo, hi] = [hi, lo];
  const raw = (hi - lo) / Math.max(1, count);
  const step = TIME_STEPS.find((s) => s >= raw) ?? Math.ceil(raw / 86400) * 86400;
  if (hi === lo) return [lo];
  const out: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + 1e-9; k++) out.push(k * step || 0);
  return out;
}

/** A duration tick: "45s", "2m", "2m30s", "1h", "1h30m". */
export function formatDurationTick(seconds: number): string {
  const s = Math.round(Math.max(0, seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return s % 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s / 60}m`;
  const m = Math.floor((s % 3600) / 60);
  return m ? `${Math.floor(s / 3600)}h${String(m).padStart(2, '0')}m` : `${Math.floor(s / 3600)}h`;
}
