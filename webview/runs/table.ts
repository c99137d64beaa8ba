/** The runs comparison's table: one row per run, its numbers and the config fields that differ. */
import { formatDuration, formatImagesPerSec, formatPercent } from '../../src/common/runs/display';
import type { RunsMessage } from '../../src/protocol/runsCompare';
import { resolveColour } from '../chartTheme';
import { h } from '../dom';

export function runsTable(m: RunsMessage, colourOf: (i: number) => string): HTMLTableElement {
  const fixed = ['run', 'state', 'position', 'kNN (final)', 'kNN (best)', 'linear probe', 'SSL images/s', 'training time'];
  const head = h('tr', {}, ...fixed.map((t) => h('th', { scope: 'col' }, t)), ...m.differing.map((f) => h('th', { scope: 'col', 'data-field': f, title: 'config field that differs (as written in config.json; "(preset)": left to the preset)' }, h('code', {}, f))));
  const body = h('tbody');
  m.runs.forEach((r, i) => {
    const swatch = h('span', { class: 'swatch', 'aria-hidden': 'true' });
    swatch.style.background = resolveColour(colourOf(i)); // CSSOM, allowed by the page's CSP
    body.append(
      h(
        'tr',
        { 'data-run': r.id },
        h('th', { scope: 'row', title: r.runDir }, swatch, ` ${r.label}`),
        h('td', { 'data-col': 'state' }, r.state),
        h('td', {}, r.position || '–'),
        h('td', { 'data-col': 'knnFinal' }, formatPercent(r.knnFinal)),
        h('td', { 'data-col': 'knnBest' }, formatPercent(r.knnBest)),
        h('td', { 'data-col': 'probe' }, r.probe !== undefined ? `${formatPercent(r.probe)}${r.probeEpochs !== undefined ? ` (${r.probeEpochs} ep.)` : ''}` : '–'),
        h('td', {}, r.imagesPerSec !== undefined ? formatImagesPerSec(r.imagesPerSec) : '–'),
        h('td', {}, r.seconds !== undefined ? formatDuration(r.seconds) : '–'),
        ...m.differing.map((f) => h('td', { 'data-field': f }, r.config[f] ?? '')),
      ),
    );
  });
  return h('table', { class: 'runs-table', id: 'runs-table' }, h('thead', {}, head), body);
}
