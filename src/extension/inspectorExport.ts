/**
 * The inspector's *Save PNG…*: the current decomposition as a contact sheet, rendered by the shared
 * sheet renderer (src/common/sheet.ts) with the colouring the webview uses (src/common/pixels.ts),
 * saved where a dialog in the run's folder says (or to a given file: the suite's seam).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { encodePng } from '../common/png';
import { residualGain, formatGain, formatNumber } from '../common/pixels';
import { renderSheet, type Sheet, type SheetImage, type SheetRow } from '../common/sheet';
import { pixelValues, type AnyRow, type InspectResultMessage } from '../protocol/webview';
import { saveFile } from './saveFile';

/** The inspection's rows (x, G(x), R(x) amplified, x_adv, |x_adv − x|, the views) and numbers as a sheet. */
export function inspectionSheet(m: InspectResultMessage): Sheet {
  const [n, h, w, c] = m.images.x.shape;
  const per = h * w * c;
  const gain = residualGain(pixelValues(m.images.r));
  const row = (key: AnyRow, scale = 1): SheetImage[] => {
    const raw = pixelValues(m.images[key]!);
    // Image rows come as displayed bytes (encodeImagePixels): k / 255 renders as k again.
    const v = raw instanceof Uint8Array ? Float32Array.from(raw, (b) => b / 255) : raw;
    return Array.from({ length: n }, (_, i) => {
      const data = v.slice(i * per, (i + 1) * per);
      if (scale !== 1) for (let k = 0; k < data.length; k++) data[k] = (data[k] as number) * scale;
      return { data, height: h, width: w, channels: c as 1 | 3 };
    });
  };
  const rows: SheetRow[] = [
    { label: 'x', kind: 'image', images: row('x') },
    { label: 'G(x)', kind: 'image', images: row('g') },
    { label: 'R(x)', kind: 'signed', scale: formatGain(gain).replace('×', 'x'), images: row('r', gain) },
    { label: 'x_adv', kind: 'image', images: row('xAdv') },
    { label: '|x_adv-x|', kind: 'heat', images: row('absDiff') },
    ...(m.images.viewI && m.images.viewJ
      ? ([
          { label: 'view i', kind: 'image', images: row('viewI') },
          { label: 'view j', kind: 'image', images: row('viewJ') },
        ] as SheetRow[])
      : []),
  ];
  const kept = m.samples.filter((s) => s.identityKept).length;
  const untrained = m.run.optimizerSteps.ssl === 0;
  const footer = [
    `eps ${m.eps}, ${m.steps} step(s), seed ${m.seed}; attack loss ${formatNumber(m.lossBefore)} -> ${formatNumber(m.lossAfter)}; identity kept ${kept}/${n}`,
    ...(untrained ? ['VAE-phase checkpoint: the encoder is untrained, so cos, rank and loss mean nothing'] : []),
    `recon\t${m.samples.map((s) => formatNumber(s.reconError)).join('\t')}`,
    `|dz|inf\t${m.samples.map((s) => formatNumber(s.latentLinf)).join('\t')}`,
    `cos\t${m.samples.map((s) => formatNumber(s.cosine)).join('\t')}`,
    `rank\t${m.samples.map((s) => String(s.rank)).join('\t')}`,
    `loss\t${m.samples.map((s) => formatNumber(s.lossTerm)).join('\t')}`,
  ];
  return renderSheet(rows, {
    title: `${path.basename(m.runDir)} / ${path.basename(m.checkpoint)}`,
    columns: m.samples.map((s) => ({ title: `#${s.index}`, caption: s.className })),
    footer,
  });
}

/** Writes the inspection's sheet; returns the file, or undefined when the dialog was cancelled. */
export function savePngSheet(m: InspectResultMessage, file?: string): Promise<string | undefined> {
  return saveFile(() => encodePng(inspectionSheet(m)), {
    defaultUri: vscode.Uri.file(path.join(m.runDir, `inspect-${path.basename(m.checkpoint, '.ckpt')}-eps${m.eps}-steps${m.steps}.png`)),
    filters: { PNG: ['png'] },
    title: 'Save the inspection sheet',
  }, file);
}
