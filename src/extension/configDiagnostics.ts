/**
 * Every error of a run's config.json as a Diagnostic (Problems panel, squiggles), all at once, at
 * the field's range; updated as the file is opened, edited (debounced) and saved, and when a Start
 * is refused for it. "Open Config" jumps to the first.
 *
 * The validation is the engine's own (schema, preset merge, cross-field checks), asked of the
 * worker (idaa/checkConfig) with the editor's text: the host loads no engine code. The ranges come
 * from src/common/runs/configIssues.ts (jsonc-parser). In an untrusted workspace no worker starts,
 * so there are none (VS Code's JSON schema validation still marks schema errors).
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { issueMessage, issueRange } from '../common/runs/configIssues';
import { CheckConfigRequest, ConfigIssue } from '../protocol/worker';
import { runsRoot } from './settings';
import { WorkerClient } from './workerClient';

export const DIAGNOSTIC_SOURCE = 'IDAA';

/** A file the extension treats as a run config: `<runs folder>/<run>/config.json`, any `.idaa/runs/<run>/config.json`, or `*.idaa.json`. */
export function isRunConfig(uri: vscode.Uri): boolean {
  if (uri.scheme !== 'file') return false;
  const file = uri.fsPath;
  if (file.endsWith('.idaa.json')) return true;
  if (path.basename(file) !== 'config.json') return false;
  const parent = path.dirname(path.dirname(file));
  const root = runsRoot();
  if (root && path.resolve(parent) === path.resolve(root)) return true;
  return parent.split(path.sep).slice(-2).join('/') === '.idaa/runs';
}

/** 0-based line and character of an offset. */
function positionAt(text: string, offset: number): vscode.Position {
  let line = 0;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return new vscode.Position(line, Math.max(0, offset - start));
}

export function toDiagnostics(text: string, issues: readonly ConfigIssue[]): vscode.Diagnostic[] {
  return issues.map((i) => {
    const r = issueRange(text, i);
    const d = new vscode.Diagnostic(new vscode.Range(positionAt(text, r.start), positionAt(text, r.end)), issueMessage(i), vscode.DiagnosticSeverity.Error);
    d.source = DIAGNOSTIC_SOURCE;
    d.code = i.field;
    return d;
  });
}

export class ConfigDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('idaa');
  private readonly emitter = new vscode.EventEmitter<{ uri: vscode.Uri; diagnostics: readonly vscode.Diagnostic[] }>();
  /** Fires each time a config's diagnostics are set (for tests: observe without sleeping). */
  readonly onDidUpdate = this.emitter.event;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** The latest check asked for each file; older answers are dropped. */
  private readonly generation = new Map<string, number>();
  private readonly disposables: vscode.Disposable[] = [this.collection, this.emitter];
  private warned = false;

  constructor(
    private readonly worker: WorkerClient,
    private readonly output: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => e.contentChanges.length > 0 && this.schedule(e.document, 400)),
      vscode.workspace.onDidSaveTextDocument((d) => this.schedule(d, 0)),
      vscode.workspace.onDidDeleteFiles((e) => e.files.forEach((f) => this.forget(f))),
      vscode.workspace.onDidGrantWorkspaceTrust(() => vscode.workspace.textDocuments.forEach((d) => this.schedule(d, 0))),
    );
    for (const d of vscode.workspace.textDocuments) this.schedule(d, 0);
  }

  private schedule(doc: vscode.TextDocument, ms: number): void {
    if (!isRunConfig(doc.uri)) return;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.check(doc.uri, doc.getText());
      }, ms),
    );
  }

  private forget(uri: vscode.Uri): void {
    this.collection.delete(uri);
    this.generation.delete(uri.toString());
  }

  /** Validates `text` as the config at `uri` and sets its diagnostics; undefined when no worker can check it. */
  async check(uri: vscode.Uri, text: string): Promise<vscode.Diagnostic[] | undefined> {
    const key = uri.toString();
    const gen = (this.generation.get(key) ?? 0) + 1;
    this.generation.set(key, gen);
    if (!vscode.workspace.isTrusted) return undefined;
    let issues: ConfigIssue[];
    try {
      const client = await this.worker.get();
      issues = (await client.sendRequest(CheckConfigRequest.type, { text, file: uri.fsPath })).issues;
    } catch (e) {
      if (!this.warned) this.output.warn(`config diagnostics unavailable: ${(e as Error).message}`);
      this.warned = true;
      return undefined;
    }
    if (this.generation.get(key) !== gen) return undefined; // a newer edit is being checked
    const diagnostics = toDiagnostics(text, issues);
    this.collection.set(uri, diagnostics);
    this.emitter.fire({ uri, diagnostics });
    return diagnostics;
  }

  /** Checks a config file as it is open in an editor, else as on disk. */
  async checkFile(file: string): Promise<vscode.Diagnostic[] | undefined> {
    const uri = vscode.Uri.file(file);
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open) return this.check(uri, open.getText());
    if (!existsSync(file)) return undefined;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
    return this.check(uri, text);
  }

  /** Opens a config with the cursor on its first error (after checking it), or at the top when it has none. */
  async openAtFirstError(file: string): Promise<vscode.TextEditor> {
    const uri = vscode.Uri.file(file);
    const doc = await vscode.workspace.openTextDocument(uri);
    const diagnostics = (await this.check(uri, doc.getText())) ?? this.collection.get(uri) ?? [];
    const first = [...diagnostics].sort((a, b) => a.range.start.compareTo(b.range.start))[0];
    const editor = await vscode.window.showTextDocument(doc, { preview: false, ...(first ? { selection: first.range } : {}) });
    if (first) editor.revealRange(first.range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    return editor;
  }

  dispose(): void {
    this.timers.forEach((t) => clearTimeout(t));
    this.timers.clear();
    this.disposables.forEach((d) => d.dispose());
  }
}
