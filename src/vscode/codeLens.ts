/**
 * "Profile leaks" above each function and method in JS/TS files, once a Node debug session
 * exists (before that, no symbols are even asked for). Titles carry the last verdict for
 * that function; a burst of session changes refreshes them once. Route registrations
 * (`app.get('/path', …)`) get "Profile endpoint leaks".
 */
import * as vscode from 'vscode';
import { targetKey, verdictTitle, type ReportStore } from './reports';
import { RERUN_COMMAND } from './rerun';
import type { DebugSessions } from './sessions';
import { codeLensEnabled } from './settings';
import { functionSymbols, type FunctionSymbol } from './symbols';
import { findRoutes } from './routes';

export const PROFILE_AT_COMMAND = 'leakLens.profileAt';
export const PROFILE_ROUTE_COMMAND = 'leakLens.profileRoute';

export class LeakCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly sessions: DebugSessions,
    private readonly reports: ReportStore,
  ) {
    this.subscriptions = [
      sessions.onDidChange(() => this.refresh()),
      reports.onDidChange(() => this.refresh()),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('leakLens.codeLens') && this.refresh()),
    ];
  }

  private refreshTimer: NodeJS.Timeout | undefined;

  /** One refresh for a burst of changes (js-debug starts a parent and a child session). */
  private refresh(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.changed.fire(), 300);
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (!codeLensEnabled() || !this.sessions.any) return [];
    const symbols = await functionSymbols(document);
    // The command is attached here, not in resolveCodeLens: in the web workbench a lens
    // resolved against an older provide call can keep a command VS Code has already released
    // ("Actual command not found"). The title is a map lookup, so nothing is lost.
    const functions = symbols.flatMap((s) => {
      const lens = new vscode.CodeLens(s.selection, this.command(document.uri, s));
      const again = this.rerunCommand(document.uri, s);
      return again ? [lens, new vscode.CodeLens(s.selection, again)] : [lens];
    });
    const routes = findRoutes(document.getText()).map((route) => {
      const at = new vscode.Range(route.line, route.column, route.line, route.column);
      return new vscode.CodeLens(at, {
        title: 'Profile endpoint leaks',
        tooltip: `Send ${route.method} ${route.path} to the debugged server N times and look for leaks`,
        command: PROFILE_ROUTE_COMMAND,
        arguments: [document.uri, route],
      });
    });
    return [...functions, ...routes];
  }

  /** After a verdict, "Re-run": the same run again, with the previous one beside it. */
  private rerunCommand(uri: vscode.Uri, s: FunctionSymbol): vscode.Command | undefined {
    if (uri.scheme !== 'file' || !this.reports.forFunction(uri.toString(), s.name)) return undefined;
    const target = targetKey({ file: uri.fsPath, name: s.name });
    if (!this.reports.rerunRequest(target)) return undefined;
    return {
      title: 'Re-run',
      tooltip: `Run ${s.name} again the same way (after a fix) and show the previous run beside it`,
      command: RERUN_COMMAND,
      arguments: [target],
    };
  }

  private command(uri: vscode.Uri, s: FunctionSymbol): vscode.Command {
    const report = this.reports.forFunction(uri.toString(), s.name);
    return {
      title: report ? verdictTitle(report) : 'Profile leaks',
      tooltip: report ? `${report.summary} Click to profile again.` : `Run ${s.name} in the debugged process and look for leaks`,
      command: PROFILE_AT_COMMAND,
      arguments: [uri, s.selection.start.line, s.name, s.container],
    };
  }

  dispose(): void {
    clearTimeout(this.refreshTimer);
    this.changed.dispose();
    for (const d of this.subscriptions) d.dispose();
  }
}
