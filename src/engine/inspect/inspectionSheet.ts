import { InspectResult } from './inspect';
import { renderSheet, Sheet, SheetImage, SheetRow } from '../../common/sheet';

/** A gain for R(x) that makes its largest magnitude fill the diverging map, rounded to 1, 2 or 5 × 10^k. */
export function residualGain(r: Float32Array): number {
  let max = 0;
  for (let i = 0; i < r.length; i++) max = Math.max(max, Math.abs(r[i]));
  if (max === 0) return 1;
  const raw = 1 / max;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const m = raw / p;
  return (m >= 5 ? 5 : m >= 2 ? 2 : 1) * p;
}

/** The inspection sheet: rows x, G(x), R(x) amplified (gain shown), x_adv, |x_adv − x| as a heat map. */
export function renderInspectionSheet(res: InspectResult, title: string): Sheet {
  const [n, h, w, c] = res.images.shape;
  const per = h * w * c;
  const gain = residualGain(res.images.r);
  const slice = (a: Float32Array, i: number, scale = 1): SheetImage => {
    const data = a.slice(i * per, (i + 1) * per);
    if (scale !== 1) for (let k = 0; k < data.length; k++) data[k] *= scale;
    return { data, height: h, width: w, channels: c as 1 | 3 };
  };
  const range = (f: (i: number) => SheetImage) => Array.from({ length: n }, (_, i) => f(i));
  const rows: SheetRow[] = [
    { label: 'x', kind: 'image', images: range((i) => slice(res.images.x, i)) },
    { label: 'G(x)', kind: 'image', images: range((i) => slice(res.images.g, i)) },
    { label: 'R(x)', kind: 'signed', scale: `x${formatGain(gain)}`, images: range((i) => slice(res.images.r, i, gain)) },
    { label: 'x_adv', kind: 'image', images: range((i) => slice(res.images.xAdv, i)) },
    { label: '|x_adv-x|', kind: 'heat', images: range((i) => slice(res.images.absDiff, i)) },
  ];
  const footer = [
    `attack loss ${res.lossBefore.toFixed(4)} -> ${res.lossAfter.toFixed(4)}; identity kept ${res.samples.filter((s) => s.identityKept).length}/${n}`,
    ...res.samples.map(
      (s) => `#${s.index} ${s.className}: recon ${s.reconError.toFixed(4)}  |dz|inf ${s.latentLinf.toFixed(3)}  cos ${s.cosine.toFixed(3)}  rank ${s.rank}  max|dx| ${s.maxPixelChange.toFixed(3)}`,
    ),
  ];
  return renderSheet(rows, { title, columns: res.samples.map((s) => ({ title: `#${s.index}`, caption: s.className })), footer });
}

function formatGain(g: number): string {
  return g >= 1 ? String(Math.round(g)) : g.toPrecision(1);
}
