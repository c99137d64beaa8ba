/** DOM helpers for the webview: elements built with the DOM API only (no innerHTML; text goes in as text). */
type Attrs = Record<string, string | number | boolean | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs, ...children: (Node | string | undefined)[]): HTMLElementTagNameMap[K];
export function h(tag: string, attrs?: Attrs, ...children: (Node | string | undefined)[]): HTMLElement;
export function h(tag: string, attrs: Attrs = {}, ...children: (Node | string | undefined)[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'class') el.className = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== undefined) el.append(c);
  return el;
}

export function byId(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el;
}

/** A labelled control: the label above its inputs. */
export function field(label: string, forId: string, ...inputs: HTMLElement[]): HTMLElement {
  return h('div', { class: 'field' }, h('label', { for: forId }, label), ...inputs);
}

export type ViewStateKind = 'empty' | 'loading' | 'error' | 'none';

/** A view's state line: empty / loading / error with an optional action button, or hidden ('none'). */
export function setViewState(el: HTMLElement, kind: ViewStateKind, text = '', action?: { title: string; run: () => void }): void {
  el.textContent = '';
  el.dataset.kind = kind;
  if (kind === 'none') return;
  if (kind === 'loading') el.append(h('vscode-progress-ring', { class: 'ring' }));
  el.append(h('span', {}, text));
  if (action) {
    const b = h('vscode-button', { secondary: true }, action.title);
    b.addEventListener('click', action.run);
    el.append(b);
  }
}

/** Theme colour from a CSS variable (charts draw on canvases, which cannot use var()). */
export function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}
