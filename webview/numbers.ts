/**
 * The per-sample numbers under the decomposition. With an untrained encoder (a VAE-phase
 * checkpoint) the attack's numbers are shown greyed and marked as not meaningful.
 */
import { formatNumber } from '../src/common/pixels';
import type { InspectSampleNumbers } from '../src/protocol/webview';
import { h } from './dom';

const NOT_MEANINGFUL = 'not meaningful: the encoder of this checkpoint is untrained';

export function fillNumbers(table: HTMLElement, samples: readonly InspectSampleNumbers[], untrained: boolean, modeCosine: readonly (number | null)[] = []): void {
  table.textContent = '';
  table.classList.toggle('untrained', untrained);
  const col = (text: string, title?: string, attack = false) =>
    h('th', { scope: 'col', ...(title || (attack && untrained) ? { title: attack && untrained ? `${title ? `${title}; ` : ''}${NOT_MEANINGFUL}` : title } : {}), class: attack && untrained ? 'nm' : undefined }, text + (attack && untrained ? ' †' : ''));
  table.append(
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'sample'),
        col('reconstruction error', 'mean squared error of G(x) against x (normalised input units)'),
        col('‖δ‖∞ (latent)', "‖z' − z‖∞ in the latent"),
        col('cos(f(x), f(x_adv))', undefined, true),
        col('rank', 'rank of x among the batch for x_adv: 1 = identity kept', true),
        col('max |x_adv − x|'),
        col('loss term', "this sample's term of the attack loss at x_adv (the batch's terms average to the attack loss)", true),
        col('cos ∇z (modes)', "cosine between this sample's latent gradients in training mode (batch statistics) and inference mode (running statistics): 1 = the modes attack alike", true),
      ),
    ),
  );
  const body = h('tbody');
  const attack = (cls: string, text: string) => h('td', { class: untrained ? `${cls} nm` : cls, ...(untrained ? { title: NOT_MEANINGFUL } : {}) }, text);
  samples.forEach((s, i) => {
    body.append(
      h(
        'tr',
        { class: s.identityKept || untrained ? '' : 'lost', 'data-index': s.index },
        h('th', { scope: 'row' }, `#${s.index} ${s.className}`),
        h('td', { class: 'recon' }, formatNumber(s.reconError, 4)),
        h('td', { class: 'linf' }, formatNumber(s.latentLinf, 4)),
        attack('cos', formatNumber(s.cosine, 4)),
        attack('rank', untrained ? String(s.rank) : `${s.rank} ${s.identityKept ? '(kept)' : '(lost)'}`),
        h('td', { class: 'maxdx' }, formatNumber(s.maxPixelChange, 4)),
        attack('loss', formatNumber(s.lossTerm, 4)),
        attack('modes', formatNumber(modeCosine[i] ?? NaN, 3)),
      ),
    );
  });
  table.append(body);
  if (untrained) table.append(h('tfoot', {}, h('tr', {}, h('td', { colspan: 8, class: 'nm-note dim' }, `† ${NOT_MEANINGFUL} (a VAE-phase checkpoint).`))));
}
