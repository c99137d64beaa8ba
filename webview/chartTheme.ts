/**
 * The charts' colours from the VS Code theme (its CSS variables), and a signal when the theme
 * changes: VS Code swaps the webview body's class (vscode-light / vscode-dark /
 * vscode-high-contrast) and its variables; canvases cannot use var(), so charts redraw then.
 */

export interface ChartTheme {
  foreground: string;
  grid: string;
  font: string;
  /** The body's theme class ('vscode-dark', …). */
  kind: string;
}

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

/** `var(--name, fallback)` → the theme's value now; any other colour as it is. */
export function resolveColour(c: string): string {
  const m = /^var\(\s*(--[\w-]+)\s*(?:,\s*(.+))?\)$/.exec(c.trim());
  return m ? cssVar(m[1]!, m[2]?.trim() ?? '#888') : c;
}

export function chartTheme(): ChartTheme {
  const family = cssVar('--vscode-font-family', 'sans-serif');
  const kind = ['vscode-high-contrast-light', 'vscode-high-contrast', 'vscode-light', 'vscode-dark'].find((k) => document.body.classList.contains(k)) ?? 'vscode-dark';
  return {
    foreground: cssVar('--vscode-foreground', '#cccccc'),
    grid: kind.startsWith('vscode-high-contrast') ? cssVar('--vscode-contrastBorder', '#6fc3df') : cssVar('--vscode-editorWidget-border', '#454545'),
    font: `11px ${family}`,
    kind,
  };
}

/** The charts' series palette: the theme's chart colours first, then further distinct ones. */
export const PALETTE = [
  'var(--vscode-charts-blue, #3794ff)',
  'var(--vscode-charts-orange, #d18616)',
  'var(--vscode-charts-green, #89d185)',
  'var(--vscode-charts-red, #f14c4c)',
  'var(--vscode-charts-purple, #b180d7)',
  'var(--vscode-charts-yellow, #cca700)',
  '#76b7b2',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];

const listeners = new Set<() => void>();
let observer: MutationObserver | undefined;
let lastKind = '';

/** Calls `cb` after every theme change; returns the unsubscribe. */
export function onThemeChange(cb: () => void): () => void {
  listeners.add(cb);
  if (!observer) {
    lastKind = document.body.className;
    observer = new MutationObserver(() => {
      if (document.body.className === lastKind) return;
      lastKind = document.body.className;
      for (const l of [...listeners]) l();
    });
    observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }
  return () => listeners.delete(cb);
}
