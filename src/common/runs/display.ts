/**
 * How a run, its position and its numbers are written for people: one formatter for the Runs tree,
 * the status bar, notifications and the panel, so they all say the same epoch and step. tfjs-free
 * and free of `vscode` (the webview may import it too).
 *
 * Epochs are always counted as **completed** epochs of the phase, as the checkpoint manifest and
 * state.json record them ("SSL 1/2 epochs" = one of two SSL epochs done); the step is the global
 * optimizer step. The worker's progress reports the 1-based epoch in progress instead, and
 * `positionFromProgress` converts it.
 */
import type { RunStatus } from './state';
import type { ManifestEntry } from './manifest';

export interface RunPosition {
  phase?: string;
  /** Completed epochs of `phase`. */
  epochsDone?: number;
  /** Epochs of `phase` in the run's config, when known. */
  epochs?: number;
  /** Global optimizer step. */
  step?: number;
}

/** What state.json says (the trainer writes it at every state change, epoch and checkpoint). */
export function positionFromStatus(s: Pick<RunStatus, 'phase' | 'epoch' | 'epochs' | 'step'>): RunPosition {
  return { ...(s.phase ? { phase: s.phase } : {}), ...(s.epoch !== undefined ? { epochsDone: s.epoch } : {}), ...(s.epochs !== undefined ? { epochs: s.epochs } : {}), ...(s.step !== undefined ? { step: s.step } : {}) };
}

/** The worker's progress report: `epoch` is the 1-based epoch in progress, `batch` the batches done in it. */
export function positionFromProgress(p: { phase: string; epoch: number; epochs: number; batch: number; stepsInEpoch: number; step: number }): RunPosition {
  const epochsDone = p.batch >= p.stepsInEpoch ? p.epoch : p.epoch - 1;
  return { phase: p.phase, epochsDone: Math.max(0, epochsDone), epochs: p.epochs, step: p.step };
}

export function positionFromCheckpoint(e: Pick<ManifestEntry, 'phase' | 'epoch' | 'step'>, epochs?: number): RunPosition {
  return { phase: e.phase, epochsDone: e.epoch, ...(epochs !== undefined ? { epochs } : {}), step: e.step };
}

export function phaseLabel(phase: string | undefined): string {
  if (phase === 'vae') return 'VAE';
  if (phase === 'ssl') return 'SSL';
  return phase ?? '';
}

/** "SSL 1/2 epochs · step 37", "VAE 6 epochs · step 192", "step 12". */
export function formatPosition(p: RunPosition): string {
  const parts: string[] = [];
  if (p.phase && p.epochsDone !== undefined) {
    const count = p.epochs !== undefined ? `${p.epochsDone}/${p.epochs}` : `${p.epochsDone}`;
    const plural = (p.epochs ?? p.epochsDone) === 1 ? 'epoch' : 'epochs';
    parts.push(`${phaseLabel(p.phase)} ${count} ${plural}`);
  } else if (p.phase) {
    parts.push(phaseLabel(p.phase));
  }
  if (p.step !== undefined) parts.push(`step ${p.step}`);
  return parts.join(' · ');
}

/** An accuracy in [0, 1] as "65.5%". */
export function formatPercent(x: number | undefined, digits = 1): string {
  return x === undefined || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(digits)}%`;
}

/** A duration: "42s", "9m34s", "2h05m", "3d04h". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, seconds);
  if (s < 59.5) return `${Math.round(s)}s`;
  if (s < 3600) {
    const m = Math.floor(s / 60);
    const r = Math.round(s - m * 60);
    return r === 60 ? `${m + 1}m00s` : `${m}m${String(r).padStart(2, '0')}s`;
  }
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, '0')}h`;
}

export function formatImagesPerSec(v: number): string {
  return `${v >= 100 ? Math.round(v) : v >= 10 ? v.toFixed(0) : v.toFixed(1)} img/s`;
}

/** A run config as written (partial: the preset fills the rest), for its label. */
export interface LabelConfig {
  name?: unknown;
  preset?: unknown;
  data?: { dataset?: unknown };
  ssl?: { method?: unknown };
  idaa?: { enabled?: unknown };
}

/**
 * The dataset, method and IDAA switch each preset fills in when a config leaves them out. Mirrors
 * src/engine/config/presets.ts (test/engine/runsDisplay.test.ts checks that they agree).
 */
export const PRESET_LABEL_DEFAULTS: Record<string, { dataset: string; method: string; idaa: boolean }> = {
  reference: { dataset: 'cifar10', method: 'simclr', idaa: true },
  small: { dataset: 'fashion-mnist', method: 'simclr', idaa: true },
  tiny: { dataset: 'fashion-mnist', method: 'simclr', idaa: true },
};

const METHOD_NAMES: Record<string, string> = { simclr: 'SimCLR', simsiam: 'SimSiam', byol: 'BYOL', mocov2: 'MoCo v2' };

/** The parts of a run's label: dataset, method and whether IDAA is on. */
export function runTraits(config: LabelConfig | undefined): { dataset: string; method: string; idaa: boolean; preset: string } {
  const preset = typeof config?.preset === 'string' ? config.preset : 'small';
  const d = PRESET_LABEL_DEFAULTS[preset] ?? PRESET_LABEL_DEFAULTS.small!;
  const dataset = typeof config?.data?.dataset === 'string' ? config.data.dataset : d.dataset;
  const method = typeof config?.ssl?.method === 'string' ? config.ssl.method : d.method;
  const idaa = typeof config?.idaa?.enabled === 'boolean' ? config.idaa.enabled : d.idaa;
  return { dataset, method, idaa, preset };
}

export function methodLabel(method: string): string {
  return METHOD_NAMES[method] ?? method;
}

/** A run's name for people: its config's `name`, else "fashion-mnist · SimCLR · IDAA on". */
export function runLabel(config: LabelConfig | undefined, id: string): string {
  if (typeof config?.name === 'string' && config.name.trim()) return config.name.trim();
  if (!config) return id;
  const t = runTraits(config);
  return `${t.dataset} · ${methodLabel(t.method)} · IDAA ${t.idaa ? 'on' : 'off'}`;
}

/** When a run was created, from its id (`2026-11-28_05-12-03-…`, UTC, as newRunId writes it). */
export function runCreatedAt(id: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})_(\d{2})-(\d{2})-(\d{2})/.exec(id);
  if (!m) return undefined;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A moment, short and in local time: "14:03" today, "Nov 28 14:03" this year, "2025-11-28" before. */
export function formatWhen(d: Date, now = new Date()): string {
  const hm = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  if (d.getFullYear() === now.getFullYear() && d.getMonth() === now.getMonth() && d.getDate() === now.getDate()) return hm;
  if (d.getFullYear() === now.getFullYear()) return `${MONTHS[d.getMonth()]} ${d.getDate()} ${hm}`;
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}
