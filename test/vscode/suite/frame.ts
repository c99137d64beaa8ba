/**
 * Reaching into the inspector's webview frame through the runner's test driver (IDAA_TEST_DRIVER,
 * see test/vscode/runCodeServer.mjs): evaluate a function in the frame, press keys, take screenshots
 * into test-output/. Functions sent to the frame must be self-contained (they travel as source).
 */
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';

export const DRIVER = process.env.IDAA_TEST_DRIVER;
const ROOT_SELECTOR = '#idaa-root';

// Functions below run inside the webview's frame: browser globals, untyped here so the project's
// Node typecheck does not take in the DOM library.
declare const document: any;
declare const window: any;

export async function drive<T>(route: string, body: Record<string, unknown>): Promise<T> {
  const r = await fetch(`${DRIVER}${route}`, { method: 'POST', body: JSON.stringify(body) });
  const j = (await r.json()) as { ok: boolean; value?: T; error?: string };
  if (!j.ok) throw new Error(`driver ${route}: ${j.error}`);
  return j.value as T;
}

/** Runs `fn` in the inspector's frame. */
export function inFrame<T>(fn: (arg: any) => T | Promise<T>, arg: unknown = null): Promise<T> {
  return drive<T>('/frame/eval', { selector: ROOT_SELECTOR, fn: fn.toString(), arg });
}

export async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  let last: T | undefined;
  let err: unknown;
  while (Date.now() < end) {
    try {
      last = await probe();
      if (ok(last)) return last;
    } catch (e) {
      err = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}: last ${JSON.stringify(last)} ${err ? String(err) : ''}`);
}

export const screenshot = (name: string) => drive<string>('/screenshot', { name });

/** The repository's test-output/ folder (screenshots land there too). */
export function outputDir(): string {
  const dir = path.join(__dirname, '..', '..', '..', '..', 'test-output');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** In the frame: what is on screen (the webview's read-only test hook). */
export function snapshot(): any {
  return window.__idaaInspector.snapshot();
}

/** In the frame: every painted image canvas of a view, read back (checksum and colouring). */
export function canvases(view: string | null): any[] {
  return window.__idaaInspector.canvases(view ?? undefined);
}

/** In the frame: moves the ε slider to `v` as a drag does (an input event). */
export function dragEps(v: number): void {
  const el = document.getElementById('eps');
  el.value = String(v);
  el.dispatchEvent(new window.Event('input', { bubbles: true }));
}

/** In the frame: sets the zoom slider (an input event). */
export function setZoom(z: number): void {
  const el = document.getElementById('zoom');
  el.value = String(z);
  el.dispatchEvent(new window.Event('input', { bubbles: true }));
}

/** In the frame: sets a range input by id and fires 'input'. */
export function setRange(a: { id: string; value: number }): void {
  const el = document.getElementById(a.id);
  el.value = String(a.value);
  el.dispatchEvent(new window.Event('input', { bubbles: true }));
}

/** In the frame: picks a checkpoint in the picker. */
export function pickCheckpoint(p: string): void {
  const s = document.getElementById('checkpoint');
  s.value = p;
  s.dispatchEvent(new window.Event('change', { bubbles: true }));
}
