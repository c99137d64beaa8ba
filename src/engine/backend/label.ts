import type { BackendChoice } from './select';

/**
 * A few words for a status bar or a table column: `webgpu NVIDIA H200`, `wasm 2t`,
 * `tensorflow GPU`, `cpu`. The log line (backendSummary) has the details.
 */
export function backendLabel(c: Pick<BackendChoice, 'name' | 'gpu' | 'threads' | 'adapter'>): string {
  switch (c.name) {
    case 'webgpu': {
      const a = c.adapter;
      const name = a ? a.description || a.device || a.vendor : '';
      return name === '' ? 'webgpu' : `webgpu ${name}`;
    }
    case 'wasm':
      return `wasm ${c.threads}t`;
    case 'tensorflow':
      return c.gpu ? 'tensorflow GPU' : 'tensorflow';
    case 'cpu':
      return 'cpu';
  }
}
