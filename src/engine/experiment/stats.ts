/**
 * The statistics of the report: mean ± sample standard deviation, Student's t quantiles, and
 * differences paired by seed with a 95% confidence interval (paired t). Seeds pair naturally: the
 * same seed gives two rows the same initialisation, data order and augmentations, so the paired
 * difference removes the seed-to-seed spread that an unpaired comparison would carry.
 */

export interface MeanStd {
  mean: number;
  std: number;
}

/** Mean and sample standard deviation (n − 1) of the finite values; std 0 for one value. */
export function meanStd(v: readonly number[]): MeanStd {
  const ok = v.filter(Number.isFinite);
  if (ok.length === 0) return { mean: NaN, std: NaN };
  const mean = ok.reduce((a, b) => a + b, 0) / ok.length;
  const std = ok.length > 1 ? Math.sqrt(ok.reduce((a, b) => a + (b - mean) ** 2, 0) / (ok.length - 1)) : 0;
  return { mean, std };
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms: about 15 significant digits). */
export function lnGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The regularised incomplete beta I_x(a, b), by its continued fraction (modified Lentz). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  // The continued fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry otherwise.
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a);
  const front = Math.exp(a * Math.log(x) + b * Math.log(1 - x) - (lnGamma(a) + lnGamma(b) - lnGamma(a + b))) / a;
  const tiny = 1e-300;
  let f = 1;
  let c = 1;
  let d = 0;
  for (let i = 0; i <= 400; i++) {
    const m = Math.floor(i / 2);
    const num = i === 0 ? 1 : i % 2 === 0 ? (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)) : -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
    d = 1 + num * d;
    d = Math.abs(d) < tiny ? tiny : d;
    d = 1 / d;
    c = 1 + num / c;
    c = Math.abs(c) < tiny ? tiny : c;
    const cd = c * d;
    f *= cd;
    if (Math.abs(1 - cd) < 1e-15) break;
  }
  return front * (f - 1);
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  if (!(df > 0)) return NaN;
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t (e.g. studentTQuantile(0.975, 4) = 2.7764451…), by bisection on the CDF. */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) return NaN;
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, df) < p) hi *= 2;
  // 200 halvings reach the float spacing; the CDF is monotone, so bisection cannot fail.
  for (let i = 0; i < 200 && hi - lo > 1e-14 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface PairedDifference {
  /** Seeds present in both rows (sorted). */
  seeds: number[];
  n: number;
  /** Mean of a − b over the paired seeds, its sample standard deviation, and the 95% CI (NaN for n < 2). */
  mean: number;
  std: number;
  lo: number;
  hi: number;
}

/** a − b paired by seed, with the paired-t 95% confidence interval mean ± t(0.975, n − 1) · std / √n. */
export function pairedDifference(a: ReadonlyMap<number, number>, b: ReadonlyMap<number, number>, level = 0.95): PairedDifference {
  const seeds = [...a.keys()].filter((s) => b.has(s) && Number.isFinite(a.get(s)!) && Number.isFinite(b.get(s)!)).sort((x, y) => x - y);
  const d = seeds.map((s) => a.get(s)! - b.get(s)!);
  const { mean, std } = meanStd(d);
  const n = d.length;
  if (n < 2) return { seeds, n, mean, std, lo: NaN, hi: NaN };
  const half = studentTQuantile(1 - (1 - level) / 2, n - 1) * (std / Math.sqrt(n));
  return { seeds, n, mean, std, lo: mean - half, hi: mean + half };
}

export type Verdict = 'higher' | 'lower' | 'no difference' | 'n/a';

/** "no difference" whenever the interval contains 0; "n/a" without an interval (fewer than 2 paired seeds). */
export function verdictOf(d: PairedDifference): Verdict {
  if (!(d.n >= 2) || !Number.isFinite(d.lo) || !Number.isFinite(d.hi)) return 'n/a';
  if (d.lo <= 0 && d.hi >= 0) return 'no difference';
  return d.mean > 0 ? 'higher' : 'lower';
}

/** The verdict in words, in accuracy points: "higher by 2.10 points (95% CI [0.40, 3.80], 5 seeds)". */
export function describeDifference(d: PairedDifference): string {
  const pts = (x: number) => (x * 100).toFixed(2);
  const v = verdictOf(d);
  if (v === 'n/a') return `n/a (${d.n} paired seed${d.n === 1 ? '' : 's'}${d.n === 1 ? `: ${pts(d.mean)} points` : ''}; a CI needs 2)`;
  const ci = `95% CI [${pts(d.lo)}, ${pts(d.hi)}], ${d.n} seeds`;
  if (v === 'no difference') return `no difference (${pts(d.mean)} points, ${ci})`;
  return `${v} by ${pts(Math.abs(d.mean))} points (${ci})`;
}
