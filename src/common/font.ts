/**
 * A tiny embedded 5x8 bitmap font (5x7 body plus one descender row) and a text renderer over a
 * plain RGBA buffer, so contact sheets need no canvas or system fonts and render the same in Node
 * and in a webview.
 */

/** A packed RGBA8 raster, row-major, 4 bytes per pixel. */
export interface RGBA {
  readonly width: number;
  readonly height: number;
  readonly rgba: Uint8Array;
}

export type RGB = readonly [number, number, number];

/** Glyph box in font pixels (before scaling). */
export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 8;
/** Advance per character and per line, in font pixels: one pixel of spacing each way. */
export const CHAR_ADVANCE = GLYPH_WIDTH + 1;
export const LINE_ADVANCE = GLYPH_HEIGHT + 2;

/**
 * ASCII 32..126, 5 column bytes per glyph as 10 hex digits; bit 0 is the top row, bit 6 the
 * baseline row, bit 7 the descender row (used by g j p q y , ; _ and | so it stands taller than l). Column-major because that is
 * how 5x7 LCD fonts are usually drawn and checked by eye.
 */
const ASCII_GLYPHS = (
  // space ! " # $ % & ' ( ) * + , - . /
  '0000000000' + '00005f0000' + '0007000700' + '147f147f14' + '242a7f2a12' + '2313086462' + '3649552250' + '0005030000' +
  '001c224100' + '0041221c00' + '082a1c2a08' + '08083e0808' + '00e0600000' + '0808080808' + '0060600000' + '2010080402' +
  // 0 1 2 3 4 5 6 7 8 9 : ; < = > ?
  '3e5149453e' + '00427f4000' + '4261514946' + '2141454b31' + '1814127f10' + '2745454539' + '3c4a494930' + '0171090503' +
  '3649494936' + '064949291e' + '0036360000' + '00b6760000' + '0008142241' + '1414141414' + '4122140800' + '0201510906' +
  // @ A B C D E F G H I J K L M N O
  '324979413e' + '7e1111117e' + '7f49494936' + '3e41414122' + '7f4141221c' + '7f49494941' + '7f09090101' + '3e41415132' +
  '7f0808087f' + '00417f4100' + '2040413f01' + '7f08142241' + '7f40404040' + '7f0204027f' + '7f0408107f' + '3e4141413e' +
  // P Q R S T U V W X Y Z [ \ ] ^ _
  '7f09090906' + '3e4151215e' + '7f09192946' + '4649494931' + '01017f0101' + '3f4040403f' + '1f2040201f' + '7f2018207f' +
  '6314081463' + '0304780403' + '6151494543' + '00007f4141' + '0204081020' + '41417f0000' + '0402010204' + '8080808080' +
  // ` a b c d e f g h i j k l m n o
  '0001020400' + '2054545478' + '7f48444438' + '3844444420' + '384444487f' + '3854545418' + '087e090102' + '18a4a4a47c' +
  '7f08040478' + '00447d4000' + '408080847d' + '007f102844' + '00417f4000' + '7c04180478' + '7c08040478' + '3844444438' +
  // p q r s t u v w x y z { | } ~
  'fc24242418' + '18242424fc' + '7c08040408' + '4854545420' + '043f444020' + '3c4040207c' + '1c2040201c' + '3c4030403c' +
  '4428102844' + '1ca0a0a07c' + '4464544c44' + '0008364100' + '0000ff0000' + '0041360800' + '0804081008'
);

/** A few non-ASCII symbols that inspection labels use (×, −, ε, Δ, ‖·‖∞ ...). */
const EXTRA_GLYPHS: ReadonlyMap<string, string> = new Map([
  ['×', '2214081422'],
  ['−', '0808080808'],
  ['·', '0000080000'],
  ['±', '48487e4848'],
  ['→', '08082a1c08'],
  ['≈', '2412244824'],
  ['∞', '1824182418'],
  ['…', '4000400040'],
  ['°', '0006090906'],
  ['‖', '00ff00ff00'],
  ['Δ', '704c434c70'],
  ['β', 'fe41453a00'],
  ['δ', '3a45453900'],
  ['ε', '2854544400'],
  ['λ', '6116081060'],
  ['μ', 'fc4040207c'],
  ['σ', '3844444c34'],
]);

/** Drawn for anything without a glyph, so missing characters are visible rather than silent. */
const MISSING_GLYPH = '7f4141417f';

function parseGlyph(hex: string): Uint8Array {
  const cols = new Uint8Array(GLYPH_WIDTH);
  for (let i = 0; i < GLYPH_WIDTH; i++) cols[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return cols;
}

const glyphCache = new Map<string, Uint8Array>();

/** Column bytes for a character, or undefined when the font has no glyph for it. */
export function glyphFor(ch: string): Uint8Array | undefined {
  const cached = glyphCache.get(ch);
  if (cached) return cached;
  const code = ch.codePointAt(0) ?? 0;
  let hex: string | undefined;
  if (ch.length === 1 && code >= 32 && code <= 126) hex = ASCII_GLYPHS.slice((code - 32) * 10, (code - 31) * 10);
  else hex = EXTRA_GLYPHS.get(ch);
  if (hex === undefined) return undefined;
  const cols = parseGlyph(hex);
  glyphCache.set(ch, cols);
  return cols;
}

/** Size in device pixels of `text` drawn at `scale`; lines split on '\n'. */
export function measureText(text: string, scale = 1): { width: number; height: number } {
  const lines = text.split('\n');
  let maxChars = 0;
  for (const line of lines) maxChars = Math.max(maxChars, Array.from(line).length);
  // No trailing spacing: the box hugs the ink so centring and right-alignment are exact.
  const width = maxChars === 0 ? 0 : (maxChars * CHAR_ADVANCE - 1) * scale;
  const height = ((lines.length - 1) * LINE_ADVANCE + GLYPH_HEIGHT) * scale;
  return { width, height };
}

/** Fill an axis-aligned rectangle, clipped to the buffer. */
export function fillRect(buf: RGBA, x: number, y: number, w: number, h: number, color: RGB): void {
  const x0 = Math.max(0, Math.floor(x));
  const y0 = Math.max(0, Math.floor(y));
  const x1 = Math.min(buf.width, Math.floor(x + w));
  const y1 = Math.min(buf.height, Math.floor(y + h));
  for (let yy = y0; yy < y1; yy++) {
    let o = (yy * buf.width + x0) * 4;
    for (let xx = x0; xx < x1; xx++, o += 4) {
      buf.rgba[o] = color[0];
      buf.rgba[o + 1] = color[1];
      buf.rgba[o + 2] = color[2];
      buf.rgba[o + 3] = 255;
    }
  }
}

/**
 * Draw `text` with its top-left at (x, y), each font pixel a scale x scale block; clipped to the
 * buffer. Returns the drawn width (as measureText).
 */
export function drawText(buf: RGBA, x: number, y: number, text: string, color: RGB, scale = 1): number {
  const s = Math.max(1, Math.floor(scale));
  const lines = text.split('\n');
  for (let li = 0; li < lines.length; li++) {
    const top = y + li * LINE_ADVANCE * s;
    let left = x;
    for (const ch of lines[li] ?? '') {
      const cols = glyphFor(ch) ?? parseGlyph(MISSING_GLYPH);
      for (let cx = 0; cx < GLYPH_WIDTH; cx++) {
        const bits = cols[cx] ?? 0;
        if (bits === 0) continue;
        for (let cy = 0; cy < GLYPH_HEIGHT; cy++) {
          if (bits & (1 << cy)) fillRect(buf, left + cx * s, top + cy * s, s, s, color);
        }
      }
      left += CHAR_ADVANCE * s;
    }
  }
  return measureText(text, s).width;
}
