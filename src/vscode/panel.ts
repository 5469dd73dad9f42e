/**
 * The report panel: one webview (media/ bundle, d3) showing memory per call, the leak table
 * and the retainer graph. createOrShow/revive like the webview samples; a serializer restores
 * it after a window reload. Clicking a row or node reveals the source line: a script of the
 * shown report inside the workspace opens at once, one outside every workspace folder only
 * after the user confirms, anything else not at all (revealPolicy.ts).
 */
import { reportFiles } from '../report/sourceFiles';
import { realpathSync } from 'node:fs';
import * as vscode from 'vscode';
import type { LeakReport } from '../report/types';
import { validateReport } from '../report/validate';
import { makeNonce, PANEL_SCRIPT_PATH, PANEL_STYLE_PATH, panelHtml } from '../report/page';
import { isPageMessage, type PageMessage } from '../report/panelProtocol';
import { messageText, oneLine } from './inertText';
import { revealDecision } from './revealPolicy';
import { RERUN_COMMAND } from './rerun';

export const PANEL_VIEW_TYPE = 'leakLens.report';

export class LeakReportPanel {
  static current: LeakReportPanel | undefined;
  private report: LeakReport | undefined;
  /** The target the shown report can be re-run as (none for a restored panel or saved snapshots). */
  private rerunTarget: string | undefined;
  private ready = false;
  private readonly disposables: vscode.Disposable[] = [];

  static createOrShow(extensionUri: vscode.Uri, report: LeakReport, rerunTarget?: string): LeakReportPanel {
    const column = vscode.ViewColumn.Beside;
    if (LeakReportPanel.current) {
      LeakReportPanel.current.panel.reveal(column, true);
      LeakReportPanel.current.show(report, rerunTarget);
      return LeakReportPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, 'Leak Lens', { viewColumn: column, preserveFocus: true }, webviewOptions(extensionUri));
    const created = new LeakReportPanel(panel, extensionUri);
    created.show(report, rerunTarget);
    return created;
  }

  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, state: unknown): LeakReportPanel {
    const revived = new LeakReportPanel(panel, extensionUri);
    // State comes back from the webview: accept only a report this version can read.
    const saved = (state as { report?: unknown } | undefined)?.report;
    try {
      if (saved) revived.show(validateReport(saved));
    } catch {
      // An old or damaged state: the panel stays empty until the next run.
    }
    return revived;
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
  ) {
    LeakReportPanel.current = this;
    panel.webview.options = webviewOptions(extensionUri);
    panel.webview.html = this.html();
    panel.onDidDispose(() => this.dispose(), null, this.disposables);
    panel.webview.onDidReceiveMessage((m: unknown) => isPageMessage(m) && this.receive(m), null, this.disposables);
  }

  show(report: LeakReport, rerunTarget?: string): void {
    this.report = report;
    this.rerunTarget = rerunTarget;
    this.panel.title = `Leak Lens: ${report.function?.name ?? 'snapshots'}`;
    if (this.ready) this.post();
  }

  private post(): void {
    if (this.report) void this.panel.webview.postMessage({ type: 'report', report: this.report, canRerun: this.rerunTarget !== undefined });
  }

  private receive(m: PageMessage): void {
    if (m.type === 'ready') {
      this.ready = true;
      this.post();
    } else if (m.type === 'reveal') {
      void this.reveal(m.url, m.line, m.column);
    } else if (m.type === 'rerun') {
      void this.rerun();
    }
  }

  /** The page's Re-run button: the shown report's target again (the extension's API exposes it for tests). */
  async rerun(): Promise<LeakReport | undefined> {
    if (!this.rerunTarget) {
      void vscode.window.showInformationMessage('Leak Lens: this report cannot be re-run from here. Profile the function again from its CodeLens.');
      return undefined;
    }
    return vscode.commands.executeCommand<LeakReport | undefined>(RERUN_COMMAND, this.rerunTarget);
  }

  /** The page's "reveal source" request: what happened to it (the extension's API exposes it for tests). */
  reveal(url: string, line: number, column: number): Promise<RevealOutcome> {
    return revealSource(this.report, url, line, column).catch((e: Error) => {
      void vscode.window.showWarningMessage(messageText(`Leak Lens: cannot open ${url}: ${e.message}`));
      return 'failed' as const;
    });
  }

  private html(): string {
    const webview = this.panel.webview;
    return panelHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, PANEL_SCRIPT_PATH)).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, PANEL_STYLE_PATH)).toString(),
      nonce: makeNonce(),
    });
  }

  dispose(): void {
    LeakReportPanel.current = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    retainContextWhenHidden: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

export type RevealOutcome = 'opened' | 'refused' | 'cancelled' | 'failed';

/** A path as it really is (symbolic links followed), or as given when it does not exist. */
function realPath(p: string): string {
  try {
    return realpathSync.native(p);
  } catch {
    return p;
  }
}

/**
 * Opens a script (file path or file:// URL) of `report` at a 0-based line: at once inside a
 * workspace folder, after a modal "Open …? It is outside the workspace" outside them; a URL
 * that is not one of the report's scripts, or no local file, is refused.
 */
export async function revealSource(report: LeakReport | undefined, url: string, line: number, column: number): Promise<RevealOutcome> {
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => realPath(f.uri.fsPath));
  // The report's scripts and the .ts files their source maps name.
  const decision = revealDecision(url, report ? reportFiles(report) : undefined, folders, realPath);
  if (decision.action === 'refuse') {
    void vscode.window.showInformationMessage(messageText(`Leak Lens: not opening ${url}: ${decision.reason}.`));
    return 'refused';
  }
  if (decision.action === 'ask') {
    const open = 'Open';
    const choice = await vscode.window.showWarningMessage(
      `Open ${oneLine(decision.file)}? It is outside the workspace.`,
      { modal: true, detail: "Leak Lens: the path comes from the profiled program's heap." },
      open,
    );
    if (choice !== open) return 'cancelled';
  }
  const uri = vscode.Uri.file(decision.file);
  const position = new vscode.Position(Math.max(0, line), Math.max(0, column));
  const editor = await vscode.window.showTextDocument(uri, { viewColumn: vscode.ViewColumn.One, preserveFocus: false });
  editor.selection = new vscode.Selection(position, position);
  editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenter);
  return 'opened';
}

export class LeakReportSerializer implements vscode.WebviewPanelSerializer {
  constructor(private readonly extensionUri: vscode.Uri) {}
  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    LeakReportPanel.revive(panel, this.extensionUri, state);
  }
}
