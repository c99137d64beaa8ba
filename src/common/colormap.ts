/**
 * Colour maps for inspection images: a perceptual sequential map for magnitudes and a diverging
 * map for signed values. Small anchor tables, linearly interpolated, so no image library is needed.
 */

export type RGB8 = [number, number, number];

/** Packed RRGGBB anchors, evenly spaced over [0, 1]. */
function parseAnchors(hex: string): readonly RGB8[] {
  const out: RGB8[] = [];
  for (let i = 0; i + 6 <= hex.length; i += 6) {
    out.push([parseInt(hex.slice(i, i + 2), 16), parseInt(hex.slice(i + 2, i + 4), 16), parseInt(hex.slice(i + 4, i + 6), 16)]);
  }
  return out;
}

/**
 * Matplotlib's 'inferno' sampled at 33 evenly spaced points (max interpolation error vs. the
 * 256-entry table: under 2/255). Chosen because it is perceptually uniform, reads in grayscale,
 * and starts near black, so zero change sits quietly on a dark background.
 */
const INFERNO = parseAnchors(
  '000004040312' + '0b0724150b37' + '210c4a2f0a5b' + '3d09654a0c6b' + '57106e64156e' + '71196e7d1e6d' +
    '8a226a972766' + 'a32c61b0315b' + 'bc3754c63d4d' + 'd04545da4e3c' + 'e35933eb6429' + 'f1711ff67e14' +
    'f98c0afb9b06' + 'fcaa0ffbba1f' + 'f9c932f5d949' + 'f2e865f3f586' + 'fcffa4',
);

/**
 * ColorBrewer RdBu (11 classes), reversed so negative is blue and positive red; the middle
 * anchor is the neutral near-white that zero maps to exactly.
 */
const RDBU = parseAnchors(
  '053061' + '2166ac' + '4393c3' + '92c5de' + 'd1e5f0' + 'f7f7f7' + 'fddbc7' + 'f4a582' + 'd6604d' + 'b2182b' + '67001f',
);

function sample(table: readonly RGB8[], t: number): RGB8 {
  // NaN falls to the low end rather than poisoning the output with NaN bytes.
  const u = Number.isNaN(t) ? 0 : Math.min(1, Math.max(0, t));
  const pos = u * (table.length - 1);
  const i = Math.min(table.length - 2, Math.floor(pos));
  const f = pos - i;
  const a = table[i] as RGB8;
  const b = table[i + 1] as RGB8;
  return [
    Math.round(a[0] + (b[0] - a[0]) * f),
    Math.round(a[1] + (b[1] - a[1]) * f),
    Math.round(a[2] + (b[2] - a[2]) * f),
  ];
}

/** Sequential heat map ('inferno') for t in [0, 1]; values outside are clamped. */
export function heat(t: number): RGB8 {
  return sample(INFERNO, t);
}

/** Diverging blue–white–red map for v in [-1, 1] (clamped); 0 maps to the neutral colour. */
export function diverging(v: number): RGB8 {
  return sample(RDBU, (Number.isNaN(v) ? 0 : v) * 0.5 + 0.5);
}

/** The colour diverging(0) gives, for legends and tests. */
export const NEUTRAL: Readonly<RGB8> = RDBU[(RDBU.length - 1) / 2] as RGB8;
/** The ends of the heat map, for legends and tests. */
export const HEAT_LOW: Readonly<RGB8> = INFERNO[0] as RGB8;
export const HEAT_HIGH: Readonly<RGB8> = INFERNO[INFERNO.length - 1] as RGB8;
