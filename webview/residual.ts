/**
 * Contrast and brightness of R(x): they change only its colours (v · gain · contrast + brightness),
 * in the grid and the enlarged sample alike; persisted with the panel.
 */
import { formatNumber } from '../src/common/pixels';
import { h } from './dom';
import { contrastOf, contrastStep } from './scales';
import { persist, ui } from './state';

export class ResidualControls {
  private readonly inputs: Array<{ contrast: HTMLInputElement; brightness: HTMLInputElement; value: HTMLElement }> = [];

  constructor(private readonly changed: () => void) {}

  /** One set of sliders (ids prefixed by `where`, e.g. "deco" or "detail"); all sets stay in sync. */
  element(where: string): HTMLElement {
    const contrast = h('input', { id: `${where}-r-contrast`, type: 'range', min: -3, max: 3, step: 0.25, 'aria-label': 'R(x) contrast (×2 per step)', title: 'R(x) contrast: multiplies its gain (×1/8 … ×8)' });
    const brightness = h('input', { id: `${where}-r-brightness`, type: 'range', min: -1, max: 1, step: 0.05, 'aria-label': 'R(x) brightness', title: 'R(x) brightness: shifts its colours towards red (+) or blue (−)' });
    const value = h('span', { class: 'dim r-display' });
    const reset = h('vscode-button', { id: `${where}-r-reset`, secondary: true, title: 'Contrast ×1, brightness 0' }, 'Reset');
    const set = { contrast, brightness, value };
    this.inputs.push(set);
    const apply = () => {
      ui.residual = { contrast: contrastOf(Number(contrast.value)), brightness: Number(brightness.value) };
      persist();
      this.sync();
      this.changed();
    };
    contrast.addEventListener('input', apply);
    brightness.addEventListener('input', apply);
    reset.addEventListener('click', () => {
      contrast.value = '0';
      brightness.value = '0';
      apply();
    });
    this.sync();
    return h('div', { class: 'residual-controls', role: 'group', 'aria-label': 'R(x) display' }, h('span', { class: 'row-label' }, 'R(x)'), h('label', { for: contrast.id }, 'contrast'), contrast, h('label', { for: brightness.id }, 'brightness'), brightness, value, reset);
  }

  private sync(): void {
    const { contrast, brightness } = ui.residual;
    for (const s of this.inputs) {
      s.contrast.value = String(contrastStep(contrast));
      s.brightness.value = String(brightness);
      s.value.textContent = `×${formatNumber(contrast)}, ${brightness > 0 ? '+' : ''}${formatNumber(brightness)}`;
    }
  }
}
