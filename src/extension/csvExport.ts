/**
 * Saving a chart's CSV (the webview's CSV button: `exportCsv`, src/protocol/webview.ts): a save
 * dialog in `folder`, unless a file is given (the suite's seam, as exportPng(file) has), then the
 * text as sent. Shared by the inspector and the runs comparison.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExportCsvMessage } from '../protocol/webview';
import { saveFile } from './saveFile';

/** Writes the CSV; returns the file, or undefined when the dialog was cancelled. */
export function saveCsv(m: Pick<ExportCsvMessage, 'name' | 'csv'>, folder: string | undefined, file?: string): Promise<string | undefined> {
  const base = folder ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return saveFile(() => new TextEncoder().encode(m.csv), {
    ...(base ? { defaultUri: vscode.Uri.file(path.join(base, path.basename(m.name))) } : {}),
    filters: { CSV: ['csv'] },
    title: 'Save what the chart shows as CSV',
  }, file);
}
