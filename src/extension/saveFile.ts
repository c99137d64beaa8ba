/**
 * Writing an export: to `file` when given (the suite's seam), else where a save dialog says.
 * Shared by the inspector's PNG sheet and every chart's CSV.
 */
import * as vscode from 'vscode';

/** Writes `bytes`; returns the file, or undefined when the dialog was cancelled. */
export async function saveFile(bytes: () => Uint8Array, dialog: vscode.SaveDialogOptions, file?: string): Promise<string | undefined> {
  let target = file;
  if (!target) {
    const uri = await vscode.window.showSaveDialog(dialog);
    if (!uri) return undefined;
    target = uri.fsPath;
  }
  await vscode.workspace.fs.writeFile(vscode.Uri.file(target), bytes());
  return target;
}
