/**
 * Extension entry point: wires sessions, commands, CodeLens, decorations and the report panel.
 * Activation only registers; workers start when a command runs.
 */
import * as vscode from 'vscode';
import type { LeakReport } from '../report/types';
import { LeakCodeLensProvider, PROFILE_AT_COMMAND, PROFILE_ROUTE_COMMAND } from './codeLens';
import { RetainerDecorations, type InlineNote } from './decorations';
import { LeakReportPanel, LeakReportSerializer, PANEL_VIEW_TYPE, type RevealOutcome } from './panel';
import { ReportStore, targetKey } from './reports';
import { repeatRequest, rerun, RERUN_COMMAND } from './rerun';
import { withComparison } from '../report/compareRuns';
import { askInspectorAddress, ProfileRunner, type ProfileRequest } from './runner';
import { labelText } from './inertText';
import { DebugSessions, listeningPorts } from './sessions';
import type { RouteRegistration } from './routes';
import { compareSnapshots, compareWith, openSnapshot } from './snapshotCommands';
import { SnapshotEditorProvider } from './snapshotEditor';
import type { SnapshotView } from './snapshotView';
import { functionSymbols } from './symbols';
import { profileEndpoint, profileRoute, type EndpointInput } from './endpointCommand';

/** What the extension offers other code (and its tests). */
export interface LeakLensApi {
  profile(request: ProfileRequest): Promise<LeakReport | undefined>;
  lastReport(): LeakReport | undefined;
  inlineNotes(): readonly InlineNote[];
  showReport(report: LeakReport): void;
  /**
   * What the report panel does with its page's "reveal source" message (the same handler):
   * undefined when no panel is open.
   */
  revealFromPanel(url: string, line: number, column: number): Promise<RevealOutcome | undefined>;
  /** What the report panel's Re-run button does (the same handler): undefined when no panel is open. */
  rerunFromPanel(): Promise<LeakReport | undefined>;
  /** The heap snapshot editor showing this file, once it is open (undefined after 30 s). */
  snapshotEditor(uri: vscode.Uri): Promise<SnapshotView | undefined>;
}

const SELECTOR: vscode.DocumentSelector = [
  { language: 'javascript' },
  { language: 'typescript' },
  { language: 'javascriptreact' },
  { language: 'typescriptreact' },
];

export function activate(context: vscode.ExtensionContext): LeakLensApi {
  const output = vscode.window.createOutputChannel('Leak Lens');
  const sessions = new DebugSessions();
  const reports = new ReportStore();
  const decorations = new RetainerDecorations();
  const showReport = (report: LeakReport) => LeakReportPanel.createOrShow(context.extensionUri, report, reports.targetFor(report));
  const runner = new ProfileRunner(sessions, output, (measured, request, target) => {
    // The previous run of the same target goes beside this one.
    const key = targetKey(request);
    const previous = reports.latestFor(key);
    const report = previous ? withComparison(measured, previous) : measured;
    if (report.comparison) output.appendLine(`  ${report.comparison.summary}`);
    reports.add(report, request.uri && request.name ? { uri: request.uri, name: request.name } : undefined, { target: key, request: repeatRequest(request, target) });
    void decorations.show(report);
    showReport(report);
    return report;
  });
  const lenses = new LeakCodeLensProvider(sessions, reports);
  const snapshotEditors = new SnapshotEditorProvider(context.extensionUri, (uri) => compareWith(uri));

  context.subscriptions.push(
    output,
    sessions,
    reports,
    decorations,
    lenses,
    vscode.languages.registerCodeLensProvider(SELECTOR, lenses),
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, new LeakReportSerializer(context.extensionUri)),
    vscode.commands.registerCommand('leakLens.profileFunction', () => profileFromPalette(runner)),
    vscode.commands.registerCommand('leakLens.cancelProfile', () => {
      if (!runner.cancel()) void vscode.window.showInformationMessage('Leak Lens: no profile run is in progress.');
    }),
    vscode.commands.registerCommand('leakLens.profileEndpoint', (request?: string | EndpointInput) =>
      profileEndpoint(runner, context.workspaceState, typeof request === 'string' || (typeof request === 'object' && request !== null) ? request : undefined)),
    vscode.commands.registerCommand(PROFILE_ROUTE_COMMAND, async (uri: vscode.Uri, route: RouteRegistration) => {
      const document = await vscode.workspace.openTextDocument(uri);
      const ports = await listeningPorts(sessions.concrete[0]);
      return profileRoute(runner, context.workspaceState, ports, document, route);
    }),
    vscode.commands.registerCommand(PROFILE_AT_COMMAND, async (uri: vscode.Uri, line: number, name: string, container?: string) => {
      const receiver = await askReceiver(container, name);
      if (!receiver) return undefined;
      return runner.profile({ uri: uri.toString(), file: uri.fsPath, line: line + 1, name, ...receiver });
    }),
    vscode.commands.registerCommand('leakLens.attachInspector', async () => {
      const address = await askInspectorAddress();
      if (!address) return;
      const expression = await vscode.window.showInputBox({
        title: 'Leak Lens: function to profile',
        prompt: 'An expression giving the function in that process',
        placeHolder: 'process.mainModule.exports.loadApp',
      });
      if (expression) await runner.profile({ expression, address });
    }),
    // Both take optional file URIs (from other commands or tests) and ask for files otherwise.
    snapshotEditors.register(),
    vscode.commands.registerCommand('leakLens.openHeapSnapshot', (file?: vscode.Uri) => openSnapshot(snapshotEditors, file)),
    // From the editor's title bar VS Code passes the editor's file; from the palette, nothing.
    vscode.commands.registerCommand('leakLens.compareWithSnapshot', (file?: vscode.Uri, target?: vscode.Uri) =>
      compareWith(file instanceof vscode.Uri ? file : snapshotEditors.activeUri(), target),
    ),
    vscode.commands.registerCommand('leakLens.compareHeapSnapshots', async (baseline?: vscode.Uri, target?: vscode.Uri) => {
      const report = await compareSnapshots(baseline, target);
      if (report) {
        reports.add(report);
        showReport(report);
      }
      return report;
    }),
    vscode.commands.registerCommand(RERUN_COMMAND, (target?: string) => rerun(reports, runner, target)),
    vscode.commands.registerCommand('leakLens.showLastReport', () => {
      if (reports.last) showReport(reports.last);
      else void vscode.window.showInformationMessage('Leak Lens: no report yet. Run "Profile function leaks" first.');
    }),
  );

  return {
    profile: (request) => runner.profile(request),
    lastReport: () => reports.last,
    inlineNotes: () => decorations.current,
    showReport,
    revealFromPanel: async (url, line, column) => LeakReportPanel.current?.reveal(url, line, column),
    rerunFromPanel: async () => LeakReportPanel.current?.rerun(),
    snapshotEditor: (uri) => snapshotEditors.viewFor(uri),
  };
}

/** "Profile function leaks": pick a function of the active file, the one at the cursor first. */
async function profileFromPalette(runner: ProfileRunner): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || !/javascript|typescript/.test(editor.document.languageId)) {
    void vscode.window.showInformationMessage('Leak Lens: open a JavaScript or TypeScript file to pick a function.');
    return;
  }
  const symbols = await functionSymbols(editor.document);
  if (symbols.length === 0) {
    void vscode.window.showInformationMessage('Leak Lens: no functions found in this file.');
    return;
  }
  const cursor = editor.selection.active;
  symbols.sort((a, b) => Number(b.range.contains(cursor)) - Number(a.range.contains(cursor)) || a.range.start.line - b.range.start.line);
  const pick = await vscode.window.showQuickPick(
    symbols.map((s) => ({ label: labelText(s.name), description: s.container ? `in ${labelText(s.container)}` : undefined, detail: `line ${s.selection.start.line + 1}`, symbol: s })),
    { placeHolder: 'Profile which function for leaks?' },
  );
  if (!pick) return;
  const args = await vscode.window.showInputBox({
    title: `Arguments for ${pick.symbol.name} (optional)`,
    prompt: 'A JavaScript expression giving the arguments array; leave empty for none',
    placeHolder: '["bot-1", { fast: true }]',
  });
  if (args === undefined) return;
  const receiver = await askReceiver(pick.symbol.container, pick.symbol.name);
  if (!receiver) return;
  await runner.profile({
    uri: editor.document.uri.toString(),
    file: editor.document.uri.fsPath,
    line: pick.symbol.selection.start.line + 1,
    name: pick.symbol.name,
    ...(args.trim() ? { args } : {}),
    ...receiver,
  });
}

/**
 * A method needs its receiver: asks for it ({} for a plain function, or when left empty, which
 * runs it with `this` undefined); undefined when the prompt is dismissed.
 */
async function askReceiver(container: string | undefined, name: string): Promise<{ thisArg?: string } | undefined> {
  if (!container) return {};
  const thisArg = await vscode.window.showInputBox({
    title: `Receiver for ${container}.${name}`,
    prompt: 'A JavaScript expression giving `this` (methods need their object); leave empty for none',
    placeHolder: 'process.mainModule.exports.log',
  });
  if (thisArg === undefined) return undefined;
  return thisArg.trim() ? { thisArg } : {};
}

export function deactivate(): void {}
