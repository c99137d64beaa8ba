/**
 * Every message between the extension host and the runs comparison page (*IDAA: Compare Runs*,
 * *IDAA: Compare Experiment Runs*), declared once; runsCompareChecks.ts checks them on receipt,
 * both sides. The page shows the runs' curves overlaid and a table of their numbers.
 *
 * No `vscode`, no Node APIs: the host (src/extension/runsComparePanel.ts) and the page
 * (webview/runs/main.ts) import it.
 */
import type { ExportCsvMessage, MetricEpoch, MetricStep } from './webview';
export type { ExportCsvMessage, MetricEpoch, MetricStep };

/** The panel's view type. */
export const RUNS_COMPARE_VIEW_TYPE = 'idaa.runsCompare';

export interface ComparedRun {
  runDir: string;
  id: string;
  /** Its name for people, unique within the comparison (the run id added when two read the same). */
  label: string;
  state: string;
  /** "SSL 2/2 epochs · step 64" (src/common/runs/display.ts). */
  position: string;
  knnFinal?: number;
  knnBest?: number;
  /** The final linear probe's test accuracy (linear-probe.json, or an experiment cell's result.json). */
  probe?: number;
  probeEpochs?: number;
  /** Its test accuracy after each probe epoch, when stored. */
  probeCurve?: number[];
  /** Median images/s of the SSL steps. */
  imagesPerSec?: number;
  /** Seconds spent in training epochs (summed over resumes). */
  seconds?: number;
  /** The config fields that differ between the runs: field → its value as written (JSON), or "(preset)". */
  config: Record<string, string>;
  /** Its curves (as the inspector's Training view gets them, fewer points). */
  steps: MetricStep[];
  epochs: MetricEpoch[];
}

// Host → page

export interface RunsMessage {
  type: 'runs';
  title: string;
  /** The experiment folder, when the runs are an experiment's grid. */
  experiment?: string;
  runs: ComparedRun[];
  /** The config fields that differ (dotted paths, sorted): the table's columns. */
  differing: string[];
}

export interface RunsExportedMessage {
  type: 'exported';
  detail: string;
}

export type RunsHostMessage = RunsMessage | RunsExportedMessage;

// Page → host

export interface RunsReadyMessage {
  type: 'ready';
}

export interface RunsLogMessage {
  type: 'log';
  level: 'info' | 'warn' | 'error';
  message: string;
}

export type RunsPageMessage = RunsReadyMessage | ExportCsvMessage | RunsLogMessage;

// What the page keeps with setState (the serializer hands it back after a reload)

/** Which runs the panel showed: after a reload the host reads them again from disk. */
export interface RunsShown {
  runDirs: string[];
  title: string;
  experiment?: string;
}

export interface RunsPanelState {
  /** The chart toolbar's settings. */
  charts?: unknown;
  shown?: RunsShown;
}
