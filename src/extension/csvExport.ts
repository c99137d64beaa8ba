/**
 * Saving a chart's CSV (the webview's CSV button: `exportCsv`, src/protocol/webview.ts): a save
 * dialog in `folder`, unless a file is given (the suite's seam, as exportPng(file) has), then the
 * text as sent. Shared by the inspector and the runs comparison.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExportCsvMessage } from '../protocol/webview';

/** Writes the CSV; returns the file, or undefined when the dialog was cancelled. */
export async function saveCsv(m: Pick<ExportCsvMessage, 'name' | 'csv'>, folder: string | undefined, file?: string): Promise<string | undefined> {
  let target = file;
  if (!target) {
    const base = folder ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const uri = await vscode.window.showSaveDialog({
      ...(base ? { defaultUri: vscode.Uri.file(path.join(base, path.basename(m.name))) } : {}),
      filters: { CSV: ['csv'] },
      title: 'Save what the chart shows as CSV',
    });
    if (!uri) return undefined;
    target = uri.fsPath;
  }
  await vscode.workspace.fs.writeFile(vscode.Uri.file(target), new TextEncoder().encode(m.csv));
  return target;
}
