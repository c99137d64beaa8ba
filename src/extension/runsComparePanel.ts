/**
 * The runs comparison panel (*IDAA: Compare Runs*, *IDAA: Compare Experiment Runs*): one at a time
 * (`createOrShow` shows new runs in it), its page is webview/runs/main.ts under the same CSP as the
 * inspector. Messages both ways are declared in src/protocol/runsCompare.ts and checked on receipt;
 * a bad one is logged and ignored. tfjs-free.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { RUNS_COMPARE_VIEW_TYPE, type RunsHostMessage, type RunsMessage, type RunsPageMessage } from '../protocol/runsCompare';
import { parseRunsPageMessage, parseRunsShown } from '../protocol/runsCompareChecks';
import { compareRuns } from './compare';
import { saveCsv } from './csvExport';
import { pageHtml, webviewOptions } from './inspectorHtml';

export interface RunsCompareDeps {
  extensionUri: vscode.Uri;
  output: vscode.LogOutputChannel;
}

export class RunsComparePanel implements vscode.Disposable {
  static current: RunsComparePanel | undefined;

  private readonly disposables: vscode.Disposable[] = [];
  private readonly receivedEmitter = new vscode.EventEmitter<RunsPageMessage>();
  private readonly rejectedEmitter = new vscode.EventEmitter<string>();
  private readonly csvEmitter = new vscode.EventEmitter<string>();
  /** Every valid message from the page, after it is handled. */
  readonly onDidReceive = this.receivedEmitter.event;
  /** Every message from the page that failed validation (the reason). */
  readonly onDidReject = this.rejectedEmitter.event;
  /** Each CSV file written. */
  readonly onDidExportCsv = this.csvEmitter.event;
  /** Where the next chart CSV goes without a dialog (the suite's seam; used once). */
  csvFile: string | undefined;
  private ready = false;
  /** What the page shows (or will, once ready). */
  data: RunsMessage;

  /** Shows the comparison of `runDirs` (in the open panel, if there is one). */
  static createOrShow(deps: RunsCompareDeps, runDirs: readonly string[], opts: { title?: string; experiment?: string } = {}): RunsComparePanel {
    const data = compareRuns(runDirs, opts);
    const cur = RunsComparePanel.current;
    if (cur) {
      cur.panel.title = data.title;
      cur.panel.reveal(undefined, false);
      cur.show(data);
      return cur;
    }
    const panel = vscode.window.createWebviewPanel(RUNS_COMPARE_VIEW_TYPE, data.title, vscode.ViewColumn.Active, { ...webviewOptions(deps.extensionUri), retainContextWhenHidden: true });
    return new RunsComparePanel(panel, deps, data);
  }

  /**
   * The panel VS Code restores after a reload, from the state its page kept: the same runs, read
   * again from disk (runs deleted since are left out; a missing or malformed state shows none).
   */
  static revive(panel: vscode.WebviewPanel, deps: RunsCompareDeps, state: unknown): RunsComparePanel {
    RunsComparePanel.current?.dispose();
    const shown = parseRunsShown(state);
    if (!shown && state !== undefined) deps.output.warn('runs comparison: the restored panel kept no readable list of runs; it shows none');
    const dirs = (shown?.runDirs ?? []).filter((d) => existsSync(d));
    // The saved title counts the runs it showed: it holds only while they are all still there.
    const data = compareRuns(dirs, { title: dirs.length === shown?.runDirs.length ? shown.title : undefined, experiment: shown?.experiment });
    panel.webview.options = webviewOptions(deps.extensionUri);
    return new RunsComparePanel(panel, deps, data);
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly deps: RunsCompareDeps,
    data: RunsMessage,
  ) {
    RunsComparePanel.current = this;
    this.data = data;
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'idaa.svg');
    panel.webview.html = pageHtml(panel.webview, deps.extensionUri, { script: 'runs.js', title: 'IDAA: Compare Runs', rootId: 'idaa-runs-root', loading: 'Reading the runs…' });
    this.disposables.push(
      this.receivedEmitter,
      this.rejectedEmitter,
      this.csvEmitter,
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m) => this.receive(m)),
    );
  }

  private show(data: RunsMessage): void {
    this.data = data;
    if (this.ready) this.post(data);
  }

  private post(m: RunsHostMessage): void {
    void this.panel.webview.postMessage(m);
  }

  /** Handles one message from the page (public so tests can feed it bad ones). */
  receive(raw: unknown): void {
    const parsed = parseRunsPageMessage(raw);
    if (!parsed.ok) {
      this.deps.output.warn(`runs comparison: ignored a message from the page: ${parsed.error}`);
      this.rejectedEmitter.fire(parsed.error);
      return;
    }
    const m = parsed.message;
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.post(this.data);
        break;
      case 'exportCsv':
        void this.exportCsv(m.name, m.csv);
        break;
      case 'log':
        (m.level === 'error' ? this.deps.output.error : m.level === 'warn' ? this.deps.output.warn : this.deps.output.info).call(this.deps.output, `runs comparison page: ${m.message}`);
        break;
    }
    this.receivedEmitter.fire(m);
  }

  private async exportCsv(name: string, csv: string): Promise<void> {
    const file = this.csvFile;
    this.csvFile = undefined;
    try {
      const folder = this.data.experiment ?? (this.data.runs[0] ? path.dirname(this.data.runs[0].runDir) : undefined);
      const written = await saveCsv({ name, csv }, folder, file);
      if (!written) return;
      this.post({ type: 'exported', detail: written });
      this.csvEmitter.fire(written);
    } catch (e) {
      this.deps.output.warn(`runs comparison: CSV export: ${(e as Error).message}`);
      void vscode.window.showErrorMessage(`Cannot save the CSV: ${(e as Error).message}`);
    }
  }

  dispose(): void {
    if (RunsComparePanel.current === this) RunsComparePanel.current = undefined;
    const d = this.disposables.splice(0);
    this.panel.dispose();
    d.forEach((x) => x.dispose());
  }
}
