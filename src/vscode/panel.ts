/**
 * The report panel: one webview (media/ bundle, d3) showing memory per call, the leak table
 * and the retainer graph. createOrShow/revive like the webview samples; a serializer restores
 * it after a window reload. Clicking a row or node reveals the source line.
 */
import * as vscode from 'vscode';
import type { LeakReport } from '../report/types';
import { validateReport } from '../report/validate';
import { makeNonce, PANEL_SCRIPT_PATH, PANEL_STYLE_PATH, panelHtml } from '../report/page';
import { isPageMessage, type PageMessage } from '../report/panelProtocol';
import { fileUriOf } from './paths';

export const PANEL_VIEW_TYPE = 'leakLens.report';

export class LeakReportPanel {
  static current: LeakReportPanel | undefined;
  private report: LeakReport | undefined;
  private ready = false;
  private readonly disposables: vscode.Disposable[] = [];

  static createOrShow(extensionUri: vscode.Uri, report: LeakReport): LeakReportPanel {
    const column = vscode.ViewColumn.Beside;
    if (LeakReportPanel.current) {
      LeakReportPanel.current.panel.reveal(column, true);
      LeakReportPanel.current.show(report);
      return LeakReportPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, 'Leak Lens', { viewColumn: column, preserveFocus: true }, webviewOptions(extensionUri));
    const created = new LeakReportPanel(panel, extensionUri);
    created.show(report);
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

  show(report: LeakReport): void {
    this.report = report;
    this.panel.title = `Leak Lens: ${report.function?.name ?? 'snapshots'}`;
    if (this.ready) void this.panel.webview.postMessage({ type: 'report', report });
  }

  private receive(m: PageMessage): void {
    if (m.type === 'ready') {
      this.ready = true;
      if (this.report) void this.panel.webview.postMessage({ type: 'report', report: this.report });
    } else if (m.type === 'reveal') {
      reveal(m.url, m.line, m.column).catch((e: Error) =>
        vscode.window.showWarningMessage(`Leak Lens: cannot open ${m.url}: ${e.message}`),
      );
    }
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

/** Opens a script (file path or file:// URL) at a 0-based line. */
async function reveal(url: string, line: number, column: number): Promise<void> {
  const uri = fileUriOf(url);
  if (!uri) {
    void vscode.window.showInformationMessage(`Leak Lens: ${url} is not a file in this workspace.`);
    return;
  }
  const position = new vscode.Position(Math.max(0, line), Math.max(0, column));
  const editor = await vscode.window.showTextDocument(uri, { viewColumn: vscode.ViewColumn.One, preserveFocus: false });
  editor.selection = new vscode.Selection(position, position);
  editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenter);
}

export class LeakReportSerializer implements vscode.WebviewPanelSerializer {
  constructor(private readonly extensionUri: vscode.Uri) {}
  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    LeakReportPanel.revive(panel, this.extensionUri, state);
  }
}
