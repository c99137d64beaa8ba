/** Edits to a run folder from the Runs view: rename, duplicate (new run from its config), delete. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { applyEdits, modify } from 'jsonc-parser';
import * as vscode from 'vscode';
import { runLabel, runTraits } from '../../common/runs/display';
import { newRunId } from '../../common/runs/layout';
import { runLockHolder } from '../../common/runs/lock';
import { readRunStatus } from '../../common/runs/state';
import { openFile } from '../messages';
import { readRawConfig } from '../runManager';
import { runsRoot } from '../settings';
import type { CommandDeps, RunArg, RunPicks } from './runPicks';

export function runEditCommands(ctx: CommandDeps, { runDirOf, pickRun }: RunPicks) {
  const { runs, tree, messages, output } = ctx;

  /** Sets (or, empty, removes) the run's `name` in config.json, keeping the file's formatting; `name` changes no result. */
  const renameRun = async (arg?: RunArg, newName?: string) => {
    const runDir = runDirOf(arg) ?? (await pickRun(undefined, () => true, 'Rename which run?'));
    if (!runDir) return undefined;
    const file = path.join(runDir, 'config.json');
    const config = readRawConfig(runDir);
    if (!config) {
      messages.show('error', `Cannot rename ${path.basename(runDir)}: its config.json is not a JSON object. Fix it first.`, [{ title: 'Open Config', run: () => messages.openConfig(file) }], 'config');
      return undefined;
    }
    const name =
      newName ??
      (await vscode.window.showInputBox({
        title: `Rename ${path.basename(runDir)}`,
        prompt: 'The name shown in the Runs view (the config’s "name" field; it changes no result). Empty: dataset · method · IDAA.',
        value: typeof config.name === 'string' ? config.name : runLabel(config, path.basename(runDir)),
      }));
    if (name === undefined) return undefined;
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    const text = doc.getText();
    const edits = modify(text, ['name'], name.trim() ? name.trim() : undefined, { formattingOptions: { insertSpaces: true, tabSize: 2, eol: '\n' } });
    if (edits.length) {
      const we = new vscode.WorkspaceEdit();
      for (const e of edits) we.replace(doc.uri, new vscode.Range(doc.positionAt(e.offset), doc.positionAt(e.offset + e.length)), e.content);
      if (!(await vscode.workspace.applyEdit(we)) || !(await doc.save())) {
        // The editor would not take the edit (e.g. a read-only file system view): write the file.
        writeFileSync(file, applyEdits(text, edits));
      }
    }
    tree.refresh();
    return name.trim();
  };

  /** A new run folder with this run's config.json (as written), nothing else: "new run from this config". */
  const duplicateRun = async (arg?: RunArg, opts: { open?: boolean } = {}) => {
    const source = runDirOf(arg) ?? (await pickRun(undefined, () => true, 'New run from the config of which run?'));
    if (!source) return undefined;
    const root = runsRoot() ?? path.dirname(source);
    let text: string;
    try {
      text = readFileSync(path.join(source, 'config.json'), 'utf8');
    } catch (e) {
      messages.error('Cannot read the config', e);
      return undefined;
    }
    const config = readRawConfig(source);
    const t = runTraits(config);
    if (config && typeof config.name === 'string' && config.name.trim()) {
      text = applyEdits(text, modify(text, ['name'], `${config.name.trim()} (copy)`, { formattingOptions: { insertSpaces: true, tabSize: 2, eol: '\n' } }));
    }
    const base = path.join(root, newRunId(`${t.method}${t.idaa ? '-idaa' : ''}`, t.dataset));
    let runDir = base;
    for (let i = 2; existsSync(runDir); i++) runDir = `${base}-${i}`;
    mkdirSync(runDir, { recursive: true });
    writeFileSync(path.join(runDir, 'config.json'), text.endsWith('\n') ? text : text + '\n');
    tree.refresh();
    output.info(`new run ${runDir} from the config of ${source}`);
    if (opts.open !== false) {
      await openFile(path.join(runDir, 'config.json'));
      messages.show('info', `Created ${path.basename(runDir)} with the config of ${runLabel(config, path.basename(source))}. Edit it, then start it.`, [{ title: 'Start', run: () => runs.start(runDir) }], 'created');
    }
    return runDir;
  };

  /**
   * Deletes a run folder after a confirmation, to the trash where the file system has one (a local
   * desktop), else for good after a second confirmation. Never a run that trains: this window's, or
   * one whose lock a live process (the CLI, another window) holds.
   */
  const deleteRun = async (arg?: RunArg, opts: { confirm?: boolean } = {}) => {
    const runDir = runDirOf(arg) ?? (await pickRun(undefined, (st) => st !== 'running' && st !== 'paused' && st !== 'stopping', 'Delete which run?'));
    if (!runDir) return false;
    const label = runLabel(readRawConfig(runDir), path.basename(runDir));
    const mine = runs.active && path.resolve(runs.active.runDir) === path.resolve(runDir) && runs.busy;
    const holder = runLockHolder(runDir);
    const st = readRunStatus(runDir).state;
    if (mine || holder || st === 'running' || st === 'paused' || st === 'stopping') {
      const who = mine ? 'this window trains it' : holder ? `process ${holder.pid} (${holder.command}) holds it` : `its state is ${st}`;
      messages.show('error', `Cannot delete ${label}: ${who}. Stop it first.`, mine ? [{ title: 'Stop', run: () => runs.control('stop') }] : [], 'busy');
      return false;
    }
    const uri = vscode.Uri.file(runDir);
    if (opts.confirm !== false) {
      const ok = await vscode.window.showWarningMessage(`Delete the run ${label}?`, { modal: true, detail: `${runDir}\n\nIts config, metrics and checkpoints go to the trash where this system has one.` }, 'Delete');
      if (ok !== 'Delete') return false;
    }
    try {
      await vscode.workspace.fs.delete(uri, { recursive: true, useTrash: true });
    } catch (e) {
      // No trash here (a remote or web workspace, a file system without one): ask again, then delete for good.
      output.warn(`no trash for ${runDir}: ${(e as Error).message}`);
      if (opts.confirm !== false) {
        const ok = await vscode.window.showWarningMessage(`There is no trash here. Delete ${label} permanently?`, { modal: true, detail: runDir }, 'Delete Permanently');
        if (ok !== 'Delete Permanently') return false;
      }
      try {
        await vscode.workspace.fs.delete(uri, { recursive: true, useTrash: false });
      } catch (e2) {
        messages.error(`Cannot delete ${label}`, e2);
        return false;
      }
    }
    tree.refresh();
    return true;
  };

  return { renameRun, duplicateRun, deleteRun };
}
