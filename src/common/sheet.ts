/**
 * Contact sheets for IDAA inspection: rows of images (x, G(x), R(x), x_adv, |x_adv − x| ...) by
 * columns of samples, rendered into a plain RGBA buffer with an embedded bitmap font. No canvas,
 * no tfjs, no Node APIs: the CLI and the extension host (PNG export) render with it, and its cells
 * are coloured by pixels.ts, as the webview's canvases are.
 */
import { diverging, heat } from './colormap';
import { drawText, fillRect, measureText, type RGB, type RGBA } from './font';
import { colourPixels, formatNumber, heatScale, HEAT_FLOOR_LABEL, reducePixel } from './pixels';

export type { RGBA } from './font';

/** One image, HWC float values. */
export interface SheetImage {
  data: Float32Array;
  height: number;
  width: number;
  channels: 1 | 3;
}

/** Header of one sample column, e.g. title "#12" and caption "sneaker". */
export interface SheetColumn {
  title?: string;
  caption?: string;
}

/**
 * One row of the sheet.
 * - 'image': values in [0, 1], clamped (callers pass de-normalised pixels); 1 channel shows gray.
 * - 'signed': values in [-1, 1] (callers amplify, e.g. R(x)·4, and say so in `scale`), shown with
 *   the blue–white–red diverging map; 0 is neutral white, saturating at ±1.
 * - 'heat': non-negative values (e.g. |x_adv − x|) shown with 'inferno', normalised by the row's
 *   maximum but never by less than pixels.HEAT_FLOOR (one grey level: float noise stays black); a
 *   colour bar with 0 and that top is drawn at the row's end, marked "floor" when the floor set it.
 * Non-finite values are drawn magenta in every kind, so NaNs cannot hide.
 */
export interface SheetRow {
  label: string;
  kind: 'image' | 'signed' | 'heat';
  images: SheetImage[];
  /** Second label line stating how values were scaled, e.g. "R(x) ×4". */
  scale?: string;
  /**
   * How 3-channel 'signed'/'heat' images become one value per pixel: 'mean' over channels, or
   * 'max' (the channel of largest magnitude, sign kept). Default: 'mean' for 'signed' (a
   * luminance-like residual), 'max' for 'heat' (so a change in any one channel shows).
   */
  reduce?: 'mean' | 'max';
}

export interface SheetOptions {
  /** Integer nearest-neighbour zoom; default makes the largest image side at least 96 px. */
  cellScale?: number;
  title?: string;
  columns?: SheetColumn[];
  /**
   * Lines under the grid. A line with tabs is a table row: the first field sits in the label
   * column and field i+1 is centred under sample column i (per-sample numbers line up).
   */
  footer?: string[];
  /** Default VS Code dark editor background #1e1e1e; text colours follow its lightness. */
  background?: [number, number, number];
}

/** Where one image was drawn, for tests and for hit-testing (hover read-outs) in a webview. */
export interface SheetCell {
  row: number;
  col: number;
  x: number;
  y: number;
  width: number;
  height: number;
  zoom: number;
}

export interface Sheet extends RGBA {
  readonly cells: readonly SheetCell[];
}

/** Layout constants in pixels, exported so tests and callers can reason about sizes. */
export const LAYOUT = {
  margin: 20,
  /** Between cells, horizontally and vertically. */
  gap: 8,
  textScale: 2,
  /** Between the label column and the first cell. */
  labelPad: 16,
  /** Colour bar: distance from the last cell, bar width, distance to its numbers. */
  barGap: 16,
  barWidth: 14,
  barTextGap: 8,
  /** Smallest cell side the default zoom aims for. */
  minCellSide: 96,
} as const;

const DEFAULT_BACKGROUND: [number, number, number] = [30, 30, 30];

interface Palette {
  title: RGB;
  text: RGB;
  dim: RGB;
  rule: RGB;
  frame: RGB;
  empty: RGB;
  accent: RGB;
}

/** Text and frame colours that stay readable on the chosen background. */
function paletteFor(bg: RGB): Palette {
  const lum = (0.2126 * bg[0] + 0.7152 * bg[1] + 0.0722 * bg[2]) / 255;
  const shade = (d: number): RGB => {
    const k = lum > 0.5 ? -d : d;
    return [clampByte(bg[0] + k), clampByte(bg[1] + k), clampByte(bg[2] + k)];
  };
  return lum > 0.5
    ? { title: [20, 20, 20], text: [40, 40, 40], dim: [110, 110, 110], rule: shade(40), frame: shade(28), empty: shade(10), accent: [0, 95, 184] }
    : { title: [240, 240, 240], text: [212, 212, 212], dim: [140, 140, 140], rule: shade(40), frame: shade(24), empty: shade(8), accent: [55, 148, 255] };
}

function concat(planes: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(planes.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of planes) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function clampByte(v: number): number {
  return Math.max(0, Math.min(255, Math.round(v)));
}

export type FitMode = 'contain' | 'center';

/**
 * Where an image of the given size lands in a cell: 'contain' uses the largest integer zoom that
 * fits (at least 1); 'center' keeps `zoom`. Both centre the result; integer zoom keeps pixels
 * square and exact.
 */
export function fitImage(
  img: { height: number; width: number },
  cellWidth: number,
  cellHeight: number,
  mode: FitMode,
  zoom = 1,
): { x: number; y: number; width: number; height: number; zoom: number } {
  const z =
    mode === 'contain'
      ? Math.max(1, Math.min(Math.floor(cellWidth / img.width), Math.floor(cellHeight / img.height)))
      : Math.max(1, Math.floor(zoom));
  const width = img.width * z;
  const height = img.height * z;
  return { x: Math.floor((cellWidth - width) / 2), y: Math.floor((cellHeight - height) / 2), width, height, zoom: z };
}

/** Default zoom: enough that the largest side reaches LAYOUT.minCellSide (32 px -> ×3). */
export function defaultCellScale(height: number, width: number): number {
  const side = Math.max(height, width, 1);
  return Math.max(1, Math.ceil(LAYOUT.minCellSide / side));
}

function checkImage(img: SheetImage, where: string): void {
  const { height, width, channels, data } = img;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new RangeError(`${where}: image size ${width}x${height} must be positive integers`);
  }
  if (channels !== 1 && channels !== 3) throw new RangeError(`${where}: channels must be 1 or 3, got ${String(channels)}`);
  if (data.length !== height * width * channels) {
    throw new RangeError(`${where}: data has ${data.length} values, expected ${height}x${width}x${channels} = ${height * width * channels}`);
  }
}

/** One value per pixel for 'signed'/'heat' rows (pixels.ts decides how channels combine). */
function reduceChannels(img: SheetImage, mode: 'mean' | 'max'): Float32Array {
  const n = img.height * img.width;
  if (img.channels === 1) return img.data;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = reducePixel(img.data, i * 3, 3, mode);
  return out;
}

/** Per-pixel RGBA bytes (h*w*4) for one image of a row: pixels.ts's colouring, the webview's too. */
function colourImage(img: SheetImage, kind: SheetRow['kind'], plane: Float32Array | undefined, max: number): Uint8ClampedArray {
  const n = img.height * img.width;
  if (kind === 'image') return colourPixels(img.data, 0, n, img.channels, { kind });
  return colourPixels(plane as Float32Array, 0, n, 1, { kind, max });
}

/** Copy an RGBA image into the sheet with integer nearest-neighbour zoom. */
function blit(buf: RGBA, rgba: Uint8ClampedArray, w: number, h: number, x0: number, y0: number, zoom: number): void {
  for (let sy = 0; sy < h; sy++) {
    for (let dy = 0; dy < zoom; dy++) {
      let o = ((y0 + sy * zoom + dy) * buf.width + x0) * 4;
      for (let sx = 0; sx < w; sx++) {
        const s = (sy * w + sx) * 4;
        for (let dx = 0; dx < zoom; dx++, o += 4) {
          buf.rgba[o] = rgba[s] as number;
          buf.rgba[o + 1] = rgba[s + 1] as number;
          buf.rgba[o + 2] = rgba[s + 2] as number;
          buf.rgba[o + 3] = 255;
        }
      }
    }
  }
}

/** 1-px outline just outside a rectangle, so dark images still read as cells. */
function outline(buf: RGBA, x: number, y: number, w: number, h: number, c: RGB): void {
  fillRect(buf, x - 1, y - 1, w + 2, 1, c);
  fillRect(buf, x - 1, y + h, w + 2, 1, c);
  fillRect(buf, x - 1, y, 1, h, c);
  fillRect(buf, x + w, y, 1, h, c);
}

/** Shorten `text` with '…' until it fits `maxWidth` at `scale`. */
function fitText(text: string, maxWidth: number, scale: number): string {
  if (measureText(text, scale).width <= maxWidth) return text;
  const chars = Array.from(text);
  while (chars.length > 0 && measureText(`${chars.join('')}…`, scale).width > maxWidth) chars.pop();
  return chars.length > 0 ? `${chars.join('')}…` : '';
}

/**
 * Render rows × sample columns into an RGBA sheet: title, column headers, a label (and scale
 * note) left of each row, colour bars right of 'heat'/'signed' rows, footer lines below.
 */
export function renderSheet(rows: SheetRow[], opts: SheetOptions = {}): Sheet {
  const L = LAYOUT;
  const ts = L.textScale;
  const lineH = measureText('X', ts).height;
  const bg: RGB = opts.background ?? DEFAULT_BACKGROUND;
  const pal = paletteFor(bg);
  const columns = opts.columns ?? [];

  rows.forEach((r, ri) => r.images.forEach((img, ci) => checkImage(img, `row ${ri} ("${r.label}") image ${ci}`)));
  let maxH = 0;
  let maxW = 0;
  for (const r of rows) {
    for (const img of r.images) {
      maxH = Math.max(maxH, img.height);
      maxW = Math.max(maxW, img.width);
    }
  }
  if (maxH === 0) maxH = maxW = 32; // no images: keep a sensible empty grid
  const zoom = opts.cellScale ?? defaultCellScale(maxH, maxW);
  if (!Number.isInteger(zoom) || zoom < 1) throw new RangeError(`cellScale must be a positive integer, got ${zoom}`);
  const cellW = maxW * zoom;
  const cellH = maxH * zoom;
  const ncols = Math.max(columns.length, ...rows.map((r) => r.images.length), 0);

  // Label column: the label, and under it the dimmer scale note.
  let labelW = 0;
  for (const r of rows) labelW = Math.max(labelW, measureText(r.label, ts).width, measureText(r.scale ?? '', ts).width);
  const labelColW = labelW > 0 ? labelW + L.labelPad : 0;
  const labelBlockH = (r: SheetRow): number => measureText(r.label, ts).height + (r.scale ? 6 + measureText(r.scale, ts).height : 0);
  const rowHeights = rows.map((r) => Math.max(cellH, labelBlockH(r)));

  // Per-row values that need the whole row first: heat maxima and reduced planes.
  const planes = rows.map((r) => (r.kind === 'image' ? [] : r.images.map((img) => reduceChannels(img, r.reduce ?? (r.kind === 'heat' ? 'max' : 'mean')))));
  const scales = rows.map((r, i) => (r.kind === 'heat' ? heatScale(concat(planes[i] ?? [])) : undefined));
  const maxima = scales.map((h) => h?.max ?? 0);
  const barLabels = rows.map((r, i): [string, string, string] | undefined => {
    const h = scales[i];
    if (h) return [h.floored ? `${formatNumber(h.max)} (floor ${HEAT_FLOOR_LABEL})` : formatNumber(h.max), '', '0'];
    return r.kind === 'signed' ? ['+1', '0', '−1'] : undefined;
  });
  let barTextW = 0;
  for (const b of barLabels) if (b) for (const s of b) barTextW = Math.max(barTextW, measureText(s, ts).width);
  const barColW = barLabels.some((b) => b) ? L.barGap + L.barWidth + L.barTextGap + barTextW : 0;

  // Column headers: keep the label text size and widen columns (up to 1.5 cells) so captions
  // such as "automobile" stay whole; fall back to the small size, then to truncation.
  const hasTitles = columns.some((c) => c.title);
  const hasCaptions = columns.some((c) => c.caption);
  const headerNeed = (s: number): number =>
    Math.max(0, ...columns.map((c) => Math.max(measureText(c.title ?? '', s).width, measureText(c.caption ?? '', s).width)));
  const maxColW = Math.floor(cellW * 1.5);
  const hs = headerNeed(ts) <= maxColW ? ts : Math.max(1, ts - 1);
  const colW = Math.max(cellW, Math.min(maxColW, headerNeed(hs)));
  const headerLineH = measureText('X', hs).height;
  const headerH = (hasTitles ? headerLineH : 0) + (hasCaptions ? headerLineH : 0) + (hasTitles && hasCaptions ? 6 : 0);

  const gridW = ncols > 0 ? ncols * colW + (ncols - 1) * L.gap : 0;
  const gridH = rowHeights.reduce((a, h) => a + h, 0) + Math.max(0, rows.length - 1) * L.gap;
  const footer = opts.footer ?? [];
  const titleBlockH = opts.title ? lineH + 10 + 1 + 16 : 0;
  const headerBlockH = headerH > 0 ? headerH + 10 : 0;
  const footerBlockH = footer.length > 0 ? 20 + footer.length * lineH + (footer.length - 1) * 8 : 0;

  let width = 2 * L.margin + labelColW + gridW + barColW;
  if (opts.title) width = Math.max(width, 2 * L.margin + measureText(opts.title, ts).width);
  for (const f of footer) if (!f.includes('\t')) width = Math.max(width, 2 * L.margin + measureText(f, ts).width);
  const height = 2 * L.margin + titleBlockH + headerBlockH + gridH + footerBlockH;

  const rgba = new Uint8Array(width * height * 4);
  const buf: RGBA = { width, height, rgba };
  fillRect(buf, 0, 0, width, height, bg);

  let y = L.margin;
  if (opts.title) {
    drawText(buf, L.margin, y, opts.title, pal.title, ts);
    // A short accent under the title and a quiet rule across: separates title from the grid.
    fillRect(buf, L.margin, y + lineH + 10, width - 2 * L.margin, 1, pal.rule);
    fillRect(buf, L.margin, y + lineH + 9, Math.min(48, width - 2 * L.margin), 2, pal.accent);
    y += titleBlockH;
  }

  const gridX = L.margin + labelColW;
  // Left edge of column c's cell; cells sit centred in their (possibly wider) column.
  const colX = (c: number): number => gridX + c * (colW + L.gap) + Math.floor((colW - cellW) / 2);
  if (headerH > 0) {
    for (let c = 0; c < ncols; c++) {
      const col = columns[c];
      let hy = y;
      if (hasTitles) {
        const t = fitText(col?.title ?? '', colW, hs);
        drawText(buf, colX(c) + Math.floor((cellW - measureText(t, hs).width) / 2), hy, t, pal.text, hs);
        hy += headerLineH + 6;
      }
      if (hasCaptions) {
        const t = fitText(col?.caption ?? '', colW, hs);
        drawText(buf, colX(c) + Math.floor((cellW - measureText(t, hs).width) / 2), hy, t, pal.dim, hs);
      }
    }
    y += headerBlockH;
  }

  const cells: SheetCell[] = [];
  rows.forEach((row, ri) => {
    const rh = rowHeights[ri] ?? cellH;
    const cy = y + Math.floor((rh - cellH) / 2);
    // Label block centred on the row.
    const ly = y + Math.floor((rh - labelBlockH(row)) / 2);
    drawText(buf, L.margin, ly, row.label, pal.text, ts);
    if (row.scale) drawText(buf, L.margin, ly + measureText(row.label, ts).height + 6, row.scale, pal.dim, ts);

    for (let c = 0; c < ncols; c++) {
      const img = row.images[c];
      const x = colX(c);
      outline(buf, x, cy, cellW, cellH, pal.frame);
      if (!img) {
        fillRect(buf, x, cy, cellW, cellH, pal.empty);
        continue;
      }
      const place = fitImage(img, cellW, cellH, 'contain');
      if (place.width < cellW || place.height < cellH) fillRect(buf, x, cy, cellW, cellH, pal.empty);
      const rgb = colourImage(img, row.kind, planes[ri]?.[c], maxima[ri] ?? 0);
      blit(buf, rgb, img.width, img.height, x + place.x, cy + place.y, place.zoom);
      cells.push({ row: ri, col: c, x: x + place.x, y: cy + place.y, width: place.width, height: place.height, zoom: place.zoom });
    }

    const labels = barLabels[ri];
    if (labels) {
      const bx = gridX + gridW - Math.floor((colW - cellW + 1) / 2) + L.barGap;
      // Top of the bar is the high end, as on a plot's y axis.
      for (let i = 0; i < cellH; i++) {
        const t = cellH === 1 ? 1 : 1 - i / (cellH - 1);
        fillRect(buf, bx, cy + i, L.barWidth, 1, row.kind === 'heat' ? heat(t) : diverging(2 * t - 1));
      }
      outline(buf, bx, cy, L.barWidth, cellH, pal.frame);
      const tx = bx + L.barWidth + L.barTextGap;
      const [top, mid, bottom] = labels;
      drawText(buf, tx, cy, top, pal.text, ts);
      // Short cells (tiny images at zoom 1) have room for the top number only.
      if (mid && cellH >= 3 * lineH + 8) drawText(buf, tx, cy + Math.floor((cellH - lineH) / 2), mid, pal.dim, ts);
      if (cellH >= 2 * lineH + 4) drawText(buf, tx, cy + cellH - lineH, bottom, pal.text, ts);
    }
    y += rh + L.gap;
  });
  if (rows.length > 0) y -= L.gap;

  if (footer.length > 0) {
    y += 20;
    for (const line of footer) {
      const [head = '', ...fields] = line.split('\t');
      if (fields.length === 0) drawText(buf, L.margin, y, head, pal.dim, ts);
      else {
        drawText(buf, L.margin, y, fitText(head, colX(0) - L.margin - 8, ts), pal.dim, ts);
        fields.slice(0, ncols).forEach((f, c) => {
          const t = fitText(f, colW, ts);
          drawText(buf, colX(c) + Math.floor((cellW - measureText(t, ts).width) / 2), y, t, pal.text, ts);
        });
      }
      y += lineH + 8;
    }
  }
  return { width, height, rgba, cells };
}
