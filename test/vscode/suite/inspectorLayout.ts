/// <reference types="mocha" />
/**
 * The decomposition's layout, measured in the real editor: for every sample, its header's and each
 * of its images' boxes (getBoundingClientRect) at zoom 1 and 4, in a wide and a narrow panel. The
 * header must sit over its own images (same column left and right within 1 px, centres within 1 px),
 * rows must line up across samples, and the colour scales' labels must fit. Measurements go to
 * test-output/inspector-layout.json, screenshots beside them.
 */
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatNumber, heatScale } from '../../../src/common/pixels';
import { pixelValues } from '../../../src/protocol/webview';
import type { InspectorPanel } from '../../../src/extension/inspectorPanel';
import { DRIVER, inFrame, outputDir, screenshot, setZoom, until } from './frame';

declare const document: any;
declare const KeyboardEvent: any;

interface Measured {
  panelWidth: number;
  zoom: number;
  samples: number;
  headers: string[];
  /** Largest |header.left − cell.left|, |header.right − cell.right| over samples and rows. */
  edge: number;
  /** Largest |header centre − image centre|. */
  centre: number;
  /** Largest spread of the image tops within a row, over rows. */
  rowTop: number;
  /** Largest |row label top − its images' top track|. */
  labelTrack: number;
  headerAbove: boolean;
  ordered: boolean;
  scaleLabels: Array<{ text: string; clipped: boolean }>;
}

/** In the frame: the boxes of the decomposition grid. */
function measure(): Measured {
  const grid = document.getElementById('decomposition');
  const cols = Array.from(grid.querySelectorAll('.deco-col.sample')) as any[];
  const r = (el: any) => el.getBoundingClientRect();
  let edge = 0;
  let centre = 0;
  let headerAbove = true;
  let ordered = true;
  let prevRight = -Infinity;
  const tops: Record<string, number[]> = {};
  const trackTops: Record<string, number> = {};
  for (const col of cols) {
    const head = r(col.querySelector('.col-head'));
    if (head.left < prevRight - 0.5) ordered = false;
    prevRight = head.right;
    for (const cell of Array.from(col.querySelectorAll('.cell')) as any[]) {
      const b = r(cell);
      const c = r(cell.querySelector('canvas'));
      edge = Math.max(edge, Math.abs(head.left - b.left), Math.abs(head.right - b.right));
      centre = Math.max(centre, Math.abs((head.left + head.right) / 2 - (c.left + c.right) / 2));
      if (head.bottom > c.top + 0.5) headerAbove = false;
      (tops[cell.dataset.row] ??= []).push(c.top);
      trackTops[cell.dataset.row] = b.top;
    }
  }
  let rowTop = 0;
  for (const t of Object.values(tops)) rowTop = Math.max(rowTop, Math.max(...t) - Math.min(...t));
  let labelTrack = 0;
  for (const l of Array.from(grid.querySelectorAll('.deco-col.labels .row-label')) as any[]) labelTrack = Math.max(labelTrack, Math.abs(r(l).top - (trackTops[l.dataset.row] ?? r(l).top)));
  const scaleCol = grid.querySelector('.deco-col.scales');
  const scaleLabels = (Array.from(grid.querySelectorAll('.legend .bar-labels span, .legend .bar-note')) as any[])
    .filter((el) => el.textContent)
    .map((el) => ({ text: el.textContent, clipped: el.scrollWidth > el.clientWidth + 0.5 || r(el).right > r(scaleCol).right + 0.5 }));
  return {
    panelWidth: document.documentElement.clientWidth,
    zoom: Number(document.getElementById('zoom').value),
    samples: cols.length,
    headers: cols.map((c) => c.querySelector('.col-index')?.textContent ?? ''),
    edge,
    centre,
    rowTop,
    labelTrack,
    headerAbove,
    ordered,
    scaleLabels,
  };
}

/** In the frame: scrolls the grid to its right end (the last samples in a narrow panel). */
function scrollToEnd(): number {
  const s = document.getElementById('deco-scroll');
  s.scrollLeft = s.scrollWidth;
  return s.scrollLeft;
}

const panelWidth = () => inFrame(() => document.documentElement.clientWidth as number);

export function layoutTests(ctx: () => { panel: InspectorPanel; runDir: string }): void {
  test('layout: every sample\'s header sits over its own images, at zoom 1 and 4, in a wide and a narrow panel', async function () {
    if (!DRIVER) return this.skip();
    const { panel, runDir } = ctx();
    const sent = panel.lastInspect!;
    assert.equal(sent.samples.length, 16, '16 samples: the issue saw the drift grow to six columns by the 16th');
    const heatTop = formatNumber(heatScale(pixelValues(sent.images.absDiff)).max);
    const results: Array<Measured & { panel: string }> = [];
    const check = async (name: string) => {
      for (const z of [1, 4]) {
        await inFrame(setZoom, z);
        const m = await until(`zoom ${z} applied`, () => inFrame(measure), (v: Measured) => v.zoom === z);
        results.push({ ...m, panel: name });
        const where = `${name} panel (${m.panelWidth} px), zoom ${z}`;
        assert.equal(m.samples, 16, where);
        assert.deepEqual(m.headers, sent.samples.map((s) => `#${s.index}`), `${where}: column i is headed by sample i`);
        assert.ok(m.edge <= 1, `${where}: header and images share the column's left and right (largest offset ${m.edge} px)`);
        assert.ok(m.centre <= 1, `${where}: header centred over its images (largest offset ${m.centre} px)`);
        assert.ok(m.headerAbove, `${where}: every header is above its images`);
        assert.ok(m.ordered, `${where}: columns do not overlap`);
        assert.ok(m.rowTop <= 1, `${where}: each row's images share one top (spread ${m.rowTop} px)`);
        assert.ok(m.labelTrack <= 1, `${where}: row labels sit on their rows (offset ${m.labelTrack} px)`);
        assert.ok(m.scaleLabels.length >= 5 && m.scaleLabels.every((l) => !l.clipped), `${where}: scale labels fit: ${JSON.stringify(m.scaleLabels)}`);
        assert.ok(m.scaleLabels.some((l) => l.text === heatTop), `${where}: the heat scale's top reads ${heatTop} in full`);
        // The grid into view (a narrow panel stacks the controls above it).
        await inFrame(() => document.getElementById('deco-scroll').scrollIntoView({ block: 'start' }));
        await screenshot(`inspector-layout-${name}-zoom${z}`);
        if (name === 'narrow') {
          await inFrame(scrollToEnd);
          await screenshot(`inspector-layout-${name}-zoom${z}-end`);
          await inFrame(() => (document.getElementById('deco-scroll').scrollLeft = 0));
        }
      }
    };
    // Wide: the editor area without the side bars.
    await vscode.commands.executeCommand('workbench.action.closeSidebar');
    await vscode.commands.executeCommand('workbench.action.closeAuxiliaryBar');
    await until('a wide panel', panelWidth, (w: number) => w > 1000, 20_000);
    await check('wide');
    // Narrow: the panel in a second editor group beside the run's config.
    await vscode.window.showTextDocument(vscode.Uri.file(path.join(runDir, 'config.json')), { viewColumn: vscode.ViewColumn.One, preview: false });
    panel.panel.reveal(vscode.ViewColumn.Two, false);
    await until('the panel in the second group', async () => panel.panel.viewColumn, (c) => c === vscode.ViewColumn.Two, 20_000);
    await vscode.commands.executeCommand('vscode.setEditorLayout', { orientation: 0, groups: [{ size: 0.72 }, { size: 0.28 }] });
    await until('a narrow panel', panelWidth, (w: number) => w < 500, 20_000);
    await check('narrow');
    writeFileSync(path.join(outputDir(), 'inspector-layout.json'), JSON.stringify(results, null, 2) + '\n');
    const worst = (k: 'edge' | 'centre') => Math.max(...results.map((r) => r[k]));
    console.log(`      (header vs images, 16 samples: ${results.map((r) => `${r.panel} ${r.panelWidth} px zoom ${r.zoom}: edge ${r.edge.toFixed(2)} px, centre ${r.centre.toFixed(2)} px`).join('; ')}; worst ${worst('edge').toFixed(2)} / ${worst('centre').toFixed(2)} px)`);
    // Back to one group and the fitted zoom, for the tests that follow.
    await vscode.commands.executeCommand('workbench.action.joinAllGroups');
    for (const tab of vscode.window.tabGroups.all.flatMap((g) => g.tabs)) if (tab.input instanceof vscode.TabInputText) await vscode.window.tabGroups.close(tab);
    panel.panel.reveal(undefined, false);
    await inFrame(() => document.scrollingElement.scrollTo(0, 0));
    await inFrame(() => document.getElementById('decomposition').dispatchEvent(new KeyboardEvent('keydown', { key: '0', bubbles: true })));
  });
}
